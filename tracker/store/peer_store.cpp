#include "tracker/store/peer_store.hpp"

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
        for (auto it = shard.swarms.begin(); it != shard.swarms.end();) {
            Swarm& swarm = it->second;
            std::size_t seeders_removed = 0;
            auto stale = [&](const auto& r) { return r.last_seen < cutoff; };
            dropped += swarm.v4.erase_if(stale, seeders_removed);
            dropped += swarm.v6.erase_if(stale, seeders_removed);
            swarm.seeders -= static_cast<std::uint32_t>(seeders_removed);
            if (swarm.peer_count() == 0 && !swarm.whitelisted) {
                it = shard.swarms.erase(it);
                note_torrent_removed();
            } else {
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
        n += shard.swarms.size();
    }
    return n;
}

bool PeerStore::erase(const InfoHash& hash) {
    Shard& shard = shard_for(hash);
    std::lock_guard lock(shard.mutex);
    if (shard.swarms.erase(hash) == 0) return false;
    note_torrent_removed();
    return true;
}

}  // namespace aciswarm::tracker
