#!/bin/bash
# Benchmark: `aciswarm fetch` of a large image over loopback, against the
# verified download rkt does (`curl URL | tee FILE | sha512sum`) in the same run.
#
#   bench/fetch_https.sh [SIZE_MIB] [BUILD_DIR] [RUNS]   (default 1024 MiB, build/, 1)
#
# With RUNS > 1 the three measurements alternate (curl, web seed, peer, curl,
# ...) so that a change in the machine's load hits each alike, and a summary
# prints min / median / max of each and the ratio of the medians: on a shared
# machine one run's curl varies by 2x, so single ratios say little.
# 1. web seed only: a torrent whose only source is the HTTPS web seed (nginx,
#    test CA, 127.0.0.1) -> aciswarm fetch ./x.torrent; its tracker (aciswarm-tracker
#    on loopback) answers that the swarm has no seed, as a registry's tracker would
#    with no everseed, so the web seed gate opens at once (docs/engine.md)
# 2. peers only: the same torrent seeded by python3-libtorrent on 127.0.0.1,
#    no web seed reachable -> aciswarm fetch ./x.torrent --peer=...
# Each fetch goes into an empty store: download, piece hashes, image ID
# (SHA-512 of the tar) and import. Prints throughputs and ratios (image bytes /
# time until `aciswarm fetch` prints the image ID, i.e. the image is stored;
# "to exit" includes lingering in the swarm), and the phases from its -v log.
# Root not needed. Only loopback is used. Temporary files under $TMPDIR.
set -euo pipefail
SIZE_MIB=${1:-1024}
BUILD=${2:-$(dirname "$0")/../build}
RUNS=${3:-1}
[[ $RUNS =~ ^[1-9][0-9]?$ ]] || { echo "bench/fetch_https.sh: RUNS must be 1..99, got '$RUNS'" >&2; exit 2; }
ACISWARM=$(realpath "$BUILD/bin/aciswarm")
TRACKER=$(realpath "$BUILD/bin/aciswarm-tracker")
SEEDER=$(realpath "$(dirname "$0")/../tests/integration/fetch/lt_seeder.py")
WORK=$(mktemp -d "${TMPDIR:-/tmp}/aciswarm-bench-fetch.XXXXXX")
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT
chmod 755 "$WORK"  # nginx workers run as an unprivileged user
cd "$WORK"

now() { date +%s.%N; }
rate() { echo "scale=1; $1 / 1048576 / ($3 - $2)" | bc; }
# fetch_timed STORE LOG SOURCE OPTION...: an in-process fetch into an empty store
# (-v: the phases below). Sets t0 (start), t_id (the image ID printed: the image
# is stored) and t1 (exit: after lingering in the swarm, docs/fetch.md).
fetch_timed() {
    local store=$1 log=$2 source=$3
    shift 3
    t0=$(now)
    "$ACISWARM" fetch -v "$source" --insecure-options=image --store="$store" --listen=127.0.0.1:0 \
        --lsd=false --no-progress --no-https-fallback "$@" 2> "$log" |
        { read -r _ && now > "$log.id"; cat > /dev/null; } || { cat "$log"; exit 1; }
    t1=$(now)
    t_id=$(cat "$log.id")
}
# phases LOG T0 T_ID T1: where the time went, from the fetch's -v lines.
phases() {
    ms() { grep -o "$1 [0-9]* ms" "$2" | head -1 | grep -o '[0-9]*' || echo "?"; }
    local pass="store pass $(ms 'bytes took' "$1") ms"
    grep -q 'while it was written' "$1" && pass="store pass during the download, done $(ms 'written;' "$1") ms after it"
    echo "  phases: download $(ms 'download took' "$1") ms, $pass," \
        "fsync $(ms 'fsync took' "$1") ms, commit $(ms 'commit took' "$1") ms;" \
        "start to ID $(echo "($3 - $2) * 1000 / 1" | bc) ms, ID to exit $(echo "($4 - $3) * 1000 / 1" | bc) ms"
}

# --- the image: a tar with a manifest and SIZE_MIB of random bytes
mkdir -p img/rootfs www
cat > img/manifest <<JSON
{"acKind":"ImageManifest","acVersion":"0.8.11","name":"example.test/bench",
 "labels":[{"name":"version","value":"1.0"},{"name":"os","value":"linux"},{"name":"arch","value":"amd64"}]}
JSON
head -c "$((SIZE_MIB * 1048576))" /dev/urandom > img/rootfs/data
tar -C img -cf www/bench.aci manifest rootfs
rm -rf img
BYTES=$(stat -c %s www/bench.aci)

# --- CA + nginx on a free loopback port
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.pem \
    -days 2 -subj "/CN=aciswarm bench CA" -addext basicConstraints=critical,CA:TRUE 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout srv.key -out srv.csr \
    -subj /CN=127.0.0.1 2>/dev/null
printf 'basicConstraints=CA:FALSE\nsubjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > srv.ext
openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -out srv.pem \
    -extfile srv.ext 2>/dev/null
# --- the tracker (open: it tracks whatever is announced)
"$TRACKER" --http=127.0.0.1:0 --udp=127.0.0.1:0 --locked=false 2> tracker.log &
PIDS+=($!)
for _ in $(seq 100); do grep -q "listening http" tracker.log && break; sleep 0.1; done
TPORT=$(grep -o 'listening http 127.0.0.1:[0-9]*' tracker.log | head -1 | sed 's/.*://')
[ -n "$TPORT" ] || { cat tracker.log; exit 1; }
# --- torrents: one with the web seed and the tracker, one with neither (same pieces):
# the python seeder, which seeds the second, never announces, so the tracker counts
# no seed for the web seed runs
"$ACISWARM" publish www/bench.aci --tracker="http://127.0.0.1:$TPORT/announce" \
    --webseed-base="https://127.0.0.1:$PORT/" --out=pub >/dev/null 2>&1
