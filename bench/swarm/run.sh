#!/usr/bin/env bash
# The multi-node swarm benchmark (docs/benchmarks.md, "Swarm"): one network namespace per
# host (the registry + N nodes) on a bridge in a namespace of its own, every link shaped
# with tc HTB to RATE each way (uplink: the host's eth0 egress; downlink: its bridge
# port's egress). The registry runs nginx (HTTPS on 443: discovery page, .aci with Range
# for web seeds, .torrent), aciswarm-tracker and, in the modes that have one, the
# everseed (aciswarm seed), set up by examples/private-registry/registry.sh as the demo
# is. N nodes start together.
#
# Modes, run one after another on the same network (each starts its registry services
# afresh and gives every node an empty store):
#   https     curl -s URL.aci | sha512sum on every node (plain HTTPS, no BitTorrent)
#   default   aciswarm fetch NAME: web seed (the discovered .aci) + everseed + tracker
#   everseed  aciswarm fetch URL.torrent of the same torrent without a url-list: everseed only
#   webseed   aciswarm fetch NAME with no everseed running: web seed + tracker only
# Each aciswarm mode runs once per build (--bin-dir, and --base-bin-dir for a before/after
# comparison in the same run).
#
# Zone mode (--zones=Z, docs/zones.md and docs/benchmarks.md "Zones"): Z zones of M nodes
# (--per-zone), each zone a bridge of its own joined to a core bridge by one veth pair, the
# inter-zone link, shaped to --inter-mbit each way; the registry sits in zone 0. Nodes are
# 10.231.Z.11.. (/16), the tracker maps zone zZ to 10.231.Z.0/24 in the zone modes. Modes:
#   plain          aciswarm fetch NAME, zones off (plain BitTorrent, as default above)
#   zones          the same with --zone=zZ and --leader-candidate on every node (the
#                  tracker elects one leader per zone, the smallest address; in zone 0 the
#                  everseed), and the tracker's zone map
#   plain-stagger, zones-stagger  the same, the last zone starting --stagger seconds late
#   zones-kill     zones, and --kill-after seconds in, the leader of every zone but zone 0
#                  (its first node) is killed (SIGKILL: no event=stopped; it stays listed
#                  until it expires); its followers must finish without it (--leader-timeout,
#                  then the web seed). Not in the default list; the killed nodes are not
#                  counted.
# Per zone mode it adds a line: bytes into and out of each zone over its inter-zone link
# (/ F; the minimum into the zones is (Z-1) F), when each zone finished, the first-to-last
# zone gap, and in the stagger modes the late zone's time from its own start.
#
# Per mode it prints p50 and max completion time (the moment the node printed the image ID,
# or sha512sum's line), max / T_min with T_min = max(F/u_s, F/d_min, N*F/(u_s + sum u_i)),
# origin bytes / F (the registry's eth0 tx_bytes), the origin's bytes split into web seed
# (nginx's $bytes_sent for .aci requests) and everseed (the rest of the registry's tx:
# everseed payload plus all protocol overhead), the bytes nodes sent each other (sum of the
# nodes' eth0 tx_bytes), node uplink utilisation (that sum over N * u * max time), CPU
# seconds (user+sys) and peak RSS per node (GNU time), and the load average.
#
# usage: run.sh [--nodes=N] [--rate-mbit=R] [--size-mib=S] [--modes=LIST]
#               [--bin-dir=DIR] [--base-bin-dir=DIR] [--label=NAME] [--base-label=NAME]
#               [--out=FILE] [--assert] [--keep] [--timeout=SECONDS]
#   --nodes=N          nodes fetching at once (default 8)
#   --rate-mbit=R      every link's rate, each way, Mbit/s (default 20)
#   --size-mib=S       MiB of random data in the image (default 64)
#   --modes=LIST       comma list of https,default,everseed,webseed,daemon (default: the
#                      first four; daemon: every node runs `aciswarm daemon`, started
#                      before the clock, and `aciswarm fetch NAME` asks it, as with
#                      the systemd units; the cpu / rss columns are then the client's)
#   --bin-dir=DIR      aciswarm and aciswarm-tracker under test (default: build/bin)
#   --base-bin-dir=DIR a second build (e.g. main's) run in the same window, same modes
#   --label / --base-label  names of the two builds in the table (default new / base)
#   --fetch-args=WORDS extra arguments for every aciswarm fetch of the --bin-dir build
#   --seed-args=WORDS  extra arguments for its everseed (aciswarm seed), e.g. --super-seed=false
#   --out=FILE         also append the table to FILE
#   --assert           correctness only (the CI variant): exit 1 unless every node of every
#                      mode got the published image ID (https: the .aci's sha512); no timing
#   --keep             keep the work dir (logs)
#   --timeout=SECONDS  bound on each mode (default: 60 + 1.5 * N * F / rate)
#   --zones=Z          zone mode with Z zones (2..9; default 0: off)
#   --per-zone=M       nodes per zone (default 4; N = Z * M, at most 40)
#   --inter-mbit=R     every inter-zone link's rate, each way, Mbit/s (default 50)
#   --stagger=S        the stagger modes' late start of the last zone, seconds (default 20)
#   --kill-after=S     zones-kill: seconds from the start to the leaders' kill (default 3)
#   --leaders-per-zone=K  the tracker's --leaders-per-zone in the zone modes (default 1)
# Needs root (ip netns, tc); exits 77 with a message without it. On exit (also Ctrl-C,
# SIGTERM) every process it started is stopped and every namespace it created deleted.
set -euo pipefail

