// Peer lists for zone-aware requesters with a role (docs/zones.md, "Replies"):
//   follower: its zone's leaders first, then the other members of its zone;
//   leader:   its zone's other leaders, every other zone's leaders, the members of its
//             zone, then seeders outside its zone (the registry's everseed, zone-blind
//             seeds, other zones' seeds).
// Leaders come first so that a short numwant never leaves them out. Members are taken
// from a random start, so a big zone's announces spread over its members. The --mode
// rules (docs/tracker-modes.md) do not apply to these lists.
// Pure function of (swarm, input, rng); called with the swarm's shard locked.
#pragma once

#include <cstdint>

#include "tracker/core/modes.hpp"
#include "tracker/zones/swarm_zones.hpp"

namespace aciswarm::tracker {

struct ZoneSelectInput {
    zones::ZoneName zone;
    zones::Role role = zones::Role::follower;  // follower or leader
    std::uint32_t want = 50;                   // already capped by --maxpeers
    Families families = Families::both;
    PeerEndpoint requester;  // never listed to itself
};

// Fills out (n4/n6 reset first). swarm.zones must be set.
void select_zone_peers(const Swarm& swarm, const ZoneSelectInput& in, PeerListBuffer& out,
                       FastRng& rng);

}  // namespace aciswarm::tracker
