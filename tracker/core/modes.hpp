// Peer-list selection for the three modes (docs/tracker-modes.md has the rules):
//   small: < 20 other peers -> all of them; else min(half the swarm, want) from the
//          swarm's rotating cursor, which then moves past the peers returned.
//   large: a uniform random sample of up to `want`; a seeder is not sent seeders.
//   surge: a leecher gets the seeders first, then leechers; a seeder gets leechers;
//          peers that completed here (flag unlisted) are never listed.
// Pure functions of (swarm, input, rng): no I/O, no allocation. Called with the
// swarm's shard locked.
#pragma once

#include <cstdint>

#include "tracker/core/types.hpp"
#include "tracker/peers/peer_store.hpp"

namespace aciswarm::tracker {

// xorshift64*: a fast per-thread generator for sampling (not for secrets).
class FastRng {
  public:
    explicit FastRng(std::uint64_t seed) : state_(seed ? seed : 0x9e3779b97f4a7c15ULL) {}
    std::uint64_t next() {
        state_ ^= state_ >> 12;
        state_ ^= state_ << 25;
        state_ ^= state_ >> 27;
        return state_ * 0x2545F4914F6CDD1DULL;
    }
    // Uniform-enough in [0, bound) for bound > 0.
    std::uint32_t below(std::uint32_t bound) {
        return static_cast<std::uint32_t>(((next() >> 32) * bound) >> 32);
    }

  private:
    std::uint64_t state_;
};

inline constexpr std::uint32_t kSmallSwarmAll = 20;  // small mode: below this, everyone

struct SelectInput {
    Mode mode = Mode::small;
    std::uint32_t want = 50;  // already capped by --maxpeers and kMaxPeersLimit
    Families families = Families::both;
    bool requester_seeding = false;
    PeerEndpoint requester;  // never listed to itself
};

// Fills out (n4/n6 reset first). May move swarm.cursor (small mode).
void select_peers(Swarm& swarm, const SelectInput& in, PeerListBuffer& out, FastRng& rng);

}  // namespace aciswarm::tracker
