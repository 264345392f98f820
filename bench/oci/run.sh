#!/usr/bin/env bash
# The OCI benchmark (docs/benchmarks.md, "OCI"; issue 20): containerd pulling one image on N
# nodes at once, straight from the registry against through each node's aciswarm mirror.
# The swarm benchmark's network (bench/lib/net.sh): one namespace per host on a bridge in a
# namespace of its own, every link shaped with tc HTB to RATE each way.
#
#   registry  docker-registry 2.8 (plain HTTP on :5000, the upstream, its access log kept),
#             `aciswarm origin` (:8090, blobs into torrents, seeds them on :6881) and
#             aciswarm-tracker (:6969, --dir = the origin's whitelist, --scan-watch)
#   node I    containerd (its own root, state, socket) and, in the aciswarm mode,
#             `aciswarm daemon --mirror --mirror-origin` with `aciswarm mirror setup`'s
#             hosts.toml; `ctr images pull --hosts-dir` is what is timed
#
# The image: LAYERS gzipped layers of random bytes (incompressible), SIZE MiB in all, built by
# tests/integration/oci/make_oci_image.py and pushed once with skopeo. Modes, run one after
# another on the same network for each N (every run starts the nodes' containerds, daemons and
# the origin afresh, with empty stores and caches; the registry keeps the image):
#   direct    ctr images pull --plain-http on every node, straight from the registry
#   aciswarm  ctr images pull through the node's mirror (blobs from the swarm, the origin
#             pulled each from the registry once)
#
# Per mode and N it prints p50 and max pull time (ctr's exit), max / T_min (the fluid bound,
# T_min = max(F/u_s, N*F/(u_s + N*u)); direct pulls cannot beat N*F/u_s), upstream egress / F
# (the registry namespace's eth0 tx_bytes: registry and origin together), the registry's
# blob GETs (its access log: per blob, min and max count), the bytes nodes sent each other / F,
# and, for aciswarm, the nodes' mirror metrics (bytes from peers and from upstream / (N*F)) and
# the speed-up max(direct)/max(aciswarm) at that N, and the load average.
#
# usage: run.sh [--nodes=LIST] [--rate-mbit=R] [--size-mib=S] [--layers=L] [--modes=LIST]
#               [--bin-dir=DIR] [--daemon-args=WORDS] [--origin-args=WORDS] [--label=NAME]
#               [--out=FILE] [--assert] [--keep] [--timeout=SECONDS]
#   --nodes=LIST       comma list of node counts, one run of every mode each (default 4,8,16)
#   --rate-mbit=R      every link's rate, each way, Mbit/s (default 20)
#   --size-mib=S       MiB of random data in the image (default 64)
#   --layers=L         layers it is split into (default 4)
#   --modes=LIST       comma list of direct,aciswarm (default both)
#   --bin-dir=DIR      aciswarm and aciswarm-tracker under test (default: build/bin)
#   --daemon-args=WORDS extra arguments for every node's aciswarm daemon
#   --origin-args=WORDS extra arguments for aciswarm origin (e.g. --super-seed=true)
#   --label=NAME       the aciswarm mode's name in the table (default aciswarm)
#   --out=FILE         also append the table to FILE
#   --assert           correctness (the CI variant): exit 1 unless every node of every mode has
#                      the pushed manifest and every blob, and in the aciswarm mode every blob
#                      came to every node from peers (the agents' metrics: nothing from
#                      upstream) and the registry's access log shows each blob GET once
#   --keep             keep the work dir (logs)
#   --timeout=SECONDS  bound on each run (default: 60 + 1.5 * N * F / rate)
# Needs root (ip netns, tc); exits 77 with a message without it. On exit (also Ctrl-C,
# SIGTERM) every process it started is stopped and every namespace it created deleted.
set -euo pipefail

