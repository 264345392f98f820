// The protocol-neutral tracker: announce, scrape, whitelist, expiry, and the
// hooks livesync (tracker/livesync) uses to mirror swarms between instances.
//
// Thread-safety: every method may be called from any thread (the server's
// worker threads announce concurrently; the main thread rescans, expires and
// reloads settings). set_peer_observer() must be called before workers start.
//
// Livesync interface:
//  - set_peer_observer(f): f(const PeerChange&) is called for every accepted
//    local announce, after it was applied, outside any store lock, on the
//    announcing worker's thread (keep it cheap: queue and return).
//  - apply_remote_peer(change): applies a peer change received from another
//    instance exactly like a local announce (insert/update, stopped removes,
//    completed_first_time counts a completion if this instance had not counted
//    it for that peer) but never calls the observer (no rebroadcast). With
//    --locked, changes for info hashes outside --dir are refused (not_tracked).
//  - torrent_count(): swarms currently held (one per torrent: aliases share one).
//  - for_each_downloaded(f): f(info_hash, downloaded) for every swarm.
//  - merge_downloaded(info_hash, count): downloaded = max(downloaded, count);
//    creates the swarm only when the info hash may be tracked (whitelist/locked).
//
// Hybrid torrents: set_torrents() learns every hash of each torrent; the first one
// (v1 when there is one) names the swarm, the others are aliases of it. An announce,
// scrape or livesync record under an alias lands in the same swarm, so one torrent is
// one swarm in totals(), scrape and /metrics, and peers announcing with either hash
// find each other (both are 20-byte info hashes on the wire).
//
// Persistent state: set_state_journal(j) (before workers start) makes every counted
// completion -- a local announce, a livesync peer record, a merged count -- note the
// swarm's new count in j (tracker/state/journal.hpp: no SQLite), outside any shard
// lock; the control loop writes j to the state file in batches. Once per peer per
// torrent, so the announce path calls it rarely.
//
// Zones (docs/zones.md): set_zone_map() installs the --zone/--zones CIDRs (any thread;
// announces use the old or the new map, never a mix); TrackerSettings::leaders_per_zone
// is --leaders-per-zone. An announce with zone keys (ZoneAnnounce) or from a configured
// CIDR places the peer in a zone of its swarm (Swarm::zones), elects that zone's leaders
// and, for a zone-aware requester with a role, selects peers by zone
// (tracker/core/zone_select.hpp) and fills AnnounceReply::zone. Everything else takes
// the path it took before zones existed.
//
// totals() is O(number of shards): the counts are kept per shard as swarms change
// (PeerStore::ShardData), never summed over every swarm per request.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/clock.hpp"
#include "tracker/core/keys.hpp"
#include "tracker/core/modes.hpp"
#include "tracker/core/types.hpp"
#include "tracker/peers/peer_store.hpp"
#include "tracker/state/journal.hpp"

namespace aciswarm::tracker {

// Settings that may change at run time (SIGHUP).
struct TrackerSettings {
    Mode mode = Mode::small;
    std::uint32_t maxpeers = 50;
    std::uint32_t interval = 900;     // seconds between announces we ask for
    std::uint32_t min_interval = 60;  // seconds, BEP 3 "min interval"
    bool locked = true;               // only info hashes from --dir
    bool full_scrape = false;         // /scrape without info_hash lists everything
    std::size_t max_torrents = 1'000'000;
    std::uint32_t max_peers_per_torrent = 100'000;
    std::size_t leaders_per_zone = 1;  // 1..zones::kMaxLeadersPerZone
};

// Interval the tracker asks for: surge asks for half the interval (peers come and
// go quickly), never below min_interval.
std::uint32_t effective_interval(const TrackerSettings& s);

struct TrackerTotals {
    std::size_t torrents = 0;
    std::size_t seeders = 0;
    std::size_t leechers = 0;
    std::uint64_t completed = 0;
    std::size_t peers_v4 = 0;
    std::size_t peers_v6 = 0;
    std::size_t zones = 0;                  // (torrent, zone) pairs with members
    std::size_t leaders = 0;                // leaders elected over them
    std::uint64_t elections = 0;            // elections that changed a zone's leaders
    std::uint64_t zone_claims_ignored = 0;  // zone= overruled by the configured CIDRs
};

struct WhitelistChange {
    std::size_t added = 0;
    std::size_t removed = 0;
    std::size_t total = 0;
};

class Tracker {
  public:
    using PeerObserver = std::function<void(const PeerChange&)>;

    Tracker(const Clock& clock, const TrackerSettings& settings);

    void update_settings(const TrackerSettings& settings);
    TrackerSettings settings() const;

    // Applies the announce and fills `peers` with the peer list for the requester.
    AnnounceReply announce(const AnnounceRequest& request, PeerListBuffer& peers, FastRng& rng);

    // Counts for one info hash (zeros when unknown).
    ScrapeEntry scrape(const InfoHash& hash) const;
    // f(const ScrapeEntry&) for every swarm (full scrape).
    void scrape_all(const std::function<void(const ScrapeEntry&)>& f) const;

    // Replaces the whitelist: the info hashes of each torrent in --dir (v1 first, then the
    // truncated v2 hash of a hybrid torrent, which becomes an alias of the first).
    using TorrentHashes = std::vector<InfoHash>;
    WhitelistChange set_torrents(const std::vector<TorrentHashes>& torrents);
    // Same, every hash a torrent of its own (no aliases).
    WhitelistChange set_whitelist(const std::vector<InfoHash>& hashes);
    bool is_whitelisted(const InfoHash& hash) const;

