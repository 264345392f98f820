// The agent's side of zone-aware swarms (docs/zones.md, "Agent"): what a node tells
// the tracker in every HTTP announce (zone=, leader=, up=, down=), so the tracker places
// it in its zone and elects leaders. A node that names a zone and does not stand for
// election is a follower. The engine turns off PEX, the DHT and local service discovery
// for the torrents of every zone-aware node (candidates too), so its peers come from the
// tracker, which lists only its zone's peers and leaders to a follower. UDP trackers stay
// zone-blind (the URL is unchanged).
//
// Pure: no I/O, no state.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace aciswarm::engine {

struct ZoneSettings {
    std::string zone;  // "": no zone= key (the tracker's CIDRs may still place the node)
    bool leader_candidate = false;
    std::uint64_t upload_capacity = 0;  // bytes/s announced as up=; 0: not sent
    std::uint64_t download_capacity = 0;
    // A follower uses the web seed only when no leader of its zone made progress for
    // this long (--leader-timeout; 0: the web seed gate alone, as any node).
    std::chrono::milliseconds leader_timeout{10000};

    // Whether announces carry zone keys at all.
    bool aware() const { return !zone.empty() || leader_candidate; }
    // A node of a zone that does not stand for election.
    bool follower() const { return !zone.empty() && !leader_candidate; }
    friend bool operator==(const ZoneSettings&, const ZoneSettings&) = default;
};

// 1 to 32 of A-Z a-z 0-9 . _ - (the tracker's rule); errors name `option`.
Status check_zone_name(std::string_view name, std::string_view option);

// `tracker_url` with the zone keys appended ('?' or '&'); http:// and https:// only.
std::string with_zone_keys(std::string_view tracker_url, const ZoneSettings& zone);

}  // namespace aciswarm::engine
