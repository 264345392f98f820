// Outgoing peer sync: decides which local peer changes are worth syncing and
// batches them into PEER4/PEER6 packets (PEER4Z/PEER6Z for zone-placed peers). A
// change is queued when the peer is new, completed for the first time, stopped,
// switched between seeding and leeching, changed its zone placement (zone, role
// keys, capacity: other instances must elect from the same data), or was last
// synced longer than resync_interval ago (so receivers,
// which expire peers like any announce, keep it). A packet is ready when the
// next record would not fit, or flush_delay after its first record.
// Thread: not thread-safe; LiveSync guards it with a mutex.
#pragma once

#include <chrono>
#include <deque>
#include <optional>
#include <unordered_map>

#include "common/clock.hpp"
#include "tracker/livesync/swarm_view.hpp"
#include "tracker/livesync/wire.hpp"

namespace aciswarm::livesync {

struct BatcherConfig {
    std::size_t max_datagram = default_max_datagram;
    bool tagged = false;
    std::chrono::milliseconds flush_delay{500};
    std::chrono::milliseconds resync_interval{std::chrono::minutes(5)};
    std::size_t max_tracked_peers = 1'000'000;  // memory bound of the last-synced table
};

class PeerBatcher {
  public:
    PeerBatcher(BatcherConfig config, const Clock& clock);

    // Returns true if the change was queued (false: suppressed as redundant).
    bool add(const LocalPeerChange& change);
    // Moves every packet that is full or whose flush delay passed (or all
    // non-empty ones with force) to the caller.
    std::deque<PacketBuilder> take_ready(bool force = false);
    // When the oldest pending record must be sent; nullopt if nothing is pending.
    std::optional<Clock::SteadyTime> next_deadline() const;
    bool has_full() const { return !full_.empty(); }
    std::size_t tracked_peers() const { return synced_.size(); }

  private:
    struct Key {
        InfoHash info_hash;
        PeerEndpoint peer;
        friend bool operator==(const Key&, const Key&) = default;
    };
    struct KeyHash {
        std::size_t operator()(const Key& k) const noexcept {
            return std::hash<InfoHash>{}(k.info_hash) ^ (std::hash<PeerEndpoint>{}(k.peer) << 1);
        }
    };
    struct Synced {
        Clock::SteadyTime at;
        bool seeding = false;
        std::optional<tracker::zones::MemberInfo> zone;
    };
    struct Pending {
        std::optional<PacketBuilder> builder;
        Clock::SteadyTime first_added{};
    };
    bool worth_syncing(const LocalPeerChange& change, Clock::SteadyTime now);
    void prune(Clock::SteadyTime now);

    BatcherConfig config_;
    const Clock& clock_;
    std::unordered_map<Key, Synced, KeyHash> synced_;
    Clock::SteadyTime last_prune_;
    Pending& pending_for(PacketType type);

    Pending v4_;
    Pending v6_;
    Pending v4z_;
    Pending v6z_;
    std::deque<PacketBuilder> full_;
};

}  // namespace aciswarm::livesync
