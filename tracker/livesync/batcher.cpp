#include "tracker/livesync/batcher.hpp"

namespace aciswarm::livesync {

PeerBatcher::PeerBatcher(BatcherConfig config, const Clock& clock)
    : config_(config), clock_(clock), last_prune_(clock.now()) {}

bool PeerBatcher::worth_syncing(const LocalPeerChange& change, Clock::SteadyTime now) {
    const Key key{change.info_hash, change.peer};
    if (change.stopped) {
        synced_.erase(key);
        return true;
    }
    auto it = synced_.find(key);
    const bool worth = change.is_new_peer || change.completed_first_time || it == synced_.end() ||
                       it->second.seeding != change.seeding || it->second.zone != change.zone ||
                       now - it->second.at >= config_.resync_interval;
    if (!worth) return false;
    if (it != synced_.end()) {
        it->second = Synced{now, change.seeding, change.zone};
    } else if (synced_.size() < config_.max_tracked_peers) {
        synced_.emplace(key, Synced{now, change.seeding, change.zone});
    }
    return true;
}

void PeerBatcher::prune(Clock::SteadyTime now) {
    if (now - last_prune_ < config_.resync_interval) return;
    last_prune_ = now;
    std::erase_if(synced_,
                  [&](const auto& kv) { return now - kv.second.at >= config_.resync_interval; });
}

PeerBatcher::Pending& PeerBatcher::pending_for(PacketType type) {
    switch (type) {
        case PacketType::peer6:
            return v6_;
        case PacketType::peer4z:
            return v4z_;
        case PacketType::peer6z:
            return v6z_;
        default:
            return v4_;
    }
}

bool PeerBatcher::add(const LocalPeerChange& change) {
    const auto now = clock_.now();
    prune(now);
    if (!worth_syncing(change, now)) return false;
    PeerRecord record{
        change.info_hash, change.peer,
        static_cast<std::uint8_t>((change.seeding ? peer_flags::seeding : 0) |
                                  (change.completed_first_time ? peer_flags::complete : 0) |
                                  (change.stopped ? peer_flags::stopped : 0)),
        change.zone};
    const PacketType type = peer_packet_type(record);
    Pending& p = pending_for(type);
    for (int attempt = 0; attempt < 2; ++attempt) {
        if (!p.builder) {
            p.builder.emplace(type, config_.max_datagram, config_.tagged);
            p.first_added = now;
        }
        if (p.builder->add_peer(record)) break;
        full_.push_back(std::move(*p.builder));
        p.builder.reset();
    }
    // Full now: send without waiting for the next record to overflow it.
    if (!p.builder->has_room()) {
        full_.push_back(std::move(*p.builder));
        p.builder.reset();
    }
    return true;
}

std::deque<PacketBuilder> PeerBatcher::take_ready(bool force) {
    std::deque<PacketBuilder> out = std::move(full_);
    full_.clear();
    const auto now = clock_.now();
    for (Pending* p : {&v4_, &v6_, &v4z_, &v6z_}) {
        if (p->builder && !p->builder->empty() &&
            (force || now - p->first_added >= config_.flush_delay)) {
            out.push_back(std::move(*p->builder));
            p->builder.reset();
        }
    }
    return out;
}

std::optional<Clock::SteadyTime> PeerBatcher::next_deadline() const {
    std::optional<Clock::SteadyTime> out;
    if (!full_.empty()) return clock_.now();
    for (const Pending* p : {&v4_, &v6_, &v4z_, &v6z_}) {
        if (p->builder && !p->builder->empty()) {
            const auto d = p->first_added + config_.flush_delay;
            if (!out || d < *out) out = d;
        }
    }
    return out;
}

}  // namespace aciswarm::livesync
