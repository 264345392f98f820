"""Drives the tracker's web pages the way an operator sees them: real swarms made of
python3-libtorrent peers (a seed and leechers on loopback), and headless Chromium
controlled over the DevTools protocol on a pipe (--remote-debugging-pipe: fd 3 in,
fd 4 out, NUL-terminated JSON), so no WebSocket library is needed.

usage: browser_swarm.py TRACKER_BASE TORRENT IMAGE_DIR WORK_DIR HASH SCREENSHOT.png

Prints one "ok ..." line per check and exits 0, or prints "FAIL ..." and exits 1.
Every wait is a poll with a deadline; nothing sleeps to synchronise.
"""
import base64
import fcntl
import json
import os
import subprocess
import sys
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../support"))
import libtorrent as lt  # noqa: E402
from lt_loopback import loopback_session  # noqa: E402

base, torrent, image_dir, work, info_hash, screenshot = sys.argv[1:7]


def fail(msg):
    print("FAIL " + msg, flush=True)
    sys.exit(1)


def poll(what, check, seconds=30, tick=None):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        if tick:
            tick()
        time.sleep(0.2)  # poll interval, not a synchronisation
    fail("timed out waiting for " + what)


def swarm_completed():
    with urllib.request.urlopen(base + "/web/swarms.json", timeout=5) as r:
        rows = json.load(r)["swarms"]
    return {row["info_hash"]: row["completed"] for row in rows}.get(info_hash, -1)


def add_peer(session, save_path):
    atp = lt.add_torrent_params()
    atp.ti = lt.torrent_info(torrent)
    atp.save_path = save_path
    atp.trackers = [base + "/announce"]
    return session.add_torrent(atp)


seed_session = loopback_session()
seed = add_peer(seed_session, image_dir)
seed.force_recheck()
leechers = []


def add_leecher():
    session = loopback_session()
    path = os.path.join(work, "leecher%d" % len(leechers))
    os.makedirs(path, exist_ok=True)
    leechers.append((session, add_peer(session, path)))


def reannounce():
    for _, handle in leechers:
        handle.force_reannounce()
    seed.force_reannounce()


add_leecher()
poll("the first leecher's completion at the tracker", lambda: swarm_completed() == 1, 60, reannounce)
print("ok a real swarm: one leecher completed", flush=True)


class DevTools:
    def __init__(self):
        to_chrome, self.w = os.pipe()
        self.r, from_chrome = os.pipe()
        # The child needs them as fds 3 and 4: move them above 4 first, so the dup2
        # calls in the child cannot overwrite one with the other.
        r_to_chrome = fcntl.fcntl(to_chrome, fcntl.F_DUPFD, 10)
        w_from_chrome = fcntl.fcntl(from_chrome, fcntl.F_DUPFD, 10)
        os.close(to_chrome)
        os.close(from_chrome)
        args = ["chromium", "--headless", "--no-sandbox", "--disable-gpu",
                "--remote-debugging-pipe", "--window-size=1280,800",
                "--user-data-dir=" + os.path.join(work, "chromium"), "about:blank"]

        def fds():
            os.dup2(r_to_chrome, 3)
            os.dup2(w_from_chrome, 4)
        self.proc = subprocess.Popen(args, preexec_fn=fds, pass_fds=(3, 4),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(r_to_chrome)
        os.close(w_from_chrome)
        self.next_id = 0
        self.buffer = b""

    def call(self, method, params=None, session=None):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.w, json.dumps(msg).encode() + b"\0")
        while True:
            while b"\0" not in self.buffer:
                chunk = os.read(self.r, 65536)
                if not chunk:
                    fail("chromium closed the DevTools pipe")
                self.buffer += chunk
            raw, self.buffer = self.buffer.split(b"\0", 1)
            reply = json.loads(raw)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    fail("%s: %s" % (method, reply["error"]))
                return reply.get("result", {})

    def close(self):
        self.proc.kill()
        self.proc.wait()


browser = DevTools()
target = browser.call("Target.createTarget", {"url": base + "/"})["targetId"]
session = browser.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]


def evaluate(expression):
    result = browser.call("Runtime.evaluate", {"expression": expression, "returnByValue": True},
                          session)
    return result.get("result", {}).get("value")


