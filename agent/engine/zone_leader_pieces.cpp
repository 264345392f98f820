#include "agent/engine/zone_leader_pieces.hpp"

#include <cstddef>

namespace aciswarm::engine {

LeaderPiecePlan plan_leader_pieces(const std::vector<bool>& leader_has,
                                   const std::vector<std::vector<bool>>& zone_peers_have) {
    LeaderPiecePlan plan;
    if (zone_peers_have.empty()) return plan;
    const std::size_t peers = zone_peers_have.size();
    plan.priorities.assign(leader_has.size(), kLeaderDefaultPriority);
    for (std::size_t piece = 0; piece < leader_has.size(); ++piece) {
        if (leader_has[piece]) continue;
        std::size_t holders = 0;
        for (const std::vector<bool>& peer : zone_peers_have)
            holders += piece < peer.size() && peer[piece] ? 1 : 0;
        if (holders == 0) {
            plan.priorities[piece] = kLeaderTopPriority;
            ++plan.only_the_leader;
            continue;
        }
        // holders >= 1, so lacking < peers and the grade stays below the maximum + 1.
        const std::size_t lacking = peers - holders;
        plan.priorities[piece] =
            static_cast<std::uint8_t>(1 + lacking * kLeaderHeldInZoneMax / peers);
        ++plan.held_in_zone;
    }
    return plan;
}

}  // namespace aciswarm::engine
