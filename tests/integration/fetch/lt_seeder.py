#!/usr/bin/python3
# A python3-libtorrent seeder for aciswarm's fetch tests: a peer that is not us.
#   lt_seeder.py TORRENT DIR [--connect ADDR:PORT] [--max-seconds N]
# Checks the data, then seeds. Prints "listening bittorrent 127.0.0.1:PORT" once bound,
# "seeding" once seeding, "connected ADDR:PORT" when asked to connect. Exits on
# SIGTERM, or after --max-seconds (default 120).
# With --connect it asks again every 2 s while it has no peer: one connection attempt
# can be lost (a uTP SYN dropped on a loaded machine) and a test must not hang on it.
import os
import sys
import time

import libtorrent as lt

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../support"))
from lt_loopback import loopback_session  # noqa: E402


def main():
    torrent, save_path = sys.argv[1], sys.argv[2]
    connect = None
    max_seconds = 120
    rest = sys.argv[3:]
    while len(rest) >= 2:
        if rest[0] == "--connect":
            host, port = rest[1].rsplit(":", 1)
            connect = (host, int(port))
        elif rest[0] == "--max-seconds":
            max_seconds = int(rest[1])
        rest = rest[2:]
    ses = loopback_session({
        # TCP only: over loopback uTP adds nothing but a second, lossier path.
        "enable_outgoing_utp": False,
        "enable_incoming_utp": False,
    })
    params = lt.add_torrent_params()
    params.ti = lt.torrent_info(torrent)
    params.save_path = save_path
    handle = ses.add_torrent(params)
    deadline = time.monotonic() + max_seconds
    listening = seeding = False
    last_connect = None
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
        if seeding and connect and st.num_peers == 0:
            now = time.monotonic()
            if last_connect is None or now - last_connect >= 2:
                handle.connect_peer(connect)
                if last_connect is None:
                    print(f"connected {connect[0]}:{connect[1]}", file=sys.stderr, flush=True)
                else:
                    print(f"connecting again to {connect[0]}:{connect[1]}", file=sys.stderr, flush=True)
                last_connect = now


if __name__ == "__main__":
    main()