cell = "(document.querySelector('#swarm-%s [data-field=completed]')||{}).textContent" % info_hash
poll("the swarms page", lambda: evaluate("document.readyState") == "complete" and evaluate(cell))
if evaluate(cell) != "1":
    fail("completed cell reads %r, want '1'" % evaluate(cell))
print("ok the page shows completed 1 for %s" % info_hash, flush=True)
names = evaluate("[...document.querySelectorAll('[data-field=name]')].map(e => e.textContent)")
scripts = evaluate("document.scripts.length")
print("ok names " + json.dumps(names) + " scripts %d" % scripts, flush=True)
evaluate("window.aciswarmMarker = 'no reload'")
add_leecher()
poll("the second leecher's completion at the tracker", lambda: swarm_completed() == 2, 60,
     reannounce)
poll("the page's own poll to show completed 2", lambda: evaluate(cell) == "2", 20)
if evaluate("window.aciswarmMarker") != "no reload":
    fail("the page was reloaded")
print("ok completed changed to 2 without a reload", flush=True)

def zone_announce(port, zone, up):
    query = urllib.parse.urlencode({"info_hash": bytes.fromhex(info_hash),
                                    "peer_id": "-ZN0001-00000000%04d" % port, "port": port,
                                    "uploaded": 0, "downloaded": 0, "left": 100, "compact": 1,
                                    "zone": zone, "leader": "candidate", "up": up})
    with urllib.request.urlopen(base + "/announce?" + query, timeout=5) as r:
        return r.read()


# A better leader candidate for rack-a (the test announced rack-a and rack-b before):
# the election moves rack-a's lead to it and the page's poll shows it.
leaders = "(document.querySelector('#swarm-%s [data-field=leaders]')||{}).textContent" % info_hash
if not (evaluate(leaders) or "").startswith("rack-a: 127.0.0.1:7001"):
    fail("leaders cell reads %r, want rack-a led by 127.0.0.1:7001" % evaluate(leaders))
if b"4:role6:leader" not in zone_announce(7004, "rack-a", 90000000):
    fail("the better candidate was not elected")
poll("the page's own poll to show rack-a's new leader",
     lambda: (evaluate(leaders) or "").startswith("rack-a: 127.0.0.1:7004"), 20)
if evaluate("window.aciswarmMarker") != "no reload":
    fail("the page was reloaded")
print("ok rack-a's leader changed without a reload", flush=True)
shot = browser.call("Page.captureScreenshot", {"format": "png"}, session)
with open(screenshot, "wb") as f:
    f.write(base64.b64decode(shot["data"]))
print("ok screenshot " + screenshot, flush=True)

# The swarm's own page follows zones too: a leader of a new zone rack-c appears in the
# peers table with its zone and role, and in the zones table, without a reload.
browser.call("Page.navigate", {"url": base + "/torrent/" + info_hash}, session)
poll("the swarm's page", lambda: evaluate("document.body && document.body.dataset.page") == "torrent"
     and evaluate("document.readyState") == "complete")
evaluate("window.aciswarmMarker = 'no reload'")
if b"4:role6:leader" not in zone_announce(7005, "rack-c", 1000):
    fail("rack-c's candidate was not elected")
peer_role = ("[...document.querySelectorAll('#peers tbody tr')].filter(r => "
             "r.querySelector('[data-field=port]').textContent === '7005').map(r => "
             "r.querySelector('[data-field=zone]').textContent + ' ' + "
             "r.querySelector('[data-field=role]').textContent).join()")
poll("the swarm page's poll to show 127.0.0.1:7005 leading rack-c",
     lambda: evaluate(peer_role) == "rack-c leader", 20)
zone_row = ("[...document.querySelectorAll('#zones tbody tr')].map(r => "
            "[...r.cells].map(c => c.textContent).join('|')).join(';')")
if "rack-c|1|127.0.0.1:7005" not in (evaluate(zone_row) or ""):
    fail("zones table reads %r" % evaluate(zone_row))
if evaluate("window.aciswarmMarker") != "no reload":
    fail("the swarm's page was reloaded")
print("ok the swarm's page shows rack-c's leader without a reload", flush=True)
browser.close()
