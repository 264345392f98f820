// The verbose log line both frontends write per announce (-v): one format, so a
// log reader sees HTTP and UDP announces alike.
#pragma once

#include <string_view>

#include "common/log.hpp"
#include "tracker/core/types.hpp"

namespace aciswarm::tracker {

// A zone-aware announce (docs/zones.md) also says where the tracker placed the peer.
inline void log_announce(Logger& log, std::string_view protocol, const AnnounceRequest& request,
                         AnnounceStatus status, const PeerListBuffer& peers,
                         const ZoneReply* zone = nullptr) {
    const bool zoned = zone != nullptr && zone->present;
    log.debug(protocol, " announce ", request.info_hash.hex(), " from ", request.peer.to_string(),
              " left=", request.left, " -> ", announce_status_message(status),
              " peers=", peers.n4 + peers.n6, zoned ? " zone '" : "",
              zoned ? zone->zone.view() : "", zoned ? "' role " : "",
              zoned ? zones::role_name(zone->role) : "");
}

}  // namespace aciswarm::tracker