nodes=8
rate_mbit=20
size_mib=64
modes="https,default,everseed,webseed"
assert=0
keep=0
timeout_s=0
out_file=""
label=new
base_label=base
base_bin_dir=""
fetch_args_text=""
seed_args_text=""
zones=0
per_zone=4
inter_mbit=50
stagger_s=20
kill_s=3
leaders_per_zone=1
modes_given=0
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
# The registry's set-up, shared with the private registry example.
# shellcheck source=../../examples/private-registry/registry.sh
source "$repo/examples/private-registry/registry.sh"
# Cleanup, shaping, veths and counters, shared with bench/oci/run.sh.
# shellcheck source=../lib/net.sh
source "$repo/bench/lib/net.sh"
bin_dir="$repo/build/bin"
for arg in "$@"; do
    case "$arg" in
        --nodes=*) nodes="${arg#*=}" ;;
        --rate-mbit=*) rate_mbit="${arg#*=}" ;;
        --size-mib=*) size_mib="${arg#*=}" ;;
        --modes=*) modes="${arg#*=}"; modes_given=1 ;;
        --zones=*) zones="${arg#*=}" ;;
        --per-zone=*) per_zone="${arg#*=}" ;;
        --inter-mbit=*) inter_mbit="${arg#*=}" ;;
        --stagger=*) stagger_s="${arg#*=}" ;;
        --kill-after=*) kill_s="${arg#*=}" ;;
        --leaders-per-zone=*) leaders_per_zone="${arg#*=}" ;;
        --bin-dir=*) bin_dir="${arg#*=}" ;;
        --base-bin-dir=*) base_bin_dir="${arg#*=}" ;;
        --label=*) label="${arg#*=}" ;;
        --base-label=*) base_label="${arg#*=}" ;;
        --out=*) out_file="${arg#*=}" ;;
        --fetch-args=*) fetch_args_text="${arg#*=}" ;;
        --seed-args=*) seed_args_text="${arg#*=}" ;;
        --assert) assert=1 ;;
        --keep) keep=1 ;;
        --timeout=*) timeout_s="${arg#*=}" ;;
        -h | --help)
            sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
            exit 0
            ;;
        *)
            echo "bench/swarm/run.sh: unknown argument '$arg' (--help)" >&2
            exit 2
            ;;
    esac
done
me="bench/swarm/run.sh"
known_modes="https default everseed webseed daemon"
if [[ "$zones" != 0 ]]; then
    [[ "$zones" =~ ^[2-9]$ ]] || { echo "$me: --zones='$zones': want 2..9" >&2; exit 2; }
    [[ "$per_zone" =~ ^[1-9][0-9]?$ && $((zones * per_zone)) -le 40 ]] ||
        { echo "$me: --per-zone='$per_zone': want 1.. with zones x per-zone at most 40" >&2; exit 2; }
    [[ "$inter_mbit" =~ ^[1-9][0-9]*$ ]] || { echo "$me: --inter-mbit='$inter_mbit': want a positive integer" >&2; exit 2; }
    [[ "$stagger_s" =~ ^[0-9]+$ ]] || { echo "$me: --stagger='$stagger_s': want seconds" >&2; exit 2; }
    [[ "$kill_s" =~ ^[0-9]+$ ]] || { echo "$me: --kill-after='$kill_s': want seconds" >&2; exit 2; }
    [[ "$leaders_per_zone" =~ ^([1-9]|1[0-6])$ ]] ||
        { echo "$me: --leaders-per-zone='$leaders_per_zone': want 1..16" >&2; exit 2; }
    nodes=$((zones * per_zone))
    known_modes="plain zones plain-stagger zones-stagger zones-kill"
    ((modes_given)) || modes="plain,zones,plain-stagger,zones-stagger"
