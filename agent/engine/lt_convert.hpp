// Conversions between libtorrent types and project types. Private to agent/engine/.
#pragma once

#include <libtorrent/address.hpp>
#include <libtorrent/info_hash.hpp>
#include <libtorrent/socket.hpp>

#include "common/info_hash.hpp"
#include "common/peer_endpoint.hpp"

namespace aciswarm::engine::detail {

InfoHashes from_lt(const lt::info_hash_t& hashes);
lt::info_hash_t to_lt(const InfoHashes& hashes);
PeerEndpoint from_lt(const lt::tcp::endpoint& endpoint);
lt::tcp::endpoint to_lt(const PeerEndpoint& endpoint);

}  // namespace aciswarm::engine::detail
