#include "tracker/zones/swarm_zones.hpp"

#include <algorithm>

namespace aciswarm::tracker::zones {

const char* role_name(Role role) {
    switch (role) {
        case Role::none:
            return "none";
        case Role::follower:
            return "follower";
        case Role::leader:
            return "leader";
    }
    return "?";
}

namespace {

bool same_class(const Capacity& a, const Capacity& b) {
    return capacity_class(a.up) == capacity_class(b.up) &&
           capacity_class(a.down) == capacity_class(b.down);
}

}  // namespace

std::uint32_t SwarmZones::set_seats(std::size_t seats) {
    seats = std::clamp<std::size_t>(seats, 1, kMaxLeadersPerZone);
    if (seats == seats_) return 0;
    seats_ = seats;
    return reelect_all();
}

std::uint32_t SwarmZones::update(const PeerEndpoint& peer, const MemberInfo& info,
                                 std::uint32_t now, std::size_t seats) {
    std::uint32_t changed = set_seats(seats);
    if (info.zone.empty()) return changed + remove(peer);
    auto it = members_.find(peer);
    if (it == members_.end()) {
        members_.emplace(peer, Member{info, now});
        groups_[info.zone].members.push_back(peer);
        return changed + (info.candidate ? reelect(info.zone) : 0);
    }
    const MemberInfo old = it->second.info;
    it->second = Member{info, now};
    if (old.zone != info.zone) {
        leave_group(peer, old.zone);
        changed += reelect(old.zone);
        groups_[info.zone].members.push_back(peer);
        return changed + (info.candidate ? reelect(info.zone) : 0);
    }
    const bool standing_changed = old.candidate != info.candidate ||
                                  (info.candidate && !same_class(old.capacity, info.capacity));
    return changed + (standing_changed ? reelect(info.zone) : 0);
}

std::uint32_t SwarmZones::remove(const PeerEndpoint& peer) {
    auto it = members_.find(peer);
    if (it == members_.end()) return 0;
    const ZoneName zone = it->second.info.zone;
    members_.erase(it);
    leave_group(peer, zone);
    return reelect(zone);
}

std::uint32_t SwarmZones::expire(std::uint32_t cutoff) {
    std::vector<PeerEndpoint> stale;
    for (const auto& [peer, member] : members_) {
        if (member.last_seen < cutoff) stale.push_back(peer);
    }
    std::uint32_t changed = 0;
    for (const PeerEndpoint& peer : stale)
        changed += remove(peer);
    return changed;
}

void SwarmZones::touch(const PeerEndpoint& peer, std::uint32_t now) {
    if (auto it = members_.find(peer); it != members_.end()) it->second.last_seen = now;
}

void SwarmZones::leave_group(const PeerEndpoint& peer, const ZoneName& zone) {
    auto g = groups_.find(zone);
    if (g == groups_.end()) return;
    auto& members = g->second.members;
    members.erase(std::remove(members.begin(), members.end(), peer), members.end());
}

std::uint32_t SwarmZones::reelect(const ZoneName& zone) {
    auto g = groups_.find(zone);
    if (g == groups_.end()) return 0;
    Group& group = g->second;
    std::vector<Candidate> candidates;
    for (const PeerEndpoint& peer : group.members) {
        const MemberInfo& info = members_.at(peer).info;
        if (info.candidate) candidates.push_back({peer, info.capacity});
    }
    std::vector<PeerEndpoint> leaders = elect(std::move(candidates), seats_);
    const bool changed = leaders != group.leaders;
    leader_count_ = leader_count_ - group.leaders.size() + leaders.size();
    if (group.members.empty()) {
        groups_.erase(g);
    } else {
        group.leaders = std::move(leaders);
    }
    return changed ? 1 : 0;
}

std::uint32_t SwarmZones::reelect_all() {
    std::vector<ZoneName> zones;
    for (const auto& entry : groups_)
        zones.push_back(entry.first);
    std::uint32_t changed = 0;
    for (const ZoneName& zone : zones)
        changed += reelect(zone);
    return changed;
}

Role SwarmZones::role_of(const PeerEndpoint& peer) const {
    auto it = members_.find(peer);
    if (it == members_.end() || !it->second.info.aware) return Role::none;
    const auto leaders = this->leaders(it->second.info.zone);
    if (leaders.empty()) return Role::none;
    return std::find(leaders.begin(), leaders.end(), peer) != leaders.end() ? Role::leader
                                                                            : Role::follower;
}

const MemberInfo* SwarmZones::find(const PeerEndpoint& peer) const {
    auto it = members_.find(peer);
    return it == members_.end() ? nullptr : &it->second.info;
}

std::span<const PeerEndpoint> SwarmZones::leaders(const ZoneName& zone) const {
    auto g = groups_.find(zone);
    if (g == groups_.end()) return {};
    return g->second.leaders;
}

std::span<const PeerEndpoint> SwarmZones::members(const ZoneName& zone) const {
    auto g = groups_.find(zone);
    if (g == groups_.end()) return {};
    return g->second.members;
}

}  // namespace aciswarm::tracker::zones