fi
[[ "$nodes" =~ ^[1-9][0-9]?$ && "$nodes" -le 40 ]] || { echo "$me: --nodes='$nodes': want 1..40" >&2; exit 2; }
[[ "$rate_mbit" =~ ^[1-9][0-9]*$ ]] || { echo "$me: --rate-mbit='$rate_mbit': want a positive integer" >&2; exit 2; }
[[ "$size_mib" =~ ^[1-9][0-9]*$ ]] || { echo "$me: --size-mib='$size_mib': want a positive integer" >&2; exit 2; }
[[ "$timeout_s" =~ ^[0-9]+$ ]] || { echo "$me: --timeout='$timeout_s': want seconds" >&2; exit 2; }
IFS=, read -r -a mode_list <<<"$modes"
for m in "${mode_list[@]}"; do
    [[ " $known_modes " == *" $m "* ]] ||
        { echo "$me: --modes: '$m' is not one of: $known_modes" >&2; exit 2; }
done

if [[ $EUID -ne 0 ]]; then
    echo "$me: needs root (ip netns, tc): skipped" >&2
    exit 77
fi
builds=("$label=$bin_dir")
[[ -n "$base_bin_dir" ]] && builds=("$base_label=$base_bin_dir" "${builds[@]}")
for b in "${builds[@]}"; do
    for f in aciswarm aciswarm-tracker; do
        [[ -x "${b#*=}/$f" ]] || { echo "$me: ${b#*=}/$f: not built (make build)" >&2; exit 1; }
    done
done
for t in ip tc nginx openssl curl sha512sum /usr/bin/time; do
    command -v "$t" >/dev/null || { echo "$me: $t: not installed (scripts/install-deps.sh)" >&2; exit 1; }
done

host=registry.demo.test
image_name="$host/hello"
tag="sw$$"              # every namespace is named $tag + b (bridge), r (registry), nI (node I)
net=10.231.0           # addresses inside those namespaces only
reg_ip="$net.1"
sw_ns="${tag}b"
reg_ns="${tag}r"
work="$(mktemp -d /tmp/aciswarm-swarm.XXXXXX)"
chmod 755 "$work"
namespaces=()
pids=()

trap_cleanup

# 1. Namespaces, bridge, veths, shaping.
new_ns() {
    namespaces+=("$1")
    new_netns "$1" "127.0.0.1 localhost
$reg_ip $host
"
}
prefix=24
((zones > 0)) && prefix=16
zone_of() { echo $((($1 - 1) / per_zone)); } # zone_of NODE (zone mode)
node_ip() {                                  # node_ip NODE
    if ((zones > 0)); then echo "10.231.$(zone_of "$1").$((11 + ($1 - 1) % per_zone))"; else echo "$net.$((10 + $1))"; fi
}
node_bridge() { if ((zones > 0)); then echo "bz$(zone_of "$1")"; else echo br0; fi; }
new_ns "$sw_ns"
ip -n "$sw_ns" link add br0 type bridge
ip -n "$sw_ns" link set br0 up
# Zone mode: zone z is bridge bzZ, joined to the core bridge br0 by the veth pair uZ (in bzZ:
# its egress leaves the zone) / cZ (in br0: its egress enters the zone), both shaped.
for ((z = 0; z < zones; z++)); do
    ip -n "$sw_ns" link add "bz$z" type bridge
    ip -n "$sw_ns" link set "bz$z" up
    ip -n "$sw_ns" link add "u$z" type veth peer name "c$z"
    ip -n "$sw_ns" link set "u$z" master "bz$z" up
    ip -n "$sw_ns" link set "c$z" master br0 up
    shape "$sw_ns" "u$z" "$inter_mbit"
    shape "$sw_ns" "c$z" "$inter_mbit"
done
new_ns "$reg_ns"
reg_bridge=br0
((zones > 0)) && reg_bridge=bz0
attach "$reg_ns" 0 "$reg_ip" "$reg_bridge"
for i in $(seq "$nodes"); do
    new_ns "${tag}n$i"
    attach "${tag}n$i" "$i" "$(node_ip "$i")" "$(node_bridge "$i")"