    // Drops peers silent for more than 2 x interval; returns how many.
    std::size_t expire();

    TrackerTotals totals() const;

    // --- zones (see the header comment) ---
    void set_zone_map(std::shared_ptr<const zones::ZoneMap> map);
    std::shared_ptr<const zones::ZoneMap> zone_map() const { return zone_map_.load(); }
    // The zone, role and leaders the peer's last announce left it with (GET /zone,
    // docs/zones.md "Learning the role"). Read-only: no peer, count or election changes.
    // An unknown swarm or peer, or a peer without a zone, gets role none and zone "".
    // A follower or leader also gets its zone's members (leaders and zone-blind members
    // too, up to kMaxPeersLimit per family, in join order) in `members`: the addresses a
    // follower may download from (agent/engine/zone_peer_filter.hpp), the peers whose
    // pieces a leader ranks its own by (agent/engine/zone_leader_pieces.hpp). Role none
    // gets none.
    ZoneReply zone_of(const InfoHash& hash, const PeerEndpoint& peer,
                      PeerListBuffer& members) const;

    // --- livesync (see the header comment) ---
    void set_peer_observer(PeerObserver observer);
    AnnounceStatus apply_remote_peer(const PeerChange& change);
    std::size_t torrent_count() const;
    void for_each_downloaded(const std::function<void(const InfoHash&, std::uint64_t)>& f) const;
    void merge_downloaded(const InfoHash& hash, std::uint64_t count);

    // --- persistent state (see the header comment); null: none ---
    void set_state_journal(state::StateJournal* journal) { journal_ = journal; }
    // merge_downloaded for a count read back from the state file: not noted again.
    void restore_downloaded(const InfoHash& hash, std::uint64_t count);

    PeerStore& store() { return store_; }
    // --keys (private swarms, keys.hpp): both frontends check a request with it
    // before announce() or scrape(); refused requests never reach the store.
    KeyRing& keys() { return keys_; }
    const KeyRing& keys() const { return keys_; }
    const PeerStore& store() const { return store_; }

  private:
    struct Applied {
        AnnounceStatus status = AnnounceStatus::ok;
        PeerChange change;
    };
    // Finds or creates the swarm (under the shard lock); null with status set on refusal.
    Swarm* find_or_create(PeerStore::Map& swarms, const InfoHash& hash, AnnounceStatus& status);
    // Runs f(ShardData&, key) -> R under the lock of the shard that holds the swarm `hash`
    // names: key is hash itself, or the hash it is an alias of.
    template <class F>
    auto with_swarm_shard(const InfoHash& hash, F&& f);
    template <class F>
    auto with_swarm_shard(const InfoHash& hash, F&& f) const;
    // Inserts/updates/removes the peer; fills change; under the shard lock.
    AnnounceStatus apply(Swarm& swarm, const PeerEndpoint& peer, bool seeding, Event event,
                         bool surge, PeerChange& change);

    // Where an announce puts its peer: placed is false when no zone work is needed
    // (a zone-blind announce and no CIDR configured).
    struct ZonePlacement {
        bool placed = false;
        zones::MemberInfo info;
    };
    ZonePlacement place_zone(const PeerEndpoint& peer, const ZoneAnnounce& announce);
    // Records the placement in the swarm's zones (under the shard lock).
    void apply_zone(Swarm& swarm, const PeerEndpoint& peer, const ZonePlacement& placement,
                    bool stopped);
    // A livesync record's zone (under the shard lock).
    void apply_remote_zone(Swarm& swarm, const PeerChange& change);
    // reply.role and reply's leaders for a peer of `zone` (under the shard lock).
    static void fill_zone_reply(const zones::SwarmZones& zones, const PeerEndpoint& peer,
                                const zones::ZoneName& zone, ZoneReply& reply);
    // Fills reply.zone for a zone-aware request and selects its peers when it has a
    // role; false: the caller selects as for any peer (under the shard lock).
    bool select_for_zone(Swarm& swarm, const AnnounceRequest& request, const SelectInput& in,
                         const ZonePlacement& placement, PeerListBuffer& peers, FastRng& rng,
                         ZoneReply& reply);

    // downloaded = max(downloaded, count); the swarm's key when it grew.
    std::optional<InfoHash> raise_downloaded(const InfoHash& hash, std::uint64_t count);
    // A completion was counted: the swarm `key` now has `count`.
    void note_completed(const InfoHash& key, std::uint64_t count) const;

    const Clock& clock_;
    PeerStore store_;
    KeyRing keys_;
    std::atomic<Mode> mode_;
    std::atomic<std::uint32_t> maxpeers_;
    std::atomic<std::uint32_t> interval_;
    std::atomic<std::uint32_t> min_interval_;
    std::atomic<bool> locked_;
    std::atomic<bool> full_scrape_;
    std::atomic<std::size_t> max_torrents_;
    std::atomic<std::uint32_t> max_peers_per_torrent_;
    std::atomic<std::size_t> leaders_per_zone_{1};
    std::atomic<std::shared_ptr<const zones::ZoneMap>> zone_map_{
        std::make_shared<const zones::ZoneMap>()};
    std::atomic<bool> zone_cidrs_{false};  // zone_map_ has CIDRs: every announce is placed
    std::atomic<std::uint64_t> zone_claims_ignored_{0};

    mutable std::mutex whitelist_mutex_;
    std::unordered_set<InfoHash> whitelist_;          // the hashes that name swarms
    std::unordered_map<InfoHash, InfoHash> aliases_;  // alias -> the hash naming its swarm
    PeerObserver observer_;
    state::StateJournal* journal_ = nullptr;
};

}  // namespace aciswarm::tracker
