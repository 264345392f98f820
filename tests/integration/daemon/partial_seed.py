# A python3-libtorrent peer that holds only part of an image: it checks the
# file in SAVE_PATH against the torrent, prints "listening tcp 127.0.0.1:PORT
# pieces HAVE/TOTAL" and serves what it has until killed.
# usage: /usr/bin/python3 partial_seed.py TORRENT SAVE_PATH
import sys

import libtorrent as lt

ti = lt.torrent_info(sys.argv[1])
session = lt.session({
    "listen_interfaces": "127.0.0.1:0",
    "enable_dht": False,
    "enable_lsd": False,
    "enable_upnp": False,
    "enable_natpmp": False,
    "allow_multiple_connections_per_ip": True,
    "alert_mask": lt.alert.category_t.status_notification | lt.alert.category_t.error_notification,
})
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