done

# 2. The CA, the image, two publishes of it (with and without the web seed).
mkdir -p "$work"/{logs,registry,nows}
make_ca "$work/tls" "$host" "aciswarm swarm bench CA" >"$work/logs/openssl.log" 2>&1 ||
    die "openssl failed"
ca="$work/tls/ca.pem"

new_bin="${builds[-1]#*=}"
make_image "$new_bin/aciswarm" "$work" "$size_mib" "$image_name" "hello from the swarm benchmark"
"$new_bin/aciswarm" publish "$work/hello-1.0.aci" --tracker="http://$reg_ip:6969/announce" \
    --webseed-base="https://$host/" --out="$work/registry" >"$work/publish.out" \
    2>"$work/logs/publish.log" || die "publish failed"
published_id=$(sed -n 's/^image-id //p' "$work/publish.out")
[[ -n "$published_id" ]] || die "publish printed no image-id"
aci_rel=$(cd "$work/registry" && find . -name '*.aci' | head -n1)
torrent_rel=$(cd "$work/registry" && find . -name '*.torrent' | head -n1)
[[ -n "$aci_rel" && -n "$torrent_rel" ]] || die "no .aci / .torrent in the published directories"
aci_url="https://$host/${aci_rel#./}"
# The same torrent (same info dictionary, so the same info hash: the tracker and the everseed
# serve it) without its url-list, decoded and encoded by libtorrent's own bencoder.
mkdir -p "$work/nows/$(dirname "$torrent_rel")"
/usr/bin/python3 - "$work/registry/$torrent_rel" "$work/nows/$torrent_rel" <<'PY' || die "could not strip the url-list"
import sys, libtorrent as lt
t = lt.bdecode(open(sys.argv[1], "rb").read())
t.pop(b"url-list", None)
open(sys.argv[2], "wb").write(lt.bencode(t))
PY
nows_torrent_url="https://$host/nows/${torrent_rel#./}"
aci_sha=$(sha512sum "$work/registry/$aci_rel" | cut -d' ' -f1)
F=$(stat -c %s "$work/registry/$aci_rel")
rate_Bps=$((rate_mbit * 1000000 / 8))
# T_min = max(F/u_s, F/d_min, N*F/(u_s + N*u)) with every link at the same rate.
t_min=$(awk -v F="$F" -v r="$rate_Bps" -v n="$nodes" 'BEGIN {
    a = F / r; b = n * F / ((n + 1) * r); printf "%.2f", (a > b ? a : b) }')
((timeout_s > 0)) || timeout_s=$(awk -v t="$t_min" -v n="$nodes" 'BEGIN { printf "%d", 60 + 1.5 * n * t }')

sed -e "s|@WORK@|$work|g" -e "s|@REGISTRY@|$work/registry|g" -e "s|@NOWS@|$work/nows|g" \
    -e "s|@ADDR@|$reg_ip|g" "$here/nginx.conf.in" >"$work/nginx.conf"

log "swarm bench: N=$nodes, links ${rate_mbit} Mbit/s each way, image $F bytes, T_min ${t_min} s, per-mode bound ${timeout_s} s, namespaces ${tag}*"

# link_tx DEV: bytes sent by the switch namespace's DEV (cZ: into zone Z, uZ: out of it).
link_tx() { ip netns exec "$sw_ns" cat "/sys/class/net/$1/statistics/tx_bytes"; }
# zone_links: "in0 out0 in1 out1 ..." for every zone (zone mode), nothing otherwise.
zone_links() {
    local z
    for ((z = 0; z < zones; z++)); do printf '%s %s ' "$(link_tx "c$z")" "$(link_tx "u$z")"; done
}
# zone_node_args NODE MODE: the zone modes' fetch arguments of NODE.
zone_node_args() {
    [[ "$2" == zones* ]] || return 0
    local z
    z=$(zone_of "$1")
    printf '%s\n' "--zone=z$z"
    # Every node stands, so a zone whose leader leaves (fetch's linger ends once it uploaded
    # its size) elects the next; zone 0's everseed (start_registry) has the smallest address.
    printf '%s\n' --leader-candidate
    return 0
}
# kill_leaders DIR: zones-kill's event, in the background: --kill-after seconds in, the
# first node of every zone but zone 0 (its leader: the smallest address) dies at once.
kill_leaders() {
    (
        sleep "$kill_s"
        for ((z = 1; z < zones; z++)); do
            local i=$((z * per_zone + 1)) p
            touch "$1/node$i/killed"
            for p in $(ip netns pids "${tag}n$i" 2>/dev/null); do kill -KILL "$p" 2>/dev/null || true; done
        done
    ) &
    pids+=($!)
}
# start_delay NODE MODE: seconds NODE waits before it starts (the stagger modes' last zone).
start_delay() {
    if [[ "$2" == *-stagger && "$(zone_of "$1")" == $((zones - 1)) ]]; then echo "$stagger_s"; else echo 0; fi
}

