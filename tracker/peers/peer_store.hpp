// The sharded peer store: info hash -> Swarm, split over kShards shards, each
// behind its own mutex, so workers announcing different torrents rarely meet.
//
// Memory layout (per IPv4 peer 12 bytes, per IPv6 peer 24 bytes, vectors grow
// by 1.5x): a peer is its compact wire form (BEP 23 / BEP 7: address + port,
// network order) plus flags and the last announce time in seconds since the
// store's epoch. Peers of a family are kept sorted by compact form, so lookup
// is a binary search and the (ip, port) key is unique by construction.
//
// The hot path (announce of a known peer) does not allocate: it finds the
// swarm, binary-searches the peer and updates it in place. Allocation happens
// only when a swarm or a peer vector grows.
//
// Thread-safety: every public method may be called from any thread; a shard's
// mutex is held only inside with_swarm()/for_each()/expire(). Time comes from
// the injected Clock.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/clock.hpp"
#include "common/info_hash.hpp"
#include "common/peer_endpoint.hpp"
#include "tracker/zones/swarm_zones.hpp"

namespace aciswarm::tracker {

namespace peer_flag {
inline constexpr std::uint8_t seeder = 1;
inline constexpr std::uint8_t completed_counted = 2;  // this peer's completion was counted
inline constexpr std::uint8_t unlisted = 4;           // surge: completed here, about to leave
}  // namespace peer_flag

template <std::size_t N>
struct PeerRecord {
    std::array<std::uint8_t, N> key;  // compact address + port
    std::uint8_t flags = 0;
    std::uint32_t last_seen = 0;  // seconds since the store epoch
};
using PeerV4 = PeerRecord<PeerEndpoint::compact_v4_size>;
using PeerV6 = PeerRecord<PeerEndpoint::compact_v6_size>;
static_assert(sizeof(PeerV4) == 12);
static_assert(sizeof(PeerV6) == 24);

// Compact keys compared as big-endian integers (same order as bytewise), which is
// much cheaper than memcmp calls in the binary search.
template <std::size_t N>
inline bool key_less(const std::array<std::uint8_t, N>& a, const std::array<std::uint8_t, N>& b) {
    std::size_t i = 0;
    for (; i + 8 <= N; i += 8) {
        std::uint64_t x = 0;
        std::uint64_t y = 0;
        std::memcpy(&x, a.data() + i, 8);
        std::memcpy(&y, b.data() + i, 8);
        if (x != y) return __builtin_bswap64(x) < __builtin_bswap64(y);
    }
    std::uint64_t x = 0;
    std::uint64_t y = 0;
    for (; i < N; ++i) {
        x = (x << 8) | a[i];
        y = (y << 8) | b[i];
    }
    return x < y;
}

template <std::size_t N>
inline bool key_equal(const std::array<std::uint8_t, N>& a, const std::array<std::uint8_t, N>& b) {
    if constexpr (N == 6) {
        std::uint32_t x = 0;
        std::uint32_t y = 0;
        std::uint16_t u = 0;
        std::uint16_t v = 0;
        std::memcpy(&x, a.data(), 4);
        std::memcpy(&y, b.data(), 4);
        std::memcpy(&u, a.data() + 4, 2);
        std::memcpy(&v, b.data() + 4, 2);
        return x == y && u == v;
    } else {
        return std::memcmp(a.data(), b.data(), N) == 0;
    }
}

// One family's peers of a swarm: a sorted run [0, sorted_) plus a short unsorted
// tail of new peers that is merged into the run when it reaches kTail. Lookup is
// a binary search plus a scan of the tail; a new peer costs O(n / kTail) moves on
// average instead of the O(n) memmove of a sorted insert.
template <std::size_t N>
class PeerList {
  public:
    using Record = PeerRecord<N>;
    using Key = std::array<std::uint8_t, N>;
    static constexpr std::size_t key_size = N;
    static constexpr std::size_t kTail = 256;

    std::size_t size() const { return peers_.size(); }
    Record& operator[](std::size_t i) { return peers_[i]; }
    const Record& operator[](std::size_t i) const { return peers_[i]; }
    void prefetch(std::size_t i) const { __builtin_prefetch(peers_.data() + i); }

