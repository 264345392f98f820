#!/usr/bin/env bash
# A private appc registry on one machine, end to end (see README.md beside this file):
#
#   CA (openssl) -> nginx HTTPS on 443 serving the registry DIR (discovery page, .aci with
#   Range for web seeds, .torrent, .magnet) -> aciswarm-tracker locked to DIR -> the
#   everseed (aciswarm seed --dir=DIR) -> N agents fetching the image BY NAME at once.
#
# Everything runs inside a network namespace the script creates (appc names carry no port,
# so HTTPS must be on 443; /etc/netns/NS/hosts names registry.demo.test -> 127.0.0.1).
# Only loopback inside that namespace is used; DHT, UPnP and NAT-PMP stay off (LSD is on,
# which is allowed inside the namespace). On exit (trap) every process started here is
# stopped, the namespace and its /etc/netns entry are deleted, the work dir is removed.
#
# usage: run.sh [--agents=N] [--size-mib=N] [--webseed-rate=RATE] [--everseed-rate=BYTES]
#               [--auth] [--assert] [--bin-dir=DIR] [--keep] [--timeout=SECONDS]
#   --agents=N          agents fetching at once (default 3)
#   --size-mib=N        MiB of random data in the image (default 32)
#   --webseed-rate=R    nginx limit_rate per web seed request, e.g. 2m; 0 = none (default 2m)
#   --everseed-rate=B   the everseed's upload limit in bytes/s, 0 = none (default 4194304:
#                       4 MiB/s). With the web seed's limit this caps the registry's uplink,
#                       so most bytes must come from the other agents.
#   --auth              a private registry (docs/private.md): nginx with auth_basic (htpasswd
#                       made here), publish --private, the tracker with --keys, the everseed
#                       and the agents with their own --tracker-key, the agents with auth.d
#                       credentials; checks that anonymous HTTPS gets 401, a keyless announce
#                       is refused, and no log holds the password or a key
#   --assert            exit 1 unless every agent got the published image ID and every
#                       agent received bytes from peers (the integration test uses this)
#   --bin-dir=DIR       where aciswarm and aciswarm-tracker are (default: build/bin of the repo)
#   --keep              keep the work dir (logs) after exit
#   --timeout=SECONDS   bound on every wait and on the fetches (default 60)
set -euo pipefail

agents=3
size_mib=32
webseed_rate=2m
everseed_rate=4194304
assert=0
auth=0
keep=0
timeout_s=60
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
# shellcheck source=registry.sh
source "$here/registry.sh"
bin_dir="$repo/build/bin"
for arg in "$@"; do
    case "$arg" in
        --agents=*) agents="${arg#*=}" ;;
        --size-mib=*) size_mib="${arg#*=}" ;;
        --webseed-rate=*) webseed_rate="${arg#*=}" ;;
        --everseed-rate=*) everseed_rate="${arg#*=}" ;;
        --assert) assert=1 ;;
        --auth) auth=1 ;;
        --keep) keep=1 ;;
        --bin-dir=*) bin_dir="${arg#*=}" ;;
        --timeout=*) timeout_s="${arg#*=}" ;;
        -h | --help)
            sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
            exit 0
            ;;
        *)
            echo "run.sh: unknown argument '$arg' (--help)" >&2
            exit 2
            ;;
    esac