# 3. One mode: start the registry's services, run every node, collect, stop.
start_registry() { # start_registry BIN WITH_EVERSEED MODE
    : >"$work/nginx-access.log"
    start_nginx "$reg_ns" "$work" 30 "$host" "$ca"
    reg_pids=("$started_pid")
    local zone_map=() z
    if [[ "$3" == zones* ]]; then
        for ((z = 0; z < zones; z++)); do zone_map+=("--zone=z$z=10.231.$z.0/24"); done
        zone_map+=("--leaders-per-zone=$leaders_per_zone")
    fi
    start_tracker "$reg_ns" "$1" "$reg_ip:6969" "$work/registry" "$work/logs/tracker.log" 30 \
        "${zone_map[@]}"
    reg_pids+=("$started_pid")
    if [[ "$2" == 1 ]]; then
        # The registry's everseed super-seeds where the build can (aciswarm seed --super-seed),
        # but only beside a web seed: libtorrent 2.0.8's super-seed can leave the last piece
        # unoffered, and without a web seed nothing else has it (seen: 2 of 4 nodes stuck
        # one piece short in the everseed-only mode).
        # Zone modes: the everseed stands for election in zone 0 like any agent there, so
        # the tracker lists it other zones' leaders, never their followers; as zone 0's
        # leader it seeds plainly (super-seeding idles ~10 s per new peer, which its
        # followers would wait out: they take no web seed while their leader progresses).
        local super=() zone_seed=()
        [[ "$3" != everseed && "$3" != zones* ]] && read -r -a super <<<"$(super_seed_option "$1")"
        [[ "$3" == zones* ]] && zone_seed=(--zone=z0 --leader-candidate)
        start_everseed "$reg_ns" "$1" "$work/registry" "$reg_ip:6881" "$reg_ip:6969" \
            "$work/logs/everseed.log" 30 "${super[@]}" "${seed_args[@]}" "${zone_seed[@]}"
        reg_pids+=("$started_pid")
    fi
}

table_header=$(printf '%-9s %-8s %3s %7s %7s %8s %8s %8s %8s %8s %7s %9s %9s %6s %5s %-14s' \
    mode build N "p50 s" "max s" max/Tmin origin/F websd/F evsd/F nodes/F "up %" "cpu s" "rss MiB" "1st s" ok load)
results=()
failures=0

# start_daemons BIN DIR: `aciswarm daemon` in every node's namespace (store, socket and
# logs under DIR/nodeI), as the systemd unit runs it; returns once each socket answers.
start_daemons() {
    local bin="$1" d="$2" i daemon_args=()
    # The bench's image is unsigned (see the fetch's --insecure-options above).
    [[ "$("$bin/aciswarm" daemon --help 2>&1)" == *--insecure-options=* ]] &&
        daemon_args+=(--insecure-options=image)
    for i in $(seq "$nodes"); do
        local nd="$d/node$i"
        mkdir -p "$nd/trust" "$nd/auth.d"
        echo '{}' >"$nd/agent.json"
        ip netns exec "${tag}n$i" "${clean_env[@]}" "$bin/aciswarm" daemon --config="$nd/agent.json" \
            --store="$nd/store" --socket="$nd/agent.sock" --socket-group= --lsd=false \
            --listen="$(node_ip "$i"):6881" --ca-file="$ca" --trust-dir="$nd/trust" \
            --auth-dir="$nd/auth.d" "${daemon_args[@]}" >"$nd/daemon.log" 2>&1 &
        reg_pids+=($!)
    done
    for i in $(seq "$nodes"); do
        # Its API answers (a fetch with no daemon answering would run in-process instead).
        wait_for 30 "node $i's daemon" ip netns exec "${tag}n$i" "$bin/aciswarm" status \
            --socket="$d/node$i/agent.sock"
    done
}

