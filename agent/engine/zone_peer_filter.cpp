#include "agent/engine/zone_peer_filter.hpp"

namespace aciswarm::engine {

ZonePeerFilter::Address ZonePeerFilter::address_of(const PeerEndpoint& peer) {
    const PeerEndpoint n = peer.normalized();
    return {n.is_v6(), n.address_bytes()};
}

void ZonePeerFilter::update(const ZoneView& view) {
    std::set<Address> zone;
    for (const PeerEndpoint& peer : view.leaders)
        zone.insert(address_of(peer));
    for (const PeerEndpoint& peer : view.members)
        zone.insert(address_of(peer));
    std::lock_guard lock(mu_);
    follower_ = view.role == ZoneRole::follower;
    zone_ = std::move(zone);
}

bool ZonePeerFilter::allows(const PeerEndpoint& remote) const {
    const Address address = address_of(remote);
    std::lock_guard lock(mu_);
    return !follower_ || zone_.count(address) != 0;
}

bool ZonePeerFilter::in_zone(const PeerEndpoint& remote) const {
    const Address address = address_of(remote);
    std::lock_guard lock(mu_);
    return zone_.count(address) != 0;
}

bool ZonePeerFilter::follower() const {
    std::lock_guard lock(mu_);
    return follower_;
}

void ZonePeerFilter::count_follower_payload(const PeerEndpoint& remote, std::int64_t bytes) {
    std::string address = remote.normalized().address_string();
    std::lock_guard lock(mu_);
    follower_payload_[std::move(address)] += bytes;
}

std::map<std::string, std::int64_t> ZonePeerFilter::follower_payload() const {
    std::lock_guard lock(mu_);
    return follower_payload_;
}

bool ZoneConnectionRule::hide(bool allowed) {
    (allowed ? passed_ : hidden_) = true;
    return !allowed;
}

bool ZoneConnectionRule::stale(bool allowed) const {
    return allowed ? hidden_ : passed_;
}

}  // namespace aciswarm::engine