node_counts="4,8,16"
rate_mbit=20
size_mib=64
layers=4
modes="direct,aciswarm"
assert=0
keep=0
timeout_s=0
out_file=""
daemon_args_text=""
origin_args_text=""
label=aciswarm
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
# shellcheck source=../../examples/private-registry/registry.sh
source "$repo/examples/private-registry/registry.sh"
# shellcheck source=../lib/net.sh
source "$repo/bench/lib/net.sh"
bin_dir="$repo/build/bin"
for arg in "$@"; do
    case "$arg" in
        --nodes=*) node_counts="${arg#*=}" ;;
        --rate-mbit=*) rate_mbit="${arg#*=}" ;;
        --size-mib=*) size_mib="${arg#*=}" ;;
        --layers=*) layers="${arg#*=}" ;;
        --modes=*) modes="${arg#*=}" ;;
        --bin-dir=*) bin_dir="${arg#*=}" ;;
        --daemon-args=*) daemon_args_text="${arg#*=}" ;;
        --origin-args=*) origin_args_text="${arg#*=}" ;;
        --label=*) label="${arg#*=}" ;;
        --out=*) out_file="${arg#*=}" ;;
        --assert) assert=1 ;;
        --keep) keep=1 ;;
        --timeout=*) timeout_s="${arg#*=}" ;;
        -h | --help)
            sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
            exit 0
            ;;
        *)
            echo "bench/oci/run.sh: unknown argument '$arg' (--help)" >&2
            exit 2
            ;;
    esac
done
me="bench/oci/run.sh"
IFS=, read -r -a count_list <<<"$node_counts"
nodes=0
for n in "${count_list[@]}"; do
    [[ "$n" =~ ^[1-9][0-9]?$ && "$n" -le 32 ]] || { echo "$me: --nodes: '$n': want 1..32" >&2; exit 2; }
    ((n > nodes)) && nodes=$n
done
[[ "$rate_mbit" =~ ^[1-9][0-9]*$ ]] || { echo "$me: --rate-mbit='$rate_mbit': want a positive integer" >&2; exit 2; }
[[ "$size_mib" =~ ^[1-9][0-9]*$ ]] || { echo "$me: --size-mib='$size_mib': want a positive integer" >&2; exit 2; }
[[ "$layers" =~ ^[1-9]$ ]] || { echo "$me: --layers='$layers': want 1..9" >&2; exit 2; }
[[ "$timeout_s" =~ ^[0-9]+$ ]] || { echo "$me: --timeout='$timeout_s': want seconds" >&2; exit 2; }
IFS=, read -r -a mode_list <<<"$modes"
for m in "${mode_list[@]}"; do
    [[ "$m" == direct || "$m" == aciswarm ]] ||
        { echo "$me: --modes: '$m' is not one of: direct aciswarm" >&2; exit 2; }
done

if [[ $EUID -ne 0 ]]; then
    echo "$me: needs root (ip netns, tc): skipped" >&2
    exit 77
fi
for f in aciswarm aciswarm-tracker; do
    [[ -x "$bin_dir/$f" ]] || { echo "$me: $bin_dir/$f: not built (make build)" >&2; exit 1; }
done
for t in ip tc docker-registry skopeo containerd ctr curl /usr/bin/python3; do
    command -v "$t" >/dev/null || { echo "$me: $t: not installed (scripts/install-deps.sh)" >&2; exit 1; }
done

tag="oc$$" # every namespace is named $tag + b (bridge), r (registry), nI (node I)
net=10.232.0
reg_ip="$net.1"
registry="$reg_ip:5000" # the image's registry, as containerd names it
sw_ns="${tag}b"
reg_ns="${tag}r"
prefix=24
work="$(mktemp -d /tmp/aciswarm-oci.XXXXXX)"
chmod 755 "$work"
namespaces=()
pids=()
trap_cleanup

# 1. Namespaces, bridge, veths, shaping.
new_ns() {
    namespaces+=("$1")
    new_netns "$1" "127.0.0.1 localhost
"
}
node_ip() { echo "$net.$((10 + $1))"; }
new_ns "$sw_ns"
ip -n "$sw_ns" link add br0 type bridge
ip -n "$sw_ns" link set br0 up
new_ns "$reg_ns"
attach "$reg_ns" 0 "$reg_ip"
for i in $(seq "$nodes"); do
    new_ns "${tag}n$i"
    attach "${tag}n$i" "$i" "$(node_ip "$i")"
done

# 2. The registry and the image.
mkdir -p "$work"/{logs,registry}
cat >"$work/registry/config.yml" <<EOF
version: 0.1
log:
  level: info
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: $work/registry/data
http:
  addr: $registry
