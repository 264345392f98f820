#!/usr/bin/python3
"""Writes N tiny v1 .torrent files (distinct info hashes) into DIR with
python3-libtorrent and prints their info hashes, 40 hex digits per line.
usage: /usr/bin/python3 bench/make_torrents.py DIR N"""
import hashlib
import os
import sys

import libtorrent as lt

out_dir, count = sys.argv[1], int(sys.argv[2])
os.makedirs(out_dir, exist_ok=True)
for i in range(count):
    fs = lt.file_storage()
    fs.add_file(f"bench-{i}.bin", 16384)
    ct = lt.create_torrent(fs, 16384, flags=lt.create_torrent.v1_only)
    ct.set_hash(0, hashlib.sha1(f"bench payload {i}".encode() * 100).digest())
    data = lt.bencode(ct.generate())
    with open(os.path.join(out_dir, f"bench-{i}.torrent"), "wb") as f:
        f.write(data)
    print(str(lt.torrent_info(data).info_hashes().v1))
