# A python3-libtorrent peer that holds only part of an image: it checks the
# file in SAVE_PATH against the torrent, prints "listening tcp 127.0.0.1:PORT
# pieces HAVE/TOTAL" and serves what it has until killed.
# usage: /usr/bin/python3 partial_seed.py TORRENT SAVE_PATH
import os
import sys

import libtorrent as lt

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../support"))
from lt_loopback import loopback_session  # noqa: E402

ti = lt.torrent_info(sys.argv[1])
session = loopback_session()
handle = session.add_torrent({"ti": ti, "save_path": sys.argv[2]})
checked = False
while not checked:
    session.wait_for_alert(1000)
    for alert in session.pop_alerts():
        if isinstance(alert, lt.torrent_checked_alert):
            checked = True
status = handle.status()
print(f"listening tcp 127.0.0.1:{session.listen_port()} pieces {status.num_pieces}/{ti.num_pieces()}",
      file=sys.stderr, flush=True)
while True:
    session.wait_for_alert(1000)
    session.pop_alerts()
