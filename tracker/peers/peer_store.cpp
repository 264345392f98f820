#include "tracker/peers/peer_store.hpp"

namespace aciswarm::tracker {

PeerStore::PeerStore(const Clock& clock) : clock_(clock), epoch_(clock.now()) {}

std::uint32_t PeerStore::now_seconds() const {
    const auto elapsed = clock_.now() - epoch_;
    return static_cast<std::uint32_t>(
        std::chrono::duration_cast<std::chrono::seconds>(elapsed).count());
}

std::size_t PeerStore::expire(std::uint32_t timeout_seconds) {
    const std::uint32_t now = now_seconds();
    const std::uint32_t cutoff = now > timeout_seconds ? now - timeout_seconds : 0;
    std::size_t dropped = 0;
    for (Shard& shard : shards_) {
        std::lock_guard lock(shard.mutex);
        auto& swarms = shard.data.swarms;
        for (auto it = swarms.begin(); it != swarms.end();) {
            Swarm& swarm = it->second;
            shard.data.totals -= SwarmTotals::of(swarm);
            std::size_t seeders_removed = 0;
            auto stale = [&](const auto& r) { return r.last_seen < cutoff; };
            dropped += swarm.v4.erase_if(stale, seeders_removed);
            dropped += swarm.v6.erase_if(stale, seeders_removed);
            swarm.seeders -= static_cast<std::uint32_t>(seeders_removed);
            if (swarm.zones) {
                note_elections(swarm.zones->expire(cutoff));
                if (swarm.zones->empty()) swarm.zones.reset();
            }
            if (swarm.peer_count() == 0 && !swarm.whitelisted) {
                it = swarms.erase(it);
                note_torrent_removed();
            } else {
                shard.data.totals += SwarmTotals::of(swarm);
                ++it;
            }
        }
    }
    return dropped;
}

std::size_t PeerStore::torrent_count() const {
    std::size_t n = 0;
    for (const Shard& shard : shards_) {
        std::lock_guard lock(shard.mutex);
        n += shard.data.swarms.size();
    }
    return n;
}

SwarmTotals PeerStore::totals(std::size_t& torrents) const {
    SwarmTotals sum;
    torrents = 0;
    for (const Shard& shard : shards_) {
        std::lock_guard lock(shard.mutex);
        sum += shard.data.totals;
        torrents += shard.data.swarms.size();
    }
    return sum;
}

bool PeerStore::erase(const InfoHash& hash) {
    Shard& shard = shard_for(hash);
    std::lock_guard lock(shard.mutex);
    auto it = shard.data.swarms.find(hash);
    if (it == shard.data.swarms.end()) return false;
    erase(shard.data, it);
    return true;
}

void PeerStore::erase(ShardData& data, Map::iterator it) {
    data.totals -= SwarmTotals::of(it->second);
    data.swarms.erase(it);
    note_torrent_removed();
}

}  // namespace aciswarm::tracker