    // Index of the peer with this key, or -1.
    std::ptrdiff_t find(const Key& key) const {
        const auto sorted_end = peers_.begin() + sorted_;
        auto it =
            std::lower_bound(peers_.begin(), sorted_end, key,
                             [](const Record& r, const Key& k) { return key_less(r.key, k); });
        if (it != sorted_end && key_equal(it->key, key)) return it - peers_.begin();
        for (std::size_t i = sorted_; i < peers_.size(); ++i) {
            if (key_equal(peers_[i].key, key)) return static_cast<std::ptrdiff_t>(i);
        }
        return -1;
    }
    // Inserts a new record (the key must not be present); returns its index.
    std::size_t insert(const Key& key) {
        if (peers_.size() - sorted_ >= kTail) merge_tail();
        if (peers_.size() == peers_.capacity()) {
            peers_.reserve(std::max<std::size_t>(4, peers_.capacity() + peers_.capacity() / 2));
        }
        peers_.push_back(Record{key, 0, 0});
        return peers_.size() - 1;
    }
    void erase(std::size_t index) {
        if (index < sorted_) --sorted_;
        peers_.erase(peers_.begin() + static_cast<std::ptrdiff_t>(index));
    }
    // Removes records for which drop(record) is true; returns how many went, and adds
    // the seeders among them to seeders_removed. Keeps the order (and so the sorted run).
    template <class Pred>
    std::size_t erase_if(Pred drop, std::size_t& seeders_removed) {
        std::size_t removed = 0;
        std::size_t kept_sorted = 0;
        std::size_t out = 0;
        for (std::size_t i = 0; i < peers_.size(); ++i) {
            if (drop(peers_[i])) {
                ++removed;
                if (peers_[i].flags & peer_flag::seeder) ++seeders_removed;
            } else {
                if (i < sorted_) ++kept_sorted;
                peers_[out++] = peers_[i];
            }
        }
        peers_.resize(out);
        sorted_ = static_cast<std::uint32_t>(kept_sorted);
        if (peers_.empty()) peers_.shrink_to_fit();
        return removed;
    }

  private:
    void merge_tail() {
        const auto mid = peers_.begin() + sorted_;
        auto less = [](const Record& a, const Record& b) { return key_less(a.key, b.key); };
        std::sort(mid, peers_.end(), less);
        std::inplace_merge(peers_.begin(), mid, peers_.end(), less);
        sorted_ = static_cast<std::uint32_t>(peers_.size());
    }
    std::vector<Record> peers_;
    std::uint32_t sorted_ = 0;
};

// Hashing for the swarm map: info hashes are SHA-1/SHA-256 output, so a couple of
// words folded through a 64-bit finaliser are enough (the generic FixedBytesHash
// multiplies byte by byte). With --locked=false clients choose the keys; the
// finaliser spreads every input bit so crafted collisions need a full 64-bit match.
struct InfoHashKeyHash {
    std::size_t operator()(const InfoHash& h) const noexcept {
        std::uint64_t a = 0;
        std::uint64_t b = 0;
        std::uint32_t c = 0;
        std::memcpy(&a, h.data(), 8);
        std::memcpy(&b, h.data() + 8, 8);
        std::memcpy(&c, h.data() + 16, 4);
        std::uint64_t x = a ^ (b * 0x9e3779b97f4a7c15ULL) ^ (std::uint64_t{c} << 17);
        x ^= x >> 33;
        x *= 0xff51afd7ed558ccdULL;
        x ^= x >> 33;
        x *= 0xc4ceb9fe1a85ec53ULL;
        x ^= x >> 33;
        return static_cast<std::size_t>(x);
    }
};
struct InfoHashKeyEqual {
    bool operator()(const InfoHash& a, const InfoHash& b) const noexcept {
        return std::memcmp(a.data(), b.data(), InfoHash::size_bytes) == 0;
    }
};

// One torrent's peers, both families in one swarm. `zones`: the zones of its peers
// and their leaders (tracker/zones/swarm_zones.hpp); null while no peer has a zone.
struct Swarm {
    PeerList<PeerEndpoint::compact_v4_size> v4;
    PeerList<PeerEndpoint::compact_v6_size> v6;
    std::uint32_t seeders = 0;     // both families
    std::uint64_t downloaded = 0;  // completions, once per peer
    std::uint32_t cursor = 0;      // small mode: where the next peer list starts
    bool whitelisted = false;      // present in --dir
    std::unique_ptr<zones::SwarmZones> zones;

    std::size_t peer_count() const { return v4.size() + v6.size(); }
};

// The counts /stats, /metrics and livesync report, kept per shard and changed by the
// difference each mutation makes (see ShardData), so reading them costs O(kShards),
// never O(swarms).
struct SwarmTotals {
    std::int64_t seeders = 0;
    std::int64_t peers_v4 = 0;
    std::int64_t peers_v6 = 0;
    std::int64_t completed = 0;
    std::int64_t zones = 0;    // (torrent, zone) pairs with members
    std::int64_t leaders = 0;  // elected leaders over those

