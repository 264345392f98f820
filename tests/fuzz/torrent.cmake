# .torrent and magnet parsing (torrent/torrent_file.hpp) through libtorrent.
aciswarm_fuzz(fuzz_parse_torrent ${CMAKE_CURRENT_LIST_DIR}/parse_torrent_fuzz.cpp aciswarm_torrent)
