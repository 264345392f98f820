#!/usr/bin/python3
"""python3-libtorrent as the other side of an interop test, on loopback only.

  lt_peer.py download TORRENT SAVE_DIR PEER_PORT   download from 127.0.0.1:PEER_PORT,
                                                   print "finished", exit 0 (1 on timeout)
  lt_peer.py seed TORRENT CONTENT_DIR              seed; print "listening bittorrent
                                                   127.0.0.1:PORT" and "seeding"; run until
                                                   SIGTERM
No sleeps: waits on libtorrent alerts with a deadline.
"""
import os
import signal
import sys
import time

import libtorrent as lt

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../support"))
from lt_loopback import loopback_session  # noqa: E402


def session():
    return loopback_session()


def wait_for(ses, pred, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ses.wait_for_alert(int(max(1, (deadline - time.monotonic()) * 1000)))
        for a in ses.pop_alerts():
            if pred(a):
                return a
    return None


def main():
    mode, torrent, path = sys.argv[1], sys.argv[2], sys.argv[3]
    ses = session()
    if not wait_for(ses, lambda a: isinstance(a, lt.listen_succeeded_alert), 10):
        print("listen failed", file=sys.stderr)
        return 1
    ti = lt.torrent_info(torrent)
    params = lt.add_torrent_params()
    params.ti = ti
    params.save_path = path
    if mode == "download":
        h = ses.add_torrent(params)
        h.connect_peer(("127.0.0.1", int(sys.argv[4])))
        if h.status().is_finished:
            print("finished", flush=True)
            return 0
        if wait_for(ses, lambda a: isinstance(a, lt.torrent_finished_alert), 30):
            print("finished", flush=True)
            return 0
        print("timed out", file=sys.stderr)
        return 1
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    h = ses.add_torrent(params)
    print("listening bittorrent 127.0.0.1:%d" % ses.listen_port(), file=sys.stderr, flush=True)
    if not h.status().is_seeding:
        if not wait_for(ses, lambda a: isinstance(a, lt.torrent_finished_alert) or
                        (isinstance(a, lt.torrent_checked_alert)), 30) or not h.status().is_seeding:
            print("not seeding: content incomplete", file=sys.stderr, flush=True)
            return 1
    print("seeding", file=sys.stderr, flush=True)
    signal.sigwait({signal.SIGTERM, signal.SIGINT})  # until the test stops us
    return 0


if __name__ == "__main__":
    sys.exit(main())
