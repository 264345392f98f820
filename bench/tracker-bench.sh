#!/usr/bin/env bash
# Benchmarks aciswarm-tracker against Debian's opentracker in one run, on
# loopback: both in whitelist mode over the same info hashes, each pinned to the
# same CPU (SERVER_CPU) with one worker, the load generator on CLIENT_CPU.
# Prints a markdown table for docs/benchmarks.md (throughput, and responses per
# second of server CPU time, which is robust against other load on the machine),
# then a memory measurement
# (RSS growth for RSS_TORRENTS torrents x 10 IPv4 peers, filled over UDP).
#
#   bench/tracker-bench.sh            # env: BUILD=build TORRENTS=1000 DURATION=10 CONC=64
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
TORRENTS=${TORRENTS:-1000}
DURATION=${DURATION:-10}
CONC=${CONC:-64}
SERVER_CPU=${SERVER_CPU:-1}
CLIENT_CPU=${CLIENT_CPU:-0}
RSS_TORRENTS=${RSS_TORRENTS:-100000}
LOAD=$BUILD/bin/aciswarm-tracker-load
TRACKER=$BUILD/bin/aciswarm-tracker

work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
chmod 755 "$work"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# Waits (bounded) for a line in a log file.
wait_log() {
    for _ in $(seq 1 100); do
        grep -q "$2" "$1" 2>/dev/null && return 0
        read -t 0.1 < <(:) || true
    done
    echo "timeout waiting for '$2' in $1" >&2; cat "$1" >&2; return 1
}
wait_tcp() {
    for _ in $(seq 1 100); do
        curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0
        read -t 0.1 < <(:) || true
    done
    return 1
}
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
# utime + stime of a process, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
HZ=$(getconf CLK_TCK)

/usr/bin/python3 bench/make_torrents.py "$work/torrents" "$TORRENTS" > "$work/hashes.txt"
cp "$work/hashes.txt" "$work/whitelist"
chmod 644 "$work/whitelist"

OT_PORT=$(free_port)
# opentracker chroots into -d and drops to nobody: the whitelist path is inside it.
taskset -c "$SERVER_CPU" opentracker -i 127.0.0.1 -p "$OT_PORT" -P "$OT_PORT" -w /whitelist -d "$work" \
    > "$work/ot.log" 2>&1 &
OT_PID=$!; pids+=($OT_PID)
taskset -c "$SERVER_CPU" "$TRACKER" --http=127.0.0.1:0 --udp=127.0.0.1:0 --dir="$work/torrents" \
    --workers=1 --mode=large 2> "$work/ac.log" &
AC_PID=$!; pids+=($AC_PID)
wait_log "$work/ac.log" "listening udp"
wait_tcp "$OT_PORT"
AC_HTTP=$(sed -n 's/.*listening http 127.0.0.1:\([0-9]*\).*/\1/p' "$work/ac.log")
AC_UDP=$(sed -n 's/.*listening udp 127.0.0.1:\([0-9]*\).*/\1/p' "$work/ac.log")

field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<< "$2"; }
load() {
    taskset -c "$CLIENT_CPU" "$LOAD" --url="$1" --hashes="$work/hashes.txt" --kind="$2" \
        --duration="$DURATION" --concurrency="$CONC" --peers=100000 --zipf=1.0
}

# Runs one load against a server pid; prints the load line plus cpu_s=<server CPU seconds>.
measured() {
    local before after out
    before=$(cpu_ticks "$1")
    out=$(load "$2" "$3")
    after=$(cpu_ticks "$1")
    echo "$out cpu_s=$(python3 -c "print(($after - $before) / $HZ)")"
}
per_cpu() { python3 -c "print(f'{$(field responses "$1") / max($(field cpu_s "$1"), 0.01):.0f}')"; }