run_mode() { # run_mode MODE LABEL BIN
    local mode="$1" name="$2" bin="$3" d="$work/run-$1-$2" i
    mkdir -p "$d"
    local everseed=1
    [[ "$mode" == webseed ]] && everseed=0
    # Extra arguments go to the build under test only (the base build may lack the options).
    seed_args=()
    fetch_args=()
    if [[ "$bin" == "$bin_dir" ]]; then
        read -r -a seed_args <<<"$seed_args_text"
        read -r -a fetch_args <<<"$fetch_args_text"
    fi
    # The bench's image is unsigned: a build that verifies signatures (docs/trust.md)
    # is told to skip the check; what is measured is distribution, not trust.
    [[ "$("$bin/aciswarm" fetch --help 2>&1)" == *--insecure-options=image* ]] &&
        fetch_args+=(--insecure-options=image)
    start_registry "$bin" "$everseed" "$mode"
    [[ "$mode" == daemon ]] && start_daemons "$bin" "$d"
    local load0 reg0 node0=() t0
    load0=$(cut -d' ' -f1 /proc/loadavg)
    reg0=$(tx_bytes "$reg_ns")
    for i in $(seq "$nodes"); do node0+=("$(tx_bytes "${tag}n$i")"); done
    local links0
    links0=$(zone_links)
    local node_pids=()
    t0=$(now_ms)
    for i in $(seq "$nodes"); do
        local nd="$d/node$i" ns="${tag}n$i"
        mkdir -p "$nd"
        if [[ "$mode" == https ]]; then
            cmd=(bash -c "curl -sS --cacert '$ca' '$aci_url' | sha512sum | cut -d' ' -f1")
        else
            local arg="$image_name:1.0" zone_args=()
            [[ "$mode" == everseed ]] && arg="$nows_torrent_url"
            ((zones > 0)) && mapfile -t zone_args < <(zone_node_args "$i" "$mode")
            cmd=("$bin/aciswarm" fetch "$arg" --store="$nd/store" --ca-file="$ca" --no-daemon
                --listen="$(node_ip "$i"):6881" --full --no-progress "${fetch_args[@]}" "${zone_args[@]}")
            # Through the node's daemon: its socket, nothing the daemon decides itself.
            [[ "$mode" == daemon ]] && cmd=("$bin/aciswarm" fetch "$arg" --socket="$nd/agent.sock"
                --full --no-progress)
        fi
        local delay=0
        ((zones > 0)) && delay=$(start_delay "$i" "$mode")
        (
            rc=0
            sleep "$delay"
            ip netns exec "$ns" "${clean_env[@]}" /usr/bin/time -o "$nd/time" -f '%U %S %M' \
                timeout "$timeout_s" "${cmd[@]}" 2>"$nd/log" |
                { if read -r line; then echo "$line $(($(now_ms) - t0))" >"$nd/done"; fi; cat >/dev/null; } ||
                rc=$?
            echo "$rc" >"$nd/rc"
        ) &
        node_pids+=($!)
    done
    pids+=("${node_pids[@]}")
    [[ "$mode" == zones-kill ]] && kill_leaders "$d"
    # Completion: every node printed its line (or its process ended), bounded by the timeout.
    local until=$((t0 + timeout_s * 1000 + 5000)) all start_ms="" tx next_sample=0
    while :; do
        # The origin's start-up: when its first MiB left (super-seeding used to idle here);
        # and a time series of the origin's bytes (series.txt: ms, origin tx, nodes done).
        if (($(now_ms) >= next_sample)); then
            tx=$(tx_bytes "$reg_ns")
            [[ -z "$start_ms" ]] && ((tx - reg0 >= 1048576)) && start_ms=$(($(now_ms) - t0))
            echo "$(($(now_ms) - t0)) $((tx - reg0)) $(ls "$d"/node*/done 2>/dev/null | wc -l)" >>"$d/series.txt"
            next_sample=$(($(now_ms) + 500))
        fi
        all=1
        for i in $(seq "$nodes"); do
            [[ -e "$d/node$i/done" || -e "$d/node$i/rc" ]] || { all=0; break; }
        done
        ((all == 1)) && break
        (($(now_ms) < until)) || break
        sleep 0.1
    done
    local reg1 node_tx=0 load1 links1
    reg1=$(tx_bytes "$reg_ns")
    links1=$(zone_links)
    for i in $(seq "$nodes"); do node_tx=$((node_tx + $(tx_bytes "${tag}n$i") - node0[i - 1])); done
    load1=$(cut -d' ' -f1 /proc/loadavg)
    # Nodes still seeding after printing their ID (fetch's linger) are stopped now.
    for i in $(seq "$nodes"); do
        for p in $(ip netns pids "${tag}n$i" 2>/dev/null); do
            [[ "$(cat "/proc/$p/comm" 2>/dev/null)" == aciswarm ]] && kill -TERM "$p" 2>/dev/null || true
        done
    done
    stop_pids "${node_pids[@]}"
    stop_pids "${reg_pids[@]}"
    for i in $(seq "$nodes"); do empty_ns "${tag}n$i"; done
    empty_ns "$reg_ns"
    local web_bytes
    web_bytes=$(awk '$3 ~ /\.aci$/ || $4 ~ /\.aci/ { s += $1 } END { printf "%d", s }' "$work/nginx-access.log")
    # Per mode and build (--keep): which node asked for which range, when.
    cp "$work/nginx-access.log" "$d/nginx-access.log"
    # Per node: completion ms, id check, cpu, rss.
    local times=() ok=0 cpu_max=0 rss_max=0 killed=0
    for i in $(seq "$nodes"); do
        local nd="$d/node$i" id="" ms=""
        if [[ -e "$nd/killed" ]]; then killed=$((killed + 1)) && continue; fi
        if [[ -s "$nd/done" ]]; then read -r id ms <"$nd/done"; fi
        local want="$published_id"
        [[ "$mode" == https ]] && want="$aci_sha"
        if [[ -n "$ms" && "$id" == "$want" ]]; then
            ok=$((ok + 1))
            times+=("$ms")
        else
            log "$mode/$name node$i: no correct result (line '${id:0:40}', rc $(cat "$nd/rc" 2>/dev/null)); $(tail -n2 "$nd/log" 2>/dev/null | tr '\n' ' ')"
        fi
        if [[ -s "$nd/time" ]]; then
            local u s m
            read -r u s m < <(tail -n1 "$nd/time")
            cpu_max=$(awk -v a="$cpu_max" -v b="$(awk -v u="$u" -v s="$s" 'BEGIN{print u+s}')" 'BEGIN{print (b>a?b:a)}')
            ((m > rss_max)) && rss_max=$m
        fi
    done
    ((ok == nodes - killed)) || failures=$((failures + 1))
    local row
    row=$(printf '%s\n' "${times[@]:-0}" | sort -n | awk -v mode="$mode" -v name="$name" -v n="$nodes" \
        -v ok="$ok" -v tmin="$t_min" -v F="$F" -v reg=$((reg1 - reg0)) -v web="$web_bytes" \
        -v nodetx="$node_tx" -v r="$rate_Bps" -v cpu="$cpu_max" -v rss="$rss_max" \
        -v load="$load0→$load1" -v start="${start_ms:-0}" '
        { t[NR] = $1 / 1000 }
        END {
            p50 = t[int((NR + 1) / 2)]; mx = t[NR]
            evsd = reg - web; if (mode == "https" || mode == "webseed") evsd = 0
            up = (mx > 0) ? 100 * nodetx / (n * r * mx) : 0
            printf "%-9s %-8s %3d %7.1f %7.1f %8.2f %8.2f %8.2f %8.2f %8.2f %7.0f %9.1f %9.0f %6.1f %2d/%-2d %-14s",
                mode, name, n, p50, mx, mx / tmin, reg / F, web / F, evsd / F, nodetx / F, up,
                cpu, rss / 1024, start / 1000, ok, n, load
        }')
    results+=("$row")
    log "$row"
    if ((zones > 0)); then
        row=$(zone_row "$d" "$mode" "$links0" "$links1")
        results+=("$row")
        log "$row"
    fi
    if [[ "$mode" == zones* ]]; then
        # A follower takes nothing from outside its zone (docs/zones.md, "Followers
        # download only inside their zone"): each node's log names, per peer address, the
        # payload it got over connections that began while it was a follower.
        row="  $mode followers' payload from outside their zone: $(follower_leaks "$d")"
        results+=("$row")
        log "$row"
        if ((assert)) && [[ "$row" != *": 0 B" ]]; then
            log "$mode/$name: a follower downloaded from outside its zone"
            failures=$((failures + 1))
        fi
    fi
    # Per node detail for the logs: bytes by source as fetch reported them.
    for i in $(seq "$nodes"); do
        fetch_summary "$d/node$i/log" | sed "s/^/  node$i /" >>"$d/summary" || true
    done
}

# follower_leaks DIR: "N B" and each node<-address that sent it, summed over the nodes' "as a
# follower:" log fields whose address is outside the node's zone (10.231.Z.0/24).
follower_leaks() {
    local i z sum=0 who="" field token address bytes
    for i in $(seq "$nodes"); do
        z=$(zone_of "$i")
        field=$(grep -h 'payload by peer address' "$1/node$i/log" 2>/dev/null | tail -n1 |
            sed -n 's/.*; as a follower:\([^;]*\);.*/\1/p')
        for token in $field; do
            [[ "$token" == *=* ]] || continue
            address=${token%%=*}
            bytes=${token#*=}
            [[ "$address" == "10.231.$z."* ]] && continue
            sum=$((sum + bytes))
            who+=" node$i<-$address"
        done
    done
    echo "$sum B$who"
}

# zone_row DIR MODE LINKS0 LINKS1: bytes over each inter-zone link / F, when each zone
# finished (its slowest node, from the common start), the first-to-last gap, and in the
# stagger modes the late zone's time from its own start.
zone_row() {
    local d="$1" mode="$2" i z ms finish=()
    for ((z = 0; z < zones; z++)); do finish+=(0); done
    for i in $(seq "$nodes"); do
        [[ -e "$d/node$i/killed" ]] && continue
        z=$(zone_of "$i")
        ms=""
        [[ -s "$d/node$i/done" ]] && read -r _ ms <"$d/node$i/done"
        [[ -n "$ms" ]] || ms=-1
        if ((ms < 0 || finish[z] < 0)); then finish[z]=-1; elif ((ms > finish[z])); then finish[z]=$ms; fi
    done
    local late=0
    [[ "$mode" == *-stagger ]] && late=$stagger_s
    awk -v F="$F" -v zones="$zones" -v l0="$3" -v l1="$4" -v fin="${finish[*]}" -v late="$late" \
        -v mode="$mode" 'BEGIN {
        split(l0, a, " "); split(l1, b, " "); split(fin, f, " ")
        line = sprintf("  %-13s into/F", mode); sum = 0
        for (z = 0; z < zones; z++) {
            into = (b[2 * z + 1] - a[2 * z + 1]) / F; sum += into
            line = line sprintf(" z%d %.2f", z, into)
        }
        line = line sprintf(" (sum %.2f, min %d); out/F", sum, zones - 1)
        for (z = 0; z < zones; z++) line = line sprintf(" z%d %.2f", z, (b[2 * z + 2] - a[2 * z + 2]) / F)
        line = line "; zone done s"; lo = -1; hi = -1; bad = 0
        for (z = 1; z <= zones; z++) {
            if (f[z] < 0) { line = line " -"; bad = 1; continue }
            line = line sprintf(" %.1f", f[z] / 1000)
            if (lo < 0 || f[z] < lo) lo = f[z]; if (f[z] > hi) hi = f[z]
        }
        if (!bad) line = line sprintf("; gap %.1f s", (hi - lo) / 1000)
        if (late > 0 && f[zones] >= 0) line = line sprintf("; late zone %.1f s from its start", f[zones] / 1000 - late)
        print line }'
}

log "$table_header"
for mode_name in "${mode_list[@]}"; do
    if [[ "$mode_name" == https ]]; then
        run_mode https curl "${builds[-1]#*=}"
        continue
    fi
    for b in "${builds[@]}"; do run_mode "$mode_name" "${b%%=*}" "${b#*=}"; done
done

{
    echo
    zone_text=""
    ((zones > 0)) && zone_text=", $zones zones x $per_zone, inter-zone links ${inter_mbit} Mbit/s each way, stagger ${stagger_s} s"
    echo "swarm bench $(date -u +%FT%TZ): N=$nodes${zone_text}, ${rate_mbit} Mbit/s each way, F=$F bytes, T_min=${t_min} s, $(nproc) cores"
    echo "$table_header"
    printf '%s\n' "${results[@]}"
} | tee -a "${out_file:-/dev/null}"

if ((failures > 0)); then
    keep=1
    echo "$me: $failures mode(s) with nodes lacking the right image" >&2
    exit 1
fi
