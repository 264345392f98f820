#!/usr/bin/python3
# A python3-libtorrent seeder for aciswarm's fetch tests: a peer that is not us.
#   lt_seeder.py TORRENT DIR [--connect ADDR:PORT]
# Prints "listening bittorrent 127.0.0.1:PORT" once bound, "seeding" once the
# data checked complete, "connected ADDR:PORT" when asked to connect. Exits on
# SIGTERM, on stdin EOF is not watched, and after at most 120 s.
import sys
import time

import libtorrent as lt


def main():
    torrent, save_path = sys.argv[1], sys.argv[2]
    connect = None
    if len(sys.argv) > 4 and sys.argv[3] == "--connect":
        host, port = sys.argv[4].rsplit(":", 1)
        connect = (host, int(port))
    ses = lt.session({
        "listen_interfaces": "127.0.0.1:0",
        "enable_dht": False,
        "enable_lsd": False,
        "enable_upnp": False,
        "enable_natpmp": False,
        "allow_multiple_connections_per_ip": True,
        "alert_mask": lt.alert.category_t.all_categories,
    })
    params = lt.add_torrent_params()
    params.ti = lt.torrent_info(torrent)
    params.save_path = save_path
    handle = ses.add_torrent(params)
    deadline = time.monotonic() + 120
    listening = seeding = False
    while time.monotonic() < deadline:
        ses.wait_for_alert(500)
        for a in ses.pop_alerts():
            if isinstance(a, lt.listen_succeeded_alert) and not listening:
                if a.socket_type == lt.socket_type_t.tcp:
                    listening = True
                    print(f"listening bittorrent 127.0.0.1:{a.port}", file=sys.stderr, flush=True)
        st = handle.status()
        if not seeding and st.is_seeding:
            seeding = True
            print("seeding", file=sys.stderr, flush=True)
            if connect:
                handle.connect_peer(connect)
                print(f"connected {connect[0]}:{connect[1]}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