EOF
ip netns exec "$reg_ns" docker-registry serve "$work/registry/config.yml" >"$work/registry.log" 2>&1 &
pids+=($!)
wait_for 30 "docker-registry on $registry" ip netns exec "$reg_ns" curl -sf "http://$registry/v2/"

per_layer=$((size_mib * 1024 * 1024 / layers))
/usr/bin/python3 "$repo/tests/integration/oci/make_oci_image.py" "$work/layout" 1.0 "$layers" \
    "$per_layer" >"$work/image.json" 2>"$work/logs/make_oci_image.log" || die "make_oci_image.py failed"
manifest=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["manifest"])' "$work/image.json")
mapfile -t blobs < <(/usr/bin/python3 -c 'import json,sys
j = json.load(open(sys.argv[1])); print("\n".join(j["layers"] + [j["config"]]))' "$work/image.json")
ref="$registry/bench/app:1.0"
ip netns exec "$reg_ns" skopeo copy --quiet --dest-tls-verify=false "oci:$work/layout:1.0" \
    "docker://$ref" >"$work/logs/skopeo.log" 2>&1 || die "skopeo copy failed (logs/skopeo.log)"
F=0
for b in "${blobs[@]}"; do F=$((F + $(stat -c %s "$work/layout/blobs/sha256/${b#sha256:}"))); done
rate_Bps=$((rate_mbit * 1000000 / 8))

log "oci bench: N=$node_counts, links ${rate_mbit} Mbit/s each way, image $F bytes in ${#blobs[@]} blobs, namespaces ${tag}*"

# 3. One run: start what the mode needs, pull on N nodes at once, collect, stop.
containerd_config() { # containerd_config DIR: its config.toml, every path its own, no CRI
    mkdir -p "$1/tmp"
    cat >"$1/config.toml" <<EOF
version = 2
root = "$1/root"
state = "$1/state"
temp = "$1/tmp"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$1/containerd.sock"
[plugins."io.containerd.internal.v1.opt"]
  path = "$1/opt"
EOF
}
start_origin() { # start_origin DIR: tracker + origin in the registry namespace
    mkdir -p "$1/whitelist"
    ip netns exec "$reg_ns" "$bin_dir/aciswarm-tracker" --http="$reg_ip:6969" --udp="$reg_ip:6969" \
        --dir="$1/whitelist" --workers=1 --scan-watch=true >"$1/tracker.log" 2>&1 &
    run_pids+=($!)
    wait_for 30 "the tracker" grep -q 'listening http' "$1/tracker.log"
    local origin_args=()
    read -r -a origin_args <<<"$origin_args_text"
    ip netns exec "$reg_ns" "${clean_env[@]}" "$bin_dir/aciswarm" origin --listen="$reg_ip:8090" \
        --upstream="$registry=http://$registry" --cache="$1/origin" --whitelist-dir="$1/whitelist" \
        --tracker="http://$reg_ip:6969/announce" --bittorrent-listen="$reg_ip:6881" --lsd=false \
        --auth-dir="$1/auth.d" "${origin_args[@]}" >"$1/origin.log" 2>&1 &
    run_pids+=($!)
    wait_for 30 "the origin" grep -q 'listening http' "$1/origin.log"
}
start_node() { # start_node MODE DIR I: containerd, and the daemon + hosts.toml for aciswarm
    local mode="$1" nd="$2" ns="${tag}n$3"
    containerd_config "$nd/containerd"
    ip netns exec "$ns" containerd --config "$nd/containerd/config.toml" >"$nd/containerd.log" 2>&1 &
    run_pids+=($!)
    [[ "$mode" == aciswarm ]] || return 0
    local daemon_args=()
    read -r -a daemon_args <<<"$daemon_args_text"
    echo '{}' >"$nd/agent.json"
    ip netns exec "$ns" "${clean_env[@]}" "$bin_dir/aciswarm" daemon --config="$nd/agent.json" \
        --store="$nd/store" --socket="$nd/agent.sock" --socket-group= --lsd=false \
        --listen="$(node_ip "$3"):6881" --web=127.0.0.1:9090 --mirror=127.0.0.1:5050 \
        --mirror-origin="http://$reg_ip:8090" --mirror-http-registries="$registry" \
        --auth-dir="$nd/auth.d" --trust-dir="$nd/trust" "${daemon_args[@]}" >"$nd/daemon.log" 2>&1 &
    run_pids+=($!)
    "$bin_dir/aciswarm" mirror setup --registry="$registry" --server="http://$registry" \
        --mirror=http://127.0.0.1:5050 --hosts-dir="$nd/certs.d" >/dev/null 2>"$nd/setup.log" ||
        die "aciswarm mirror setup failed ($nd/setup.log)"
}
node_ready() { # node_ready MODE DIR I
    local ns="${tag}n$3"
    ip netns exec "$ns" ctr --address "$2/containerd/containerd.sock" version >/dev/null 2>&1 || return 1
    [[ "$1" == aciswarm ]] || return 0
    ip netns exec "$ns" curl -sf http://127.0.0.1:5050/v2/ >/dev/null
}
# mirror_metric NS SAMPLE: one sample of the node's /metrics, 0 when absent.
mirror_metric() {
    ip netns exec "$1" curl -s http://127.0.0.1:9090/metrics |
        awk -v s="$2" '$1 == s { v = $2 } END { printf "%d", v + 0 }'
}
# blob_gets FROM_LINE: "min max" GETs of each blob in the registry's access log after FROM_LINE.
blob_gets() {
    tail -n "+$(($1 + 1))" "$work/registry.log" | awk -v blobs="${blobs[*]}" '
        BEGIN { n = split(blobs, b, " "); for (i = 1; i <= n; i++) c[b[i]] = 0 }
        match($0, /"GET \/v2\/[^ "]*\/blobs\/sha256:[0-9a-f]+ [^"]*" 20[06]/) {
            s = substr($0, RSTART, RLENGTH); sub(/^.*\/blobs\//, "", s); sub(/ .*$/, "", s); c[s]++
        }
        END { lo = -1; hi = 0; for (k in c) { if (lo < 0 || c[k] < lo) lo = c[k]; if (c[k] > hi) hi = c[k] }
              printf "%d %d", lo, hi }'
}

table_header=$(printf '%-9s %3s %7s %7s %8s %8s %9s %8s %8s %8s %7s %5s %-14s' \
    mode N "p50 s" "max s" max/Tmin upstr/F "blob GETs" nodes/F peers/NF upstr/NF speedup ok load)
results=()
failures=0
declare -A direct_max

run_mode() { # run_mode MODE N
    local mode="$1" n="$2" d="$work/run-$1-$2" i bound
    bound=$timeout_s
    ((bound > 0)) || bound=$(awk -v F="$F" -v r="$rate_Bps" -v n="$n" 'BEGIN { printf "%d", 60 + 1.5 * n * F / r }')
    mkdir -p "$d"
    run_pids=()
    [[ "$mode" == aciswarm ]] && start_origin "$d"
    for i in $(seq "$n"); do start_node "$mode" "$d/node$i" "$i"; done
    for i in $(seq "$n"); do wait_for 60 "node $i" node_ready "$mode" "$d/node$i" "$i"; done
    local load0 reg0 node0=() log0 t0 node_pids=()
    load0=$(cut -d' ' -f1 /proc/loadavg)
    reg0=$(tx_bytes "$reg_ns")
    log0=$(wc -l <"$work/registry.log")
    for i in $(seq "$n"); do node0+=("$(tx_bytes "${tag}n$i")"); done
    t0=$(now_ms)
    for i in $(seq "$n"); do
        local nd="$d/node$i" how=(--plain-http)
        [[ "$mode" == aciswarm ]] && how=(--hosts-dir "$nd/certs.d")
        (
            rc=0
            ip netns exec "${tag}n$i" timeout "$bound" ctr --address "$nd/containerd/containerd.sock" \
                images pull "${how[@]}" "$ref" >"$nd/pull.log" 2>&1 || rc=$?
            echo "$rc $(($(now_ms) - t0))" >"$nd/done"
        ) &
        node_pids+=($!)
    done
    pids+=("${node_pids[@]}")
    local p
    for p in "${node_pids[@]}"; do wait "$p" || true; done
    local reg1 node_tx=0 load1 gets
    reg1=$(tx_bytes "$reg_ns")
    for i in $(seq "$n"); do node_tx=$((node_tx + $(tx_bytes "${tag}n$i") - node0[i - 1])); done
    load1=$(cut -d' ' -f1 /proc/loadavg)
    gets=$(blob_gets "$log0")
    # Per node: the pull's status and time, the image and blobs containerd holds, the mirror's
    # sources.
    local times=() ok=0 peers=0 upstream=0
    for i in $(seq "$n"); do
        local nd="$d/node$i" ns="${tag}n$i" rc ms sock held good=1
        read -r rc ms <"$nd/done"
        sock="$nd/containerd/containerd.sock"
        [[ "$rc" == 0 ]] || good=0
        ip netns exec "$ns" ctr --address "$sock" images ls | awk -v r="$ref" -v m="$manifest" \
            '$1 == r && $3 == m { f = 1 } END { exit !f }' || good=0
        held=$(ip netns exec "$ns" ctr --address "$sock" content ls -q)
        for b in "${blobs[@]}"; do grep -qx "$b" <<<"$held" || good=0; done
        if [[ "$mode" == aciswarm ]]; then
            local from_peers from_upstream
            from_peers=$(mirror_metric "$ns" 'aciswarm_agent_mirror_blob_bytes_total{source="peers"}')
            from_upstream=$(mirror_metric "$ns" 'aciswarm_agent_mirror_blob_bytes_total{source="upstream"}')
            peers=$((peers + from_peers))
            upstream=$((upstream + from_upstream))
            ((assert == 0 || (from_upstream == 0 && from_peers >= F))) || good=0
        fi
        if ((good)); then
            ok=$((ok + 1))
            times+=("$ms")
        else
            log "$mode N=$n node$i: no correct pull (rc $rc); $(tail -n2 "$nd/pull.log" | tr '\n' ' ')"
        fi
    done
    if ((assert)) && [[ "$mode" == aciswarm && "$gets" != "1 1" ]]; then
        log "$mode N=$n: the registry's access log shows blob GETs min/max $gets, not once each"
        ok=0
    fi
    stop_pids "${run_pids[@]}"
    for i in $(seq "$n"); do empty_ns "${tag}n$i"; done
    ((ok == n)) || failures=$((failures + 1))
    [[ "$mode" == direct ]] && direct_max[$n]=$(printf '%s\n' "${times[@]:-0}" | sort -n | tail -n1)
    local row
    row=$(printf '%s\n' "${times[@]:-0}" | sort -n | awk -v mode="$mode" -v n="$n" -v ok="$ok" \
        -v F="$F" -v r="$rate_Bps" -v reg=$((reg1 - reg0)) -v gets="$gets" -v nodetx="$node_tx" \
        -v peers="$peers" -v upstream="$upstream" -v dmax="${direct_max[$n]:-0}" -v label="$label" \
        -v load="$load0→$load1" '
        { t[NR] = $1 / 1000 }
        END {
            p50 = t[int((NR + 1) / 2)]; mx = t[NR]
            a = F / r; b = n * F / ((n + 1) * r); tmin = (a > b ? a : b)
            split(gets, g, " ")
            speedup = "-"; if (mode == "aciswarm" && dmax > 0 && mx > 0) speedup = sprintf("%.1f", dmax / 1000 / mx)
            pn = "-"; un = "-"
            if (mode == "aciswarm") { pn = sprintf("%.2f", peers / (n * F)); un = sprintf("%.2f", upstream / (n * F)) }
            if (mode == "aciswarm") mode = label
            printf "%-9s %3d %7.1f %7.1f %8.2f %8.2f %4d..%-3d %8.2f %8s %8s %7s %2d/%-2d %-14s",
                mode, n, p50, mx, mx / tmin, reg / F, g[1], g[2], nodetx / F, pn, un, speedup, ok, n, load
        }')
    results+=("$row")
    log "$row"
}

log "$table_header"
for n in "${count_list[@]}"; do
    for mode_name in "${mode_list[@]}"; do run_mode "$mode_name" "$n"; done
done

{
    echo
    echo "oci bench $(date -u +%FT%TZ): ${rate_mbit} Mbit/s each way, F=$F bytes in ${#blobs[@]} blobs ($layers layers), $(nproc) cores; T_min = max(F/u, N*F/((N+1)*u)), direct's own bound N*F/u"
    echo "$table_header"
    printf '%s\n' "${results[@]}"
} | tee -a "${out_file:-/dev/null}"

if ((failures > 0)); then
    keep=1
    echo "$me: $failures run(s) with nodes lacking the right image" >&2
    exit 1
fi
