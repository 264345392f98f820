#!/usr/bin/python3
"""Seeds one torrent with python3-libtorrent on 127.0.0.1 until SIGTERM (or 120 s).
Prints "tracker reply N peers" after each successful announce, so the test can
wait for the tracker to know the seeder (no sleeps).
usage: /usr/bin/python3 seed.py TORRENT SAVE_PATH"""
import os
import sys
import time

import libtorrent as lt

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../support"))
from lt_loopback import loopback_session  # noqa: E402

torrent, save_path = sys.argv[1], sys.argv[2]
# loopback_session keeps duplicate connections: aria2 on the same address may
# connect in while we connect out to it (after a re-announce), and each side
# could otherwise drop a different one.
ses = loopback_session({
    "alert_mask": lt.alert.category_t.all_categories,
    "announce_to_all_trackers": True,
})
params = lt.add_torrent_params()
params.ti = lt.torrent_info(torrent)
params.save_path = save_path
params.flags |= lt.torrent_flags.seed_mode
handle = ses.add_torrent(params)

deadline = time.monotonic() + 120
while time.monotonic() < deadline:
    ses.wait_for_alert(200)
    for a in ses.pop_alerts():
        if isinstance(a, lt.tracker_reply_alert):
            print(f"tracker reply {a.num_peers} peers", flush=True)
        elif isinstance(a, (lt.tracker_error_alert, lt.tracker_warning_alert)):
            print(f"tracker problem: {a.message()}", flush=True)
        elif isinstance(a, (lt.peer_disconnected_alert, lt.peer_error_alert)):
            # A test that fails shows why a peer went away.
            print(f"peer gone: {a.message()}", flush=True)
        elif isinstance(a, lt.listen_succeeded_alert):
            print(f"listening {a.address}:{a.port}", flush=True)