echo "| protocol | request | opentracker resp/s | aciswarm-tracker resp/s | ratio | opentracker resp per CPU-s | aciswarm resp per CPU-s | ratio per CPU-s | opentracker p50/p99 µs | aciswarm p50/p99 µs | errors (ot/aciswarm) |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
for kind in announce scrape; do
    for proto in udp http; do
        if [ "$proto" = udp ]; then
            ot_url="udp://127.0.0.1:$OT_PORT"; ac_url="udp://127.0.0.1:$AC_UDP"
        else
            ot_url="http://127.0.0.1:$OT_PORT/announce"; ac_url="http://127.0.0.1:$AC_HTTP/announce"
        fi
        ot=$(measured "$OT_PID" "$ot_url" "$kind")
        ac=$(measured "$AC_PID" "$ac_url" "$kind")
        ot_rps=$(field responses_per_s "$ot"); ac_rps=$(field responses_per_s "$ac")
        ratio=$(python3 -c "print(f'{$ac_rps / max($ot_rps, 1):.2f}')")
        ot_cpu=$(per_cpu "$ot"); ac_cpu=$(per_cpu "$ac")
        cpu_ratio=$(python3 -c "print(f'{$ac_cpu / max($ot_cpu, 1):.2f}')")
        echo "| $proto | $kind | $ot_rps | $ac_rps | **$ratio×** | $ot_cpu | $ac_cpu | **$cpu_ratio×** | $(field p50_us "$ot")/$(field p99_us "$ot") | $(field p50_us "$ac")/$(field p99_us "$ac") | $(( $(field errors "$ot") + $(field timeouts "$ot") ))/$(( $(field errors "$ac") + $(field timeouts "$ac") )) |"
    done
done
for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
wait 2>/dev/null || true
pids=()

# Memory: RSS growth for RSS_TORRENTS torrents x 10 IPv4 peers (distinct ip, port).
python3 -c "import os; [print(os.urandom(20).hex()) for _ in range($RSS_TORRENTS)]" > "$work/rss-hashes.txt"
cp "$work/rss-hashes.txt" "$work/whitelist"
taskset -c "$SERVER_CPU" "$TRACKER" --http=127.0.0.1:0 --udp=127.0.0.1:0 --locked=false \
    --workers=1 --max-torrents=10000000 2> "$work/ac2.log" &
AC_PID=$!; pids+=($AC_PID)
OT_PORT=$(free_port)
taskset -c "$SERVER_CPU" opentracker -i 127.0.0.1 -p "$OT_PORT" -P "$OT_PORT" -w /whitelist -d "$work" \
    > "$work/ot2.log" 2>&1 &
pids+=($!)
wait_log "$work/ac2.log" "listening udp"
wait_tcp "$OT_PORT"
OT_PID=$(pgrep -n -u nobody -x opentracker)
AC_UDP=$(sed -n 's/.*listening udp 127.0.0.1:\([0-9]*\).*/\1/p' "$work/ac2.log")
fill() {
    taskset -c "$CLIENT_CPU" "$LOAD" --url="$1" --hashes="$work/rss-hashes.txt" --fill=10 \
        --duration=120 --concurrency=250 > /dev/null
}
ac0=$(rss_kb "$AC_PID"); fill "udp://127.0.0.1:$AC_UDP"; ac1=$(rss_kb "$AC_PID")
ot0=$(rss_kb "$OT_PID"); fill "udp://127.0.0.1:$OT_PORT"; ot1=$(rss_kb "$OT_PID")
peers=$(curl -s "http://127.0.0.1:$(sed -n 's/.*listening http 127.0.0.1:\([0-9]*\).*/\1/p' "$work/ac2.log")/stats" | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["peers"]["ipv4"], j["torrents"])')
echo
echo "RSS growth, $RSS_TORRENTS torrents x 10 IPv4 peers (aciswarm holds: $peers peers/torrents):"
echo "  aciswarm-tracker: $(( (ac1 - ac0) / 1024 )) MiB = $(( (ac1 - ac0) * 1024 / RSS_TORRENTS )) bytes per torrent with 10 peers (budget 200 + 10 x 24 = 440)"
echo "  opentracker:      $(( (ot1 - ot0) / 1024 )) MiB = $(( (ot1 - ot0) * 1024 / RSS_TORRENTS )) bytes per torrent with 10 peers"
