#!/usr/bin/python3
"""Announce-on-A -> visible-on-B latency through two real aciswarm-tracker processes.

Runs itself inside a fresh network namespace (`unshare --net`, needs root), so the
livesync multicast (group 224.0.42.5 on the namespace's loopback) never leaves the machine.
For each flush delay it starts trackers A and B, then, one announce at a time, sends an HTTP
announce of a new peer on a new info hash to A and polls B's HTTP scrape (keep-alive, no
sleeps) until the peer is counted; the time from sending the announce to that scrape is the
latency. Bounded: COUNT announces per flush delay, each given at most 5 s (else counted lost).

    /usr/bin/python3 bench/livesync/tracker_latency.py [--build=build] [--count=N]
        [--flush=1s,50ms]
"""
import argparse
import http.client
import os
import re
import subprocess
import sys
import time
import urllib.parse

TIMEOUT_S = 5.0


def enter_netns():
    if os.environ.get("ACISWARM_BENCH_NETNS") != "1":
        env = dict(os.environ, ACISWARM_BENCH_NETNS="1")
        os.execvpe("unshare", ["unshare", "--net", sys.executable] + sys.argv, env)
    for cmd in (["ip", "link", "set", "lo", "up"], ["ip", "link", "set", "lo", "multicast", "on"],
                ["ip", "route", "add", "224.0.0.0/4", "dev", "lo"]):
        subprocess.run(cmd, check=True)


def start_tracker(build, flush):
    proc = subprocess.Popen(
        [os.path.join(build, "bin", "aciswarm-tracker"), "--http=127.0.0.1:0",
         "--udp=127.0.0.1:0", "--workers=1", "--locked=false", "--sync-iface=127.0.0.1",
         "--sync-allow=127.0.0.0/8", "--sync-flush-delay=" + flush],
        stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        m = re.search(r"listening http 127\.0\.0\.1:([0-9]+)", line)
        if m:
            # Keep draining stderr so the tracker never blocks on a full pipe.
            subprocess.Popen(["cat"], stdin=proc.stderr, stdout=subprocess.DEVNULL)
            return proc, int(m.group(1))
    proc.kill()
    raise SystemExit("tracker did not report its HTTP port")


def info_hash(run, i):
    return bytes((run * 7 + i * 13 + k * 31 + (i >> 8)) & 0xFF for k in range(20))


def get(conn, path):
    conn.request("GET", path)
    r = conn.getresponse()
    body = r.read()
    if r.status != 200:
        raise SystemExit("HTTP %d for %s: %r" % (r.status, path, body))
    return body


def pct(sorted_ms, p):
    idx = min(len(sorted_ms) - 1, max(0, int(round(p / 100.0 * len(sorted_ms) + 0.5)) - 1))
    return sorted_ms[idx]


def measure(build, flush, count, run):
    a, a_port = start_tracker(build, flush)
    b, b_port = start_tracker(build, flush)
    try:
        ca = http.client.HTTPConnection("127.0.0.1", a_port, timeout=TIMEOUT_S)
        cb = http.client.HTTPConnection("127.0.0.1", b_port, timeout=TIMEOUT_S)
        lat, lost, scrapes = [], 0, 0
        for i in range(count):
            h = urllib.parse.quote_from_bytes(info_hash(run, i))
            peer = "-AS0001-%012d" % i
            t0 = time.monotonic()
            get(ca, "/announce?info_hash=%s&peer_id=%s&port=%d&uploaded=0&downloaded=0&left=100"
                "&compact=1" % (h, peer, 7000 + i % 1000))
            seen = False
            while time.monotonic() - t0 < TIMEOUT_S:
                body = get(cb, "/scrape?info_hash=" + h)
                scrapes += 1
                if b"10:incompletei1e" in body:
                    seen = True
                    break
            if seen:
                lat.append((time.monotonic() - t0) * 1000.0)
            else:
                lost += 1
        lat.sort()
        return {
            "flush": flush, "count": count, "seen": len(lat), "lost": lost,
            "p50": pct(lat, 50) if lat else float("nan"),
            "p99": pct(lat, 99) if lat else float("nan"),
            "max": lat[-1] if lat else float("nan"),
            "scrapes": scrapes,
        }
    finally:
        for p in (a, b):
            p.kill()
            p.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--count", type=int, default=0,
                    help="announces per flush delay (default 30 for >= 1s, 200 below)")
    ap.add_argument("--flush", default="1s,50ms")
    args = ap.parse_args()
    enter_netns()
    print("| flush delay | announces | seen on B | p50 | p99 | max |")
    print("|---|---|---|---|---|---|")
    for run, flush in enumerate(args.flush.split(",")):
        count = args.count or (30 if flush.endswith("s") and not flush.endswith("ms") else 200)
        r = measure(args.build, flush, min(count, 1000), run)
        print("| %s | %d | %d (%d lost) | %.1f ms | %.1f ms | %.1f ms |" %
              (r["flush"], r["count"], r["seen"], r["lost"], r["p50"], r["p99"], r["max"]),
              flush=True)


if __name__ == "__main__":
    main()
