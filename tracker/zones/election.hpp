// The leader election of a zone (docs/zones.md, "Election"), after cache_torrent's
// Election (its seed text: biggest upload capacity, then download capacity, then id).
//
// elect() is a pure function of the candidate set: no history, no arrival order, no
// clock. That is the decision that lets every tracker instance of a livesync cluster
// elect the same leaders from the same announces, whatever order they arrived in (an
// incumbent bonus or "beat by a margin" rule would depend on who came first, which
// differs between instances). Flapping is contained instead by comparing capacities in
// classes of about a fifth (capacity_class): measured rates that wobble by a few per
// cent stay in one class, and the tie-break is the peer's address, which does not
// change. The id of a candidate is its endpoint (address and port, compared as
// compact bytes): that is the peer's key in the tracker and in livesync records,
// whereas the BitTorrent peer_id is neither stored nor synced.
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/peer_endpoint.hpp"

namespace aciswarm::tracker::zones {

// --leaders-per-zone is capped here (and the reply's leader list with it).
inline constexpr std::size_t kMaxLeadersPerZone = 16;

// Bytes per second as the agent announced them (up=, down=); 0: unknown.
struct Capacity {
    std::uint64_t up = 0;
    std::uint64_t down = 0;
    friend bool operator==(const Capacity&, const Capacity&) = default;
};

struct Candidate {
    PeerEndpoint peer;
    Capacity capacity;
};

// Four classes per doubling (steps of 19% at most); 0 for 0. Monotonic in its input.
std::uint32_t capacity_class(std::uint64_t bytes_per_second);

// Whether a is a better leader than b: bigger upload class, then bigger download
// class, then the smaller endpoint (compact bytes; IPv4 before IPv6). A strict order.
bool ranks_before(const Candidate& a, const Candidate& b);

// The `seats` best candidates, best first (fewer when there are fewer candidates).
// The same set in any order gives the same result.
std::vector<PeerEndpoint> elect(std::vector<Candidate> candidates, std::size_t seats);

}  // namespace aciswarm::tracker::zones
