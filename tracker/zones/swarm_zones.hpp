// One torrent's zones: which zone each zone-placed peer is in, the candidates, and
// the leaders elected per zone (docs/zones.md). A Swarm (tracker/peers) holds one only
// when some peer of it has a zone; swarms without zones carry a null pointer and cost
// nothing more.
//
// Members are the swarm's peers with a zone (from --zone/--zones CIDRs, or announced
// when no CIDR is configured). A member is "aware" when its announce carried zone
// keys (zone=, leader=); only aware members get zone replies, and only aware members
// that announced leader=candidate stand for election. Roles:
//   leader   an aware member elected in its zone;
//   follower an aware member of a zone that has leaders;
//   none     everything else, including every peer of a zone without candidates:
//            such a zone behaves as today (plain BitTorrent), so it never stalls
//            waiting for a leader that nobody offered to be.
//
// Elections (election.hpp) run per zone when its candidate set changes: a candidate
// joins, leaves (stopped, expired, moved zone, stops being a candidate) or changes
// capacity class, or --leaders-per-zone changes. Each returns how many zones' leader
// sets changed (the tracker's elections counter).
//
// Time: `now`/`cutoff` are the peer store's seconds (PeerStore::now_seconds, from the
// injected clock). Thread-safety: owned by its Swarm and used under that swarm's shard
// lock. Nothing survives kill -9: members come back with the next announces.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <vector>

#include "common/peer_endpoint.hpp"
#include "tracker/zones/election.hpp"
#include "tracker/zones/zone_map.hpp"

namespace aciswarm::tracker::zones {

enum class Role : std::uint8_t { none, follower, leader };
const char* role_name(Role role);

struct MemberInfo {
    ZoneName zone;  // "" removes the peer from every zone
    bool aware = false;
    bool candidate = false;
    Capacity capacity;
    friend bool operator==(const MemberInfo&, const MemberInfo&) = default;
};

class SwarmZones {
  public:
    // Records the peer's announce; `seats` is --leaders-per-zone (a change re-elects
    // every zone). Each call returns the number of zones whose leaders changed.
    std::uint32_t update(const PeerEndpoint& peer, const MemberInfo& info, std::uint32_t now,
                         std::size_t seats);
    std::uint32_t remove(const PeerEndpoint& peer);
    // Drops members last seen before `cutoff`.
    std::uint32_t expire(std::uint32_t cutoff);
    // The peer was seen (a livesync record without zone data): keeps it from expiring.
    void touch(const PeerEndpoint& peer, std::uint32_t now);

    Role role_of(const PeerEndpoint& peer) const;
    // Null when the peer has no zone here.
    const MemberInfo* find(const PeerEndpoint& peer) const;
    // Best first; empty for an unknown zone.
    std::span<const PeerEndpoint> leaders(const ZoneName& zone) const;
    // Every member of the zone (the leaders among them), in join order.
    std::span<const PeerEndpoint> members(const ZoneName& zone) const;
    // f(zone, members, leaders) for every zone, by name.
    template <class F>
    void for_each_zone(F&& f) const {
        for (const auto& [zone, group] : groups_)
            f(zone, std::span<const PeerEndpoint>(group.members),
              std::span<const PeerEndpoint>(group.leaders));
    }

    bool empty() const { return members_.empty(); }
    std::size_t zone_count() const { return groups_.size(); }
    std::size_t leader_count() const { return leader_count_; }

  private:
    struct Member {
        MemberInfo info;
        std::uint32_t last_seen = 0;
    };
    struct Group {
        std::vector<PeerEndpoint> members;
        std::vector<PeerEndpoint> leaders;
    };
    // Re-runs the zone's election; 1 when its leaders changed. Erases an empty group.
    std::uint32_t reelect(const ZoneName& zone);
    std::uint32_t reelect_all();
    // Takes the peer out of its group (not out of members_).
    void leave_group(const PeerEndpoint& peer, const ZoneName& zone);
    std::uint32_t set_seats(std::size_t seats);

    std::map<PeerEndpoint, Member> members_;
    std::map<ZoneName, Group> groups_;
    std::size_t seats_ = 1;
    std::size_t leader_count_ = 0;
};

}  // namespace aciswarm::tracker::zones
