// A zone leader's piece priorities (docs/zones.md, "Leader piece priorities"): issue 17
// asks a leader to favour the pieces its followers are missing and asked for. In standard
// BitTorrent a follower can only request what its leader announced, so what they "ask
// for" is read from what they announce: the BITFIELDs and HAVEs of the leader's connected
// peers inside its zone (its followers, its zone's other leaders, zone-blind members).
//
// Among the pieces the leader lacks:
//   - nobody in the zone has it: only a leader can bring it in; top priority (7);
//   - some zone peer has it: the leader can take it inside its zone, so it comes after
//     those, graded by how many of the zone peers lack it (1 to 3: more lacking, higher).
// Pieces the leader has, and every piece when no zone peer is connected, keep the
// default (4). libtorrent's picker weighs a priority against the piece's availability
// among the leader's connections (rarest first within a priority), and asks each peer
// only for pieces it has, so an out-of-zone source is asked for the zone's missing
// pieces first and a zone peer for what it holds.
//
// Pure: no libtorrent, no clock, no I/O. Called on the engine's alert thread.
#pragma once

#include <cstdint>
#include <vector>

namespace aciswarm::engine {

// libtorrent's download_priority_t scale (0 would skip the piece; never used here).
inline constexpr std::uint8_t kLeaderTopPriority = 7;
inline constexpr std::uint8_t kLeaderDefaultPriority = 4;
inline constexpr std::uint8_t kLeaderHeldInZoneMax = 3;  // held in zone: 1..3

struct LeaderPiecePlan {
    std::vector<std::uint8_t> priorities;  // one per piece; empty: all default
    int only_the_leader = 0;               // lacking, nobody in the zone has it (top)
    int held_in_zone = 0;                  // lacking, some zone peer has it
    friend bool operator==(const LeaderPiecePlan&, const LeaderPiecePlan&) = default;
};

// leader_has: the leader's verified pieces. zone_peers_have: one bitfield per
// connected peer inside the leader's zone; a bitfield shorter than leader_has lacks
// the pieces past its end (a peer whose BITFIELD has not arrived lacks every piece).
LeaderPiecePlan plan_leader_pieces(const std::vector<bool>& leader_has,
                                   const std::vector<std::vector<bool>>& zone_peers_have);

}  // namespace aciswarm::engine
