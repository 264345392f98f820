#include "tracker/core/zone_select.hpp"

#include <algorithm>

namespace aciswarm::tracker {
namespace {

// Appends peers of the requested families until `want`, skipping the requester.
class Emitter {
  public:
    Emitter(const ZoneSelectInput& in, PeerListBuffer& out) : in_(in), out_(out) {}

    bool full() const { return out_.n4 + out_.n6 >= std::min(in_.want, kMaxPeersLimit); }
    void emit(const PeerEndpoint& peer) {
        if (full() || peer == in_.requester) return;
        const auto families = static_cast<std::uint8_t>(in_.families);
        if (peer.is_v4() && (families & 1)) {
            peer.write_compact(out_.v4 + out_.n4++ * PeerEndpoint::compact_v4_size);
        } else if (peer.is_v6() && (families & 2)) {
            peer.write_compact(out_.v6 + out_.n6++ * PeerEndpoint::compact_v6_size);
        }
    }

  private:
    const ZoneSelectInput& in_;
    PeerListBuffer& out_;
};

bool contains(std::span<const PeerEndpoint> peers, const PeerEndpoint& peer) {
    return std::find(peers.begin(), peers.end(), peer) != peers.end();
}

// Peers of the swarm outside the requester's zone that are not leaders (the leaders
// were listed already): seeders (the everseed, zone-blind seeds, other zones' seeds)
// or, with `seeders` false, the downloading ones (other zones' members and zone-blind
// peers: a leader downloads from anybody, and they hold what the origin sent their
// zone). Walks from `start` so that a big swarm's announces spread over its peers.
template <class List>
void emit_outside(const List& list, const zones::SwarmZones& zones, const zones::ZoneName& own,
                  bool seeders, std::size_t start, Emitter& e) {
    const std::size_t n = list.size();
    for (std::size_t k = 0; k < n && !e.full(); ++k) {
        const auto& rec = list[(start + k) % n];
        if (((rec.flags & peer_flag::seeder) != 0) != seeders) continue;
        if (rec.flags & peer_flag::unlisted) continue;
        const auto peer = PeerEndpoint::from_compact(std::span(rec.key.data(), rec.key.size()));
        if (!peer) continue;
        const zones::MemberInfo* member = zones.find(*peer);
        if (member != nullptr &&
            (member->zone == own || contains(zones.leaders(member->zone), *peer))) {
            continue;
        }
        e.emit(*peer);
    }
}

}  // namespace

void select_zone_peers(const Swarm& swarm, const ZoneSelectInput& in, PeerListBuffer& out,
                       FastRng& rng) {
    out.n4 = 0;
    out.n6 = 0;
    if (in.want == 0 || !swarm.zones) return;
    const zones::SwarmZones& zones = *swarm.zones;
    Emitter e(in, out);
    const auto own_leaders = zones.leaders(in.zone);
    for (const PeerEndpoint& leader : own_leaders)
        e.emit(leader);
    const bool leader = in.role == zones::Role::leader;
    if (leader) {
        zones.for_each_zone([&](const zones::ZoneName& zone, auto, auto leaders) {
            if (zone == in.zone) return;
            for (const PeerEndpoint& other : leaders)
                e.emit(other);
        });
    }
    const auto members = zones.members(in.zone);
    const auto n = static_cast<std::uint32_t>(members.size());
    const std::uint32_t start = n != 0 ? rng.below(n) : 0;
    for (std::uint32_t k = 0; k < n && !e.full(); ++k) {
        const PeerEndpoint& member = members[(start + k) % n];
        if (!contains(own_leaders, member)) e.emit(member);
    }
    if (!leader) return;
    emit_outside(swarm.v4, zones, in.zone, true, 0, e);
    emit_outside(swarm.v6, zones, in.zone, true, 0, e);
    const auto below = [&](std::size_t size) {
        return size != 0 ? rng.below(static_cast<std::uint32_t>(size)) : 0;
    };
    emit_outside(swarm.v4, zones, in.zone, false, below(swarm.v4.size()), e);
    emit_outside(swarm.v6, zones, in.zone, false, below(swarm.v6.size()), e);
}

}  // namespace aciswarm::tracker
