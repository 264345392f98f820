// Conversions between libtorrent types and project types. For torrent/ and agent/engine/
// only (the code allowed to include libtorrent).
#pragma once

#include <libtorrent/address.hpp>
#include <libtorrent/file_storage.hpp>
#include <libtorrent/info_hash.hpp>
#include <libtorrent/socket.hpp>

#include "common/info_hash.hpp"
#include "common/peer_endpoint.hpp"

namespace aciswarm::torrent::detail {

InfoHashes from_lt(const lt::info_hash_t& hashes);
lt::info_hash_t to_lt(const InfoHashes& hashes);
PeerEndpoint from_lt(const lt::tcp::endpoint& endpoint);
lt::tcp::endpoint to_lt(const PeerEndpoint& endpoint);

// The files a torrent delivers, without pad files (BEP 47): libtorrent gives a
// v2 torrent's last file a tail pad file up to the piece boundary, so a
// single-file v2 torrent lists two files and a total size rounded up.
struct ContentFiles {
    int count = 0;
    std::int64_t bytes = 0;
};
ContentFiles content_files(const lt::file_storage& files);

}  // namespace aciswarm::torrent::detail
