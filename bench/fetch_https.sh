#!/bin/bash
# Benchmark: `aciswarm fetch` of a large image over loopback, against the
# verified download rkt does (`curl URL | tee FILE | sha512sum`) in the same run.
#
#   bench/fetch_https.sh [SIZE_MIB] [BUILD_DIR]     (default 1024 MiB, build/)
#
# 1. web seed only: a torrent whose only source is the HTTPS web seed (nginx,
#    test CA, 127.0.0.1) -> aciswarm fetch ./x.torrent
# 2. peers only: the same torrent seeded by python3-libtorrent on 127.0.0.1,
#    no web seed reachable -> aciswarm fetch ./x.torrent --peer=...
# Each fetch goes into an empty store: download, piece hashes, image ID
# (SHA-512 of the tar) and import. Prints throughputs and ratios.
# Root not needed. Only loopback is used. Temporary files under $TMPDIR.
set -euo pipefail
SIZE_MIB=${1:-1024}
BUILD=${2:-$(dirname "$0")/../build}
ACISWARM=$(realpath "$BUILD/bin/aciswarm")
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
# --- torrents: one with the web seed, one without (same pieces, different url-list)
"$ACISWARM" publish www/bench.aci --tracker=http://127.0.0.1:9/announce \
    --webseed-base="https://127.0.0.1:$PORT/" --out=pub >/dev/null 2>&1
TORRENT=$(find pub -name '*.torrent' | head -1)
/usr/bin/python3 - "$TORRENT" nows.torrent <<'PY'
import sys, libtorrent as lt
d = lt.bdecode(open(sys.argv[1], "rb").read())
d.pop(b"url-list", None)
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

# --- baseline: rkt's verified download
t0=$(now)
curl -sS --cacert ca.pem "$URL" | tee curl.aci | sha512sum > /dev/null
t1=$(now)
CURL=$(rate "$BYTES" "$t0" "$t1")
rm -f curl.aci
echo "curl | tee | sha512sum:            $CURL MiB/s"

# --- 1. web seed only
t0=$(now)
"$ACISWARM" fetch "$TORRENT" --insecure-options=image --store=store1 --ca-file=ca.pem --listen=127.0.0.1:0 --lsd=false \
    --no-progress --no-https-fallback 2> fetch1.log > /dev/null || { cat fetch1.log; exit 1; }
t1=$(now)
WS=$(rate "$BYTES" "$t0" "$t1")
grep -o 'via swarm: .*' fetch1.log || true
rm -rf store1
echo "aciswarm fetch, web seed only:     $WS MiB/s  ratio $(echo "scale=2; $WS / $CURL" | bc)"

# --- 2. peers only (python3-libtorrent seeds the same file; no web seed in the torrent)
/usr/bin/python3 "$SEEDER" nows.torrent "$SEED_DIR" --max-seconds 3600 2> seeder.log &
PIDS+=($!)
for _ in $(seq 600); do grep -q "^seeding" seeder.log && break; sleep 0.2; done
SPORT=$(grep -o 'listening bittorrent 127.0.0.1:[0-9]*' seeder.log | head -1 | sed 's/.*://')
t0=$(now)
"$ACISWARM" fetch nows.torrent --insecure-options=image --store=store2 --listen=127.0.0.1:0 --lsd=false --no-progress \
    --no-https-fallback --peer="127.0.0.1:$SPORT" 2> fetch2.log > /dev/null || { cat fetch2.log; exit 1; }
t1=$(now)
PEER=$(rate "$BYTES" "$t0" "$t1")
grep -o 'via swarm: .*' fetch2.log || true
echo "aciswarm fetch, one peer only:     $PEER MiB/s  ratio $(echo "scale=2; $PEER / $CURL" | bc)"
