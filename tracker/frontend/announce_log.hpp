// The verbose log line both frontends write per announce (-v): one format, so a
// log reader sees HTTP and UDP announces alike.
#pragma once

#include <string_view>

#include "common/log.hpp"
#include "tracker/core/types.hpp"

namespace aciswarm::tracker {

inline void log_announce(Logger& log, std::string_view protocol, const AnnounceRequest& request,
                         AnnounceStatus status, const PeerListBuffer& peers) {
    log.debug(protocol, " announce ", request.info_hash.hex(), " from ", request.peer.to_string(),
              " left=", request.left, " -> ", announce_status_message(status),
              " peers=", peers.n4 + peers.n6);
}

}  // namespace aciswarm::tracker