TORRENT=$(find pub -name '*.torrent' | head -1)
/usr/bin/python3 - "$TORRENT" nows.torrent <<'PY'
import sys, libtorrent as lt
d = lt.bdecode(open(sys.argv[1], "rb").read())
d.pop(b"url-list", None)
d.pop(b"announce", None)
d.pop(b"announce-list", None)
open(sys.argv[2], "wb").write(lt.bencode(d))
PY

ACI=$(find pub -name '*.aci' | head -1)
REL=${ACI#pub/}
SEED_DIR=$(dirname "$ACI")
rm -f www/bench.aci
mkdir -p tmp
cat > nginx.conf <<CONF
daemon off; worker_processes 1; pid $WORK/nginx.pid; error_log stderr notice;
events { worker_connections 256; }
http { access_log off; sendfile on;
  client_body_temp_path $WORK/tmp/cb; proxy_temp_path $WORK/tmp/p; fastcgi_temp_path $WORK/tmp/f;
  uwsgi_temp_path $WORK/tmp/u; scgi_temp_path $WORK/tmp/s;
  server { listen 127.0.0.1:$PORT ssl; ssl_certificate $WORK/srv.pem; ssl_certificate_key $WORK/srv.key;
           root $WORK/pub; } }
CONF
touch nginx.log
nginx -p "$WORK/" -c "$WORK/nginx.conf" -e stderr 2> nginx.log &
PIDS+=($!)
for _ in $(seq 100); do grep -q "start worker process" nginx.log && break; sleep 0.1; done
URL=https://127.0.0.1:$PORT/$REL

echo "image: $BYTES bytes; nginx https://127.0.0.1:$PORT; torrent $(basename "$TORRENT")"
unset SSL_CERT_FILE SSL_CERT_DIR CURL_CA_BUNDLE

# --- the seeder for "one peer" (python3-libtorrent seeds the same file; no web
# seed in its torrent), started once for every run
/usr/bin/python3 "$SEEDER" nows.torrent "$SEED_DIR" --max-seconds 3600 2> seeder.log &
PIDS+=($!)
for _ in $(seq 600); do grep -q "^seeding" seeder.log && break; sleep 0.2; done
SPORT=$(grep -o 'listening bittorrent 127.0.0.1:[0-9]*' seeder.log | head -1 | sed 's/.*://')
[ -n "$SPORT" ] || { cat seeder.log; exit 1; }

ratio() { echo "scale=2; $1 / $2" | bc; }
# baseline: rkt's verified download
run_curl() {
    t0=$(now)
    curl -sS --cacert ca.pem "$URL" | tee curl.aci | sha512sum > /dev/null
    t1=$(now)
    CURL=$(rate "$BYTES" "$t0" "$t1")
    rm -f curl.aci
    echo "curl | tee | sha512sum:            $CURL MiB/s"
}
# run_fetch NAME LABEL SOURCE OPTION...: one fetch into an empty store; sets RATE
run_fetch() {
    local name=$1 label=$2
    shift 2
    fetch_timed "store-$name" "fetch-$name.log" "$@"
    RATE=$(rate "$BYTES" "$t0" "$t_id")
    grep -o 'via swarm: .*' "fetch-$name.log" || true
    phases "fetch-$name.log" "$t0" "$t_id" "$t1"
    rm -rf "store-$name"
    printf '%-35s%s MiB/s  ratio %s  (to exit: %s MiB/s)\n' "aciswarm fetch, $label:" "$RATE" \
        "$(ratio "$RATE" "$CURL")" "$(rate "$BYTES" "$t0" "$t1")"
}
CURLS=() WEBSEEDS=() PEERS=()
for run in $(seq "$RUNS"); do
    [ "$RUNS" -eq 1 ] || echo "--- run $run of $RUNS (load $(cut -d' ' -f1 /proc/loadavg))"
    run_curl
    CURLS+=("$CURL")
    run_fetch webseed "web seed only" "$TORRENT" --ca-file=ca.pem   # 1. web seed only
    WEBSEEDS+=("$RATE")
    run_fetch peer "one peer only" nows.torrent --peer="127.0.0.1:$SPORT"   # 2. peers only
    PEERS+=("$RATE")
done
[ "$RUNS" -eq 1 ] && exit 0
# stats V...: "min median max" (the median of an even count is the lower middle)
stats() {
    local sorted
    mapfile -t sorted < <(printf '%s\n' "$@" | sort -g)
    echo "${sorted[0]} ${sorted[$(((${#sorted[@]} - 1) / 2))]} ${sorted[-1]}"
}
read -r c_min c_med c_max <<< "$(stats "${CURLS[@]}")"
read -r w_min w_med w_max <<< "$(stats "${WEBSEEDS[@]}")"
read -r p_min p_med p_max <<< "$(stats "${PEERS[@]}")"
echo "summary of $RUNS runs (MiB/s, min / median / max; ratio of the medians to curl's):"
echo "  curl | tee | sha512sum:  $c_min / $c_med / $c_max"
echo "  web seed only:           $w_min / $w_med / $w_max   ratio $(ratio "$w_med" "$c_med")"
echo "  one peer only:           $p_min / $p_med / $p_max   ratio $(ratio "$p_med" "$c_med")"