    static SwarmTotals of(const Swarm& s) {
        const auto zone_count = s.zones ? static_cast<std::int64_t>(s.zones->zone_count()) : 0;
        const auto leader_count = s.zones ? static_cast<std::int64_t>(s.zones->leader_count()) : 0;
        return {s.seeders,
                static_cast<std::int64_t>(s.v4.size()),
                static_cast<std::int64_t>(s.v6.size()),
                static_cast<std::int64_t>(s.downloaded),
                zone_count,
                leader_count};
    }
    SwarmTotals& operator+=(const SwarmTotals& o) {
        seeders += o.seeders;
        peers_v4 += o.peers_v4;
        peers_v6 += o.peers_v6;
        completed += o.completed;
        zones += o.zones;
        leaders += o.leaders;
        return *this;
    }
    SwarmTotals& operator-=(const SwarmTotals& o) {
        seeders -= o.seeders;
        peers_v4 -= o.peers_v4;
        peers_v6 -= o.peers_v6;
        completed -= o.completed;
        zones -= o.zones;
        leaders -= o.leaders;
        return *this;
    }
};

class PeerStore {
  public:
    static constexpr std::size_t kShards = 64;

    explicit PeerStore(const Clock& clock);

    // Seconds since the store's epoch (the time base of PeerRecord::last_seen).
    std::uint32_t now_seconds() const;

    using Map = std::unordered_map<InfoHash, Swarm, InfoHashKeyHash, InfoHashKeyEqual>;
    using AliasMap = std::unordered_map<InfoHash, InfoHash, InfoHashKeyHash, InfoHashKeyEqual>;

    // One shard's contents. Invariant: totals == the sum of SwarmTotals::of(swarm) over
    // swarms; whoever changes a swarm adds the difference (Tracker does it around every
    // mutation, this class in expire() and erase()). aliases: info hashes that name a
    // swarm held under another hash (the v2 hash of a hybrid torrent -> its v1 hash), kept
    // in the shard of the alias so that resolving one costs no extra lock.
    struct ShardData {
        Map swarms;
        AliasMap aliases;
        SwarmTotals totals;
    };

    // Runs f(ShardData&) with the shard that holds `hash` locked; f finds, creates or
    // erases swarms in it (and reports created/erased ones via note_torrent_added/removed).
    template <class F>
    auto with_shard(const InfoHash& hash, F&& f) {
        Shard& shard = shard_for(hash);
        std::lock_guard lock(shard.mutex);
        return f(shard.data);
    }
    template <class F>
    auto with_shard(const InfoHash& hash, F&& f) const {
        const Shard& shard = shards_[shard_index(hash)];
        std::lock_guard lock(shard.mutex);
        return f(std::as_const(shard.data));
    }

    // Calls f(hash, const Swarm&) for every swarm, one shard locked at a time.
    template <class F>
    void for_each(F&& f) const {
        for (const Shard& shard : shards_) {
            std::lock_guard lock(shard.mutex);
            for (const auto& [hash, swarm] : shard.data.swarms)
                f(hash, swarm);
        }
    }

    // Drops peers not seen for `timeout_seconds` (from their zones too, re-electing
    // where a leader went), and swarms that are empty and not whitelisted. Returns the
    // number of peers dropped.
    std::size_t expire(std::uint32_t timeout_seconds);

    std::size_t torrent_count() const;
    // Sum of every shard's totals, and the number of swarms: O(kShards).
    SwarmTotals totals(std::size_t& torrents) const;
    // Number of torrents in this store (the caller's lock-free estimate for caps).
    std::size_t torrents_estimate() const { return torrents_.load(std::memory_order_relaxed); }
    void note_torrent_added() { torrents_.fetch_add(1, std::memory_order_relaxed); }
    void note_torrent_removed() { torrents_.fetch_sub(1, std::memory_order_relaxed); }
    // Zone elections that changed a zone's leaders (docs/zones.md), since start.
    void note_elections(std::uint32_t n) { elections_.fetch_add(n, std::memory_order_relaxed); }
    std::uint64_t elections() const { return elections_.load(std::memory_order_relaxed); }

    // Erases one swarm; returns whether it existed.
    bool erase(const InfoHash& hash);
    // Same, for a caller already holding the shard: keeps totals and the torrent count.
    void erase(ShardData& data, Map::iterator it);

  private:
    struct alignas(64) Shard {
        mutable std::mutex mutex;
        ShardData data;
    };
    // Info hashes are uniformly distributed: two bytes are enough to pick a shard.
    static std::size_t shard_index(const InfoHash& hash) {
        return (hash.data()[0] ^ (hash.data()[7] << 3)) % kShards;
    }
    Shard& shard_for(const InfoHash& hash) { return shards_[shard_index(hash)]; }

    const Clock& clock_;
    Clock::SteadyTime epoch_;
    std::array<Shard, kShards> shards_;
    std::atomic<std::size_t> torrents_{0};
    std::atomic<std::uint64_t> elections_{0};
};

}  // namespace aciswarm::tracker
