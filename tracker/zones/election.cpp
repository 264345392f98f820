#include "tracker/zones/election.hpp"

#include <algorithm>
#include <array>
#include <bit>

namespace aciswarm::tracker::zones {

std::uint32_t capacity_class(std::uint64_t bytes_per_second) {
    if (bytes_per_second == 0) return 0;
    const auto msb = static_cast<std::uint32_t>(63 - std::countl_zero(bytes_per_second));
    // The two bits below the top one split each doubling into four.
    const std::uint32_t quarter =
        msb >= 2 ? static_cast<std::uint32_t>((bytes_per_second >> (msb - 2)) & 3)
                 : static_cast<std::uint32_t>((bytes_per_second << (2 - msb)) & 3);
    return 1 + msb * 4 + quarter;
}

namespace {

// The candidate's id: compact form, IPv4 (6 bytes) ordered before IPv6 (18 bytes).
std::array<std::uint8_t, 1 + PeerEndpoint::compact_v6_size> id_of(const PeerEndpoint& peer) {
    std::array<std::uint8_t, 1 + PeerEndpoint::compact_v6_size> id{};
    id[0] = peer.is_v6() ? 1 : 0;
    peer.write_compact(id.data() + 1);
    return id;
}

}  // namespace

bool ranks_before(const Candidate& a, const Candidate& b) {
    const std::uint32_t up_a = capacity_class(a.capacity.up);
    const std::uint32_t up_b = capacity_class(b.capacity.up);
    if (up_a != up_b) return up_a > up_b;
    const std::uint32_t down_a = capacity_class(a.capacity.down);
    const std::uint32_t down_b = capacity_class(b.capacity.down);
    if (down_a != down_b) return down_a > down_b;
    return id_of(a.peer) < id_of(b.peer);
}

std::vector<PeerEndpoint> elect(std::vector<Candidate> candidates, std::size_t seats) {
    seats = std::min(seats, candidates.size());
    std::partial_sort(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(seats),
                      candidates.end(), ranks_before);
    std::vector<PeerEndpoint> leaders;
    leaders.reserve(seats);
    for (std::size_t i = 0; i < seats; ++i)
        leaders.push_back(candidates[i].peer);
    return leaders;
}

}  // namespace aciswarm::tracker::zones