done
[[ "$agents" =~ ^[1-9][0-9]?$ ]] || { echo "run.sh: --agents='$agents': want 1..99" >&2; exit 2; }
[[ "$size_mib" =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: --size-mib='$size_mib': want a positive number" >&2; exit 2; }
[[ "$webseed_rate" =~ ^[0-9]+[kKmM]?$ ]] || { echo "run.sh: --webseed-rate='$webseed_rate': want N, Nk or Nm" >&2; exit 2; }
[[ "$everseed_rate" =~ ^[0-9]+$ ]] || { echo "run.sh: --everseed-rate='$everseed_rate': want bytes/s" >&2; exit 2; }

# Network namespaces and /etc/netns need root. The test (--assert) is skipped without it.
if [[ $EUID -ne 0 ]]; then
    [[ $assert -eq 1 ]] && { echo "run.sh: needs root (ip netns): skipped" >&2; exit 77; }
    exec sudo -- "$0" "$@" --bin-dir="$bin_dir"
fi

aciswarm="$bin_dir/aciswarm"
tracker_bin="$bin_dir/aciswarm-tracker"
for b in "$aciswarm" "$tracker_bin"; do
    [[ -x "$b" ]] || { echo "run.sh: $b: not built (make build)" >&2; exit 1; }
done
for t in ip nginx openssl curl; do
    command -v "$t" >/dev/null || { echo "run.sh: $t: not installed (scripts/install-deps.sh)" >&2; exit 1; }
done

host=registry.demo.test
image_name="$host/hello"
ns="aciswarm-demo-$$"
work="$(mktemp -d /tmp/aciswarm-demo.XXXXXX)"
chmod 755 "$work" # nginx workers (user nobody) read the registry below it
pids=()

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    # Every process this script started, by pid (they all run inside $ns) ...
    stop_pids "${pids[@]}"
    # ... and anything still inside the namespace (only this script put processes there).
    delete_ns "$ns"
    # The demo key's gpg-agent (started by gpg in step 3).
    [[ -d "$work/gnupg" ]] && GNUPGHOME="$work/gnupg" gpgconf --kill all 2>/dev/null || true
    if [[ $keep -eq 1 ]]; then
        echo "logs kept in $work" >&2
    else
        rm -rf "$work"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

die() {
    echo "run.sh: $*" >&2
    for f in "$work"/logs/*.log; do
        [[ -s "$f" ]] && { echo "--- $f (last lines)" >&2; tail -n 15 "$f" >&2; }
    done
    exit 1
}
mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }

mkdir -p "$work"/{logs,registry}
t0=$(now_ms)

# --auth: the secrets and who gets them. The password and the keys never go on a command
# line (other users see those) nor into a log: files of mode 0600, read by nginx (the
# password's hash only), curl (-K), the agents (auth.d) and the tracker (--keys). The
# everseed's and the agents' --tracker-key are the exception: aciswarm fetch and seed
# take the key as an option (the daemon reads it from agent.json, docs/private.md).
publish_auth=() tracker_auth=() everseed_auth=() agent_auth=() curl_auth=()
if [[ $auth -eq 1 ]]; then
    password=$(openssl rand -hex 16)
    node_key=$(openssl rand -hex 16)
    everseed_key=$(openssl rand -hex 16)
    (
        umask 077
        mkdir -p "$work/auth.d"
        printf '{"rktKind": "auth", "rktVersion": "v1", "domains": ["%s"], "type": "basic",\n "credentials": {"user": "demo", "password": "%s"}}\n' \
            "$host" "$password" >"$work/auth.d/registry.json"
        printf 'user = "demo:%s"\n' "$password" >"$work/curl-auth.conf"
        printf '# demo keys: the everseed, the agents\n%s\n%s\n' "$everseed_key" "$node_key" \
            >"$work/tracker.keys"
    )
    # nginx's workers (user nobody) read the hash, never the password.
    printf 'demo:%s\n' "$(openssl passwd -apr1 -stdin <<<"$password")" >"$work/htpasswd"
    chmod 644 "$work/htpasswd"
    publish_auth=(--private)
    tracker_auth=(--keys="$work/tracker.keys")
    everseed_auth=(--tracker-key="$everseed_key")
    agent_auth=(--auth-dir="$work/auth.d" --tracker-key="$node_key")
    curl_auth=(-K "$work/curl-auth.conf")
fi

# 1. The CA and the registry's certificate.
make_ca "$work/tls" "$host" "aciswarm demo CA" >"$work/logs/openssl.log" 2>&1 || die "openssl failed"
ca="$work/tls/ca.pem"

# 2. The network namespace: loopback up, the registry's name on 127.0.0.1, no DNS out.
new_netns "$ns" "127.0.0.1 localhost $host
::1 localhost
"

# 3. The image: SIZE MiB of random bytes and a file, as an ACI; publish it.
make_image "$aciswarm" "$work" "$size_mib" "$image_name" "hello from the private registry"
# A throw-away demo signing key (GnuPG): publish signs the image with it and
# publishes its public key (ac-discovery-pubkeys); the agents trust it as a
# root key and refuse anything it did not sign (docs/trust.md).
mkdir -m 700 "$work/gnupg"
GNUPGHOME="$work/gnupg" gpg --batch --passphrase '' --quick-gen-key "aciswarm demo <demo@$host>" \
    ed25519 sign never >"$work/logs/gpg.log" 2>&1 || die "gpg key generation failed"
GNUPGHOME="$work/gnupg" gpg --batch --armor --export-secret-keys >"$work/demo-secret.asc" \
    2>>"$work/logs/gpg.log" || die "gpg export failed"
"$aciswarm" publish "$work/hello-1.0.aci" --tracker=http://127.0.0.1:6969/announce \
    --webseed-base="https://$host/" --out="$work/registry" --sign-key="$work/demo-secret.asc" \
    "${publish_auth[@]}" \
    >"$work/publish.out" 2>"$work/logs/publish.log" || die "publish failed"
for key in "$work/registry/pubkeys/"*.asc; do
    "$aciswarm" trust --trust-dir="$work/trustedkeys" --root "$key" >/dev/null \
        2>>"$work/logs/trust.log" || die "aciswarm trust --root $key failed"
done
published_id=$(sed -n 's/^image-id //p' "$work/publish.out")
if [[ -z "$published_id" ]]; then # an older publish: ask the store
    "$aciswarm" import --store="$work/scratch-store" --insecure-options=image "$work/hello-1.0.aci" >/dev/null \
        2>"$work/logs/import.log" || die "import into a scratch store failed"
    published_id=$("$aciswarm" image list --store="$work/scratch-store" --json 2>/dev/null |
        grep -o 'sha512-[0-9a-f]\{128\}' | head -n1)
fi
[[ -n "$published_id" ]] || die "no image ID for the published image"

# 4. nginx: HTTPS on 443 inside the namespace, serving the registry directory.
auth_conf="# no auth_basic: an anonymous registry"
[[ $auth -eq 1 ]] && auth_conf="auth_basic \"aciswarm demo registry\"; auth_basic_user_file $work/htpasswd;"
sed -e "s|@WORK@|$work|g" -e "s|@REGISTRY@|$work/registry|g" -e "s|@WEBSEED_RATE@|$webseed_rate|g" \
    -e "s|@AUTH@|$auth_conf|" "$here/nginx.conf.in" >"$work/nginx.conf"
start_nginx "$ns" "$work" "$timeout_s" "$host" "$ca" "${curl_auth[@]}"

# 5. The tracker, locked to the torrents published in the registry directory (and its subfolders).
start_tracker "$ns" "$bin_dir" 127.0.0.1:6969 "$work/registry" "$work/logs/tracker.log" "$timeout_s" \
    "${tracker_auth[@]}"

# 6. The everseed: every image in the registry, permanently, and in the tracker's swarm.
# --super-seed: hand out each piece about once (the web seed covers a lone agent).
# Its upload limit holds for every peer, local ones too (docs/engine.md).
read -r -a super <<<"$(super_seed_option "$bin_dir")"
start_everseed "$ns" "$bin_dir" "$work/registry" 127.0.0.1:6881 127.0.0.1:6969 \
    "$work/logs/everseed.log" "$timeout_s" "${super[@]}" --max-upload-rate="$everseed_rate" \
    "${everseed_auth[@]}"
t_ready=$(now_ms)

log "registry ready in $(((t_ready - t0) / 1000)).$(((t_ready - t0) % 1000 / 100)) s: https://$host/ (nginx, web seed limit_rate $webseed_rate), tracker 127.0.0.1:6969, everseed 127.0.0.1:6881 (upload limit $(mib "$everseed_rate")/s)"
log "image $image_name:1.0, $(stat -c %s "$work/hello-1.0.aci") bytes, ${published_id:0:39}…"
auth_failures=0
if [[ $auth -eq 1 ]]; then
    # What a host without the demo's credentials and key gets: a 401 from nginx and a
    # refused announce from the tracker.
    anonymous=$(ip netns exec "$ns" "${clean_env[@]}" curl -s -o /dev/null -w '%{http_code}' \
        --cacert "$ca" "https://$host/index.html" || true)
    keyless=$(ip netns exec "$ns" curl -s "http://127.0.0.1:6969/announce?info_hash=aaaaaaaaaaaaaaaaaaaa&peer_id=-XX0000-000000000000&port=6999&uploaded=0&downloaded=0&left=1" || true)
    if [[ "$anonymous" == 401 && "$keyless" == *"admits only keyed nodes"* ]]; then
        log "private: anonymous HTTPS gets $anonymous; an announce without a key is refused (\"${keyless//[^ -~]/}\")"
    else
        auth_failures=$((auth_failures + 1))
        echo "run.sh: --auth: anonymous HTTPS got '$anonymous' (want 401), a keyless announce got '$keyless'" >&2
    fi
    log "private torrent (publish --private); the tracker admits 2 keys (everseed, agents); agents read auth.d"
fi
signer=$(basename "$(ls "$work/registry/pubkeys/"*.asc 2>/dev/null | head -n1)" .asc)
[[ -n "$signer" ]] && log "signed with the demo key ${signer:0:16}…; agents trust only that key (--root)"
log "fetching by name on $agents agents at once…"

# 7. The agents: each its own store and listen port, all started together.
agent_pids=()
for i in $(seq "$agents"); do
    mkdir -p "$work/agent$i"
    (
        s=$(now_ms)
        rc=0
        ip netns exec "$ns" "${clean_env[@]}" timeout "$timeout_s" "$aciswarm" fetch \
            "$image_name:1.0" --store="$work/agent$i/store" --ca-file="$ca" \
            --listen="127.0.0.1:$((6881 + i))" --full --no-progress \
            --trust-dir="$work/trustedkeys" "${agent_auth[@]}" \
            >"$work/agent$i/id" 2>"$work/logs/agent$i.log" || rc=$?
        echo "$rc $(($(now_ms) - s))" >"$work/agent$i/result"
    ) &
    agent_pids+=($!)
    pids+=($!)
done
for p in "${agent_pids[@]}"; do wait "$p" || true; done

# 8. Per agent: time, bytes from the everseed, from other agents, from the web seed and
#    over HTTPS (the fetch's final log line).
failures=0
total_everseed=0
total_agents=0
total_web=0
printf '\n%-7s %-4s %-7s %13s %13s %13s %11s  %s\n' agent rc time "from everseed" "from agents" \
    "from web seed" "over HTTPS" "image ID" >&2
for i in $(seq "$agents"); do
    read -r rc ms <"$work/agent$i/result"
    id=$(head -n1 "$work/agent$i/id" || true)
    line=$(fetch_summary "$work/logs/agent$i.log")
    peers=$(sed -n 's/.*: \([0-9]*\) bytes from peers.*/\1/p' <<<"$line")
    everseed=$(grep -o '[0-9]* from the everseed' "$work/logs/agent$i.log" | tail -n1 |
        cut -d' ' -f1 || true)
    agents_bytes=$(grep -o '[0-9]* from other agents' "$work/logs/agent$i.log" | tail -n1 |
        cut -d' ' -f1 || true)
    web=$(sed -n 's/.*, \([0-9]*\) from web seeds.*/\1/p' <<<"$line")
    https=$(sed -n 's/.*, \([0-9]*\) over HTTPS.*/\1/p' <<<"$line")
    match="≠ published"
    [[ "$id" == "$published_id" ]] && match="= published"
    printf '%-7s %-4s %-7s %13s %13s %13s %11s  %s %s\n' "agent$i" "$rc" \
        "$((ms / 1000)).$((ms % 1000 / 100)) s" "$(mib "${everseed:-0}")" \
        "$(mib "${agents_bytes:-0}")" "$(mib "${web:-0}")" "$(mib "${https:-0}")" \
        "${id:0:39}…" "$match" >&2
    total_everseed=$((total_everseed + ${everseed:-0}))
    total_agents=$((total_agents + ${agents_bytes:-0}))
    total_web=$((total_web + ${web:-0}))
    if [[ "$rc" != 0 ]]; then
        failures=$((failures + 1))
        echo "agent$i: fetch exited $rc: $(grep 'aciswarm fetch:' "$work/logs/agent$i.log" | tail -n1)" >&2
    elif [[ "$id" != "$published_id" ]]; then
        failures=$((failures + 1))
        echo "agent$i: image ID $id is not the published $published_id" >&2
    elif ! "$aciswarm" image list --store="$work/agent$i/store" --json 2>/dev/null |
        grep -q '"verified_by": "[0-9a-f]\{40\}"'; then
        failures=$((failures + 1))
        echo "agent$i: the stored image does not record the demo key's verification" >&2
    elif [[ $assert -eq 1 && "${peers:-0}" -le 0 ]]; then
        failures=$((failures + 1))
        echo "agent$i: no bytes from peers (${line:-no summary line in its log})" >&2
    fi
done
if [[ $auth -eq 1 ]]; then
    # The secrets live only in the files made for them, never in a log, an output or a
    # store (resume data keeps web seed URLs without their credentials).
    leaks=$(grep -rlF -e "$password" -e "$node_key" -e "$everseed_key" "$work/logs" \
        "$work"/agent* "$work"/nginx-*.log "$work/publish.out" "$work/registry" 2>/dev/null || true)
    if [[ -n "$leaks" ]]; then
        auth_failures=$((auth_failures + 1))
        echo "run.sh: --auth: a secret was written to: $leaks" >&2
    else
        log "private: no log, output or store holds the password or a key"
    fi
fi
failures=$((failures + auth_failures))
t_end=$(now_ms)
log ""
log "sent by the registry: $(mib $((total_everseed + total_web))) (everseed $(mib "$total_everseed"), web seed $(mib "$total_web")); by the agents to each other: $(mib "$total_agents")"
[[ $failures -eq 0 ]] && log "every agent's store records the image as verified by the demo key"
log "total $(((t_end - t0) / 1000)).$(((t_end - t0) % 1000 / 100)) s; $failures failure(s)"
if ((failures > 0)); then
    keep=1
    exit 1
fi
