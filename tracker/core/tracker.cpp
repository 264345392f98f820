#include "tracker/core/tracker.hpp"

#include "tracker/core/zone_select.hpp"

#include <algorithm>
#include <optional>
#include <type_traits>
#include <utility>

namespace aciswarm::tracker {

const char* mode_name(Mode mode) {
    switch (mode) {
        case Mode::small:
            return "small";
        case Mode::large:
            return "large";
        case Mode::surge:
            return "surge";
    }
    return "?";
}

std::optional<Mode> parse_mode(std::string_view text) {
    if (text == "small") return Mode::small;
    if (text == "large") return Mode::large;
    if (text == "surge") return Mode::surge;
    return std::nullopt;
}

const char* announce_status_message(AnnounceStatus status) {
    switch (status) {
        case AnnounceStatus::ok:
            return "ok";
        case AnnounceStatus::not_tracked:
            return "info_hash is not tracked here (not in the tracker's torrent directory)";
        case AnnounceStatus::torrent_limit:
            return "tracker is full: --max-torrents reached";
        case AnnounceStatus::swarm_full:
            return "swarm is full: --max-peers-per-torrent reached";
    }
    return "error";
}

std::uint32_t effective_interval(const TrackerSettings& s) {
    if (s.mode == Mode::surge) return std::max(s.min_interval, s.interval / 2);
    return s.interval;
}

Tracker::Tracker(const Clock& clock, const TrackerSettings& settings)
    : clock_(clock), store_(clock) {
    update_settings(settings);
}

void Tracker::update_settings(const TrackerSettings& s) {
    mode_ = s.mode;
    maxpeers_ = std::min(s.maxpeers, kMaxPeersLimit);
    interval_ = std::max<std::uint32_t>(1, s.interval);
    min_interval_ = std::min(s.min_interval, std::max<std::uint32_t>(1, s.interval));
    max_torrents_ = s.max_torrents;
    max_peers_per_torrent_ = s.max_peers_per_torrent;
    leaders_per_zone_ = std::clamp<std::size_t>(s.leaders_per_zone, 1, zones::kMaxLeadersPerZone);
    full_scrape_ = s.full_scrape;
    const bool was_locked = locked_.exchange(s.locked);
    if (s.locked && !was_locked) {
        // Newly locked: drop the swarms that only exist because someone announced them.
        std::vector<InfoHash> doomed;
        store_.for_each([&](const InfoHash& h, const Swarm& sw) {
            if (!sw.whitelisted) doomed.push_back(h);
        });  // a walk over every swarm, but only when --locked is switched on (SIGHUP)
        for (const auto& h : doomed)
            store_.erase(h);
    }
}

TrackerSettings Tracker::settings() const {
    TrackerSettings s;
    s.mode = mode_;
    s.maxpeers = maxpeers_;
    s.interval = interval_;
    s.min_interval = min_interval_;
    s.locked = locked_;
    s.full_scrape = full_scrape_;
    s.max_torrents = max_torrents_;
    s.max_peers_per_torrent = max_peers_per_torrent_;
    s.leaders_per_zone = leaders_per_zone_;
    return s;
}

Swarm* Tracker::find_or_create(PeerStore::Map& swarms, const InfoHash& hash,
                               AnnounceStatus& status) {
    auto it = swarms.find(hash);
    if (it != swarms.end()) {
        if (!it->second.whitelisted && locked_.load(std::memory_order_relaxed)) {
            status = AnnounceStatus::not_tracked;
            return nullptr;
        }
        return &it->second;
    }
    if (locked_.load(std::memory_order_relaxed)) {
        status = AnnounceStatus::not_tracked;
        return nullptr;
    }
    if (store_.torrents_estimate() >= max_torrents_.load(std::memory_order_relaxed)) {
        status = AnnounceStatus::torrent_limit;
        return nullptr;
    }
    store_.note_torrent_added();
    return &swarms.try_emplace(hash).first->second;
}

namespace {

// The one body of both with_swarm_shard overloads: Store is PeerStore or const PeerStore, and f
// gets the shard data with the same constness (a template instead of a const_cast).
template <class Store, class F>
auto call_with_swarm_shard(Store& store, const InfoHash& hash, F&& f) {
    using Data = std::conditional_t<std::is_const_v<Store>, const PeerStore::ShardData,
                                    PeerStore::ShardData>;
    using R = std::invoke_result_t<F&, Data&, const InfoHash&>;
    std::optional<R> result;
    InfoHash key = hash;
    store.with_shard(hash, [&](Data& d) {
        // Aliases are few (hybrid torrents in --dir): an empty map costs one branch.
        if (!d.aliases.empty()) {
            if (auto a = d.aliases.find(hash); a != d.aliases.end()) {
                key = a->second;
                return;
            }
        }
        result.emplace(f(d, hash));
    });
    if (!result) {
        store.with_shard(key, [&](Data& d) { result.emplace(f(d, key)); });
    }
    return std::move(*result);
}

}  // namespace

template <class F>
auto Tracker::with_swarm_shard(const InfoHash& hash, F&& f) {
    return call_with_swarm_shard(store_, hash, std::forward<F>(f));
}

template <class F>
auto Tracker::with_swarm_shard(const InfoHash& hash, F&& f) const {
    return call_with_swarm_shard(store_, hash, std::forward<F>(f));
}

namespace {

template <std::size_t N>
std::array<std::uint8_t, N> key_of(const PeerEndpoint& peer) {
    std::array<std::uint8_t, PeerEndpoint::compact_v6_size> buf{};
    peer.write_compact(buf.data());
    std::array<std::uint8_t, N> key{};
    std::copy_n(buf.begin(), N, key.begin());
    return key;
}

}  // namespace

AnnounceStatus Tracker::apply(Swarm& swarm, const PeerEndpoint& peer, bool seeding, Event event,
                              bool surge, PeerChange& change) {
    change.peer = peer;
    change.seeding = seeding;
    auto update = [&](auto& list) -> AnnounceStatus {
        const auto key = key_of<std::remove_reference_t<decltype(list)>::key_size>(peer);
        std::ptrdiff_t index = list.find(key);
        if (event == Event::stopped) {
            change.stopped = true;
            if (index >= 0) {
                if (list[static_cast<std::size_t>(index)].flags & peer_flag::seeder) {
                    --swarm.seeders;
                }
                list.erase(static_cast<std::size_t>(index));
            }
            return AnnounceStatus::ok;
        }
        if (index < 0) {
            if (swarm.peer_count() >= max_peers_per_torrent_.load(std::memory_order_relaxed)) {
                return AnnounceStatus::swarm_full;
            }
            index = static_cast<std::ptrdiff_t>(list.insert(key));
            change.is_new_peer = true;
        }
        auto& rec = list[static_cast<std::size_t>(index)];
        const bool was_seeder = rec.flags & peer_flag::seeder;
        if (event == Event::completed && !(rec.flags & peer_flag::completed_counted)) {
            rec.flags |= peer_flag::completed_counted;
            ++swarm.downloaded;
            change.completed_first_time = true;
        }
        // Surge: a peer that finishes here is about to leave; stop handing it out.
        if (surge &&
            (event == Event::completed || (!change.is_new_peer && !was_seeder && seeding))) {
            rec.flags |= peer_flag::unlisted;
        }
        if (seeding && !was_seeder) {
            rec.flags |= peer_flag::seeder;
            ++swarm.seeders;
        } else if (!seeding && was_seeder) {
            rec.flags &= static_cast<std::uint8_t>(~peer_flag::seeder);
            --swarm.seeders;
        }
        rec.last_seen = store_.now_seconds();
        return AnnounceStatus::ok;
    };
    return peer.is_v4() ? update(swarm.v4) : update(swarm.v6);
}

AnnounceReply Tracker::announce(const AnnounceRequest& request, PeerListBuffer& peers,
                                FastRng& rng) {
    AnnounceReply reply;
    peers.n4 = 0;
    peers.n6 = 0;
    const Mode mode = mode_.load(std::memory_order_relaxed);
    TrackerSettings s;
    s.mode = mode;
    s.interval = interval_.load(std::memory_order_relaxed);
    s.min_interval = min_interval_.load(std::memory_order_relaxed);
    reply.interval = effective_interval(s);
    reply.min_interval = std::min(s.min_interval, reply.interval);
    const std::uint32_t maxpeers = maxpeers_.load(std::memory_order_relaxed);
    std::uint32_t want = maxpeers;
    if (request.numwant >= 0 && request.numwant < want) {
        want = static_cast<std::uint32_t>(request.numwant);
    }
    const bool seeding = request.left == 0;
    const ZonePlacement placement = place_zone(request.peer, request.zone);
    PeerChange change;
    bool applied = false;
    reply.status =
        with_swarm_shard(request.info_hash, [&](PeerStore::ShardData& d, const InfoHash& key) {
            AnnounceStatus status = AnnounceStatus::ok;
            change.info_hash = key;
            if (request.event == Event::stopped && !d.swarms.count(key) &&
                !locked_.load(std::memory_order_relaxed)) {
                return status;  // leaving a swarm we do not hold: nothing to create
            }
            Swarm* swarm = find_or_create(d.swarms, key, status);
            if (swarm == nullptr) return status;
            const SwarmTotals before = SwarmTotals::of(*swarm);
            status =
                apply(*swarm, request.peer, seeding, request.event, mode == Mode::surge, change);
            applied = status == AnnounceStatus::ok;
            if (applied) apply_zone(*swarm, request.peer, placement, change.stopped);
            d.totals += SwarmTotals::of(*swarm);
            d.totals -= before;
            if (status == AnnounceStatus::ok && request.event != Event::stopped) {
                SelectInput in;
                in.mode = mode;
                in.want = want;
                in.families = request.families;
                in.requester_seeding = seeding;
                in.requester = request.peer;
                if (!select_for_zone(*swarm, request, in, placement, peers, rng, reply.zone)) {
                    select_peers(*swarm, in, peers, rng);
                }
            }
            reply.complete = swarm->seeders;
            reply.incomplete = static_cast<std::uint32_t>(swarm->peer_count()) - swarm->seeders;
            reply.downloaded = swarm->downloaded;
            return status;
        });
    change.zone_placed = placement.placed;
    change.zone = placement.info;
    if (applied && change.completed_first_time) note_completed(change.info_hash, reply.downloaded);
    if (applied && observer_) observer_(change);
    return reply;
}

void Tracker::set_zone_map(std::shared_ptr<const zones::ZoneMap> map) {
    if (!map) map = std::make_shared<const zones::ZoneMap>();
    zone_cidrs_ = map->has_cidrs();
    zone_map_.store(std::move(map));
}

Tracker::ZonePlacement Tracker::place_zone(const PeerEndpoint& peer, const ZoneAnnounce& announce) {
    ZonePlacement placement;
    if (!announce.aware && !zone_cidrs_.load(std::memory_order_relaxed)) return placement;
    const zones::Resolution r = zone_map_.load()->resolve(peer, announce.claimed);
    if (r.claim_ignored) zone_claims_ignored_.fetch_add(1, std::memory_order_relaxed);
    placement.placed = true;
    placement.info = {r.zone, announce.aware, announce.aware && announce.candidate,
                      announce.capacity};
    return placement;
}

void Tracker::apply_zone(Swarm& swarm, const PeerEndpoint& peer, const ZonePlacement& placement,
                         bool stopped) {
    if (stopped || !placement.placed || placement.info.zone.empty()) {
        // Gone, or now without a zone: out of every zone it was in.
        if (swarm.zones) {
            store_.note_elections(swarm.zones->remove(peer));
            if (swarm.zones->empty()) swarm.zones.reset();
        }
        return;
    }
    if (!swarm.zones) swarm.zones = std::make_unique<zones::SwarmZones>();
    store_.note_elections(
        swarm.zones->update(peer, placement.info, store_.now_seconds(), leaders_per_zone_.load()));
}

void Tracker::apply_remote_zone(Swarm& swarm, const PeerChange& change) {
    const PeerEndpoint peer = change.peer.normalized();
    if (change.zone_placed || change.stopped) {
        apply_zone(swarm, peer, {change.zone_placed, change.zone}, change.stopped);
        return;
    }
    // A record without zone data (an instance that predates zones): keep what this
    // instance knows of the peer, or place it by the CIDRs as a zone-blind peer.
    if (swarm.zones && swarm.zones->find(peer) != nullptr) {
        swarm.zones->touch(peer, store_.now_seconds());
        return;
    }
    if (zone_cidrs_.load(std::memory_order_relaxed)) {
        apply_zone(swarm, peer, place_zone(peer, ZoneAnnounce{}), false);
    }
}

bool Tracker::select_for_zone(Swarm& swarm, const AnnounceRequest& request, const SelectInput& in,
                              const ZonePlacement& placement, PeerListBuffer& peers, FastRng& rng,
                              ZoneReply& reply) {
    if (!request.zone.aware) return false;
    reply.present = true;
    reply.zone = placement.info.zone;
    if (!swarm.zones || placement.info.zone.empty()) return false;
    fill_zone_reply(*swarm.zones, request.peer, placement.info.zone, reply);
    if (reply.role == zones::Role::none) return false;
    ZoneSelectInput zin;
    zin.zone = placement.info.zone;
    zin.role = reply.role;
    zin.want = in.want;
    zin.families = in.families;
    zin.requester = in.requester;
    select_zone_peers(swarm, zin, peers, rng);
    return true;
}

void Tracker::fill_zone_reply(const zones::SwarmZones& zones, const PeerEndpoint& peer,
                              const zones::ZoneName& zone, ZoneReply& reply) {
    reply.role = zones.role_of(peer);
    for (const PeerEndpoint& leader : zones.leaders(zone)) {
        if (leader.is_v4()) {
            leader.write_compact(reply.leaders_v4 + reply.n4++ * PeerEndpoint::compact_v4_size);
        } else {
            leader.write_compact(reply.leaders_v6 + reply.n6++ * PeerEndpoint::compact_v6_size);
        }
    }
}

ZoneReply Tracker::zone_of(const InfoHash& hash, const PeerEndpoint& peer,
                           PeerListBuffer& members) const {
    ZoneReply reply;
    reply.present = true;
    members.n4 = 0;
    members.n6 = 0;
    const PeerEndpoint key_peer = peer.normalized();
    with_swarm_shard(hash, [&](const PeerStore::ShardData& d, const InfoHash& key) {
        auto it = d.swarms.find(key);
        if (it == d.swarms.end() || !it->second.zones) return false;
        const zones::MemberInfo* member = it->second.zones->find(key_peer);
        if (member == nullptr) return false;
        reply.zone = member->zone;
        fill_zone_reply(*it->second.zones, key_peer, member->zone, reply);
        if (reply.role == zones::Role::none) return true;
        for (const PeerEndpoint& other : it->second.zones->members(member->zone)) {
            if (other.is_v4() && members.n4 < kMaxPeersLimit) {
                other.write_compact(members.v4 + members.n4++ * PeerEndpoint::compact_v4_size);
            } else if (other.is_v6() && members.n6 < kMaxPeersLimit) {
                other.write_compact(members.v6 + members.n6++ * PeerEndpoint::compact_v6_size);
            }
        }
        return true;
    });
    return reply;
}

ScrapeEntry Tracker::scrape(const InfoHash& hash) const {
    ScrapeEntry e;
    e.info_hash = hash;
    with_swarm_shard(hash, [&](const PeerStore::ShardData& d, const InfoHash& key) {
        auto it = d.swarms.find(key);
        if (it == d.swarms.end()) return false;
        e.complete = it->second.seeders;
        e.incomplete = static_cast<std::uint32_t>(it->second.peer_count()) - it->second.seeders;
        e.downloaded = it->second.downloaded;
        return true;
    });
    return e;
}

void Tracker::scrape_all(const std::function<void(const ScrapeEntry&)>& f) const {
    store_.for_each([&](const InfoHash& h, const Swarm& sw) {
        ScrapeEntry e;
        e.info_hash = h;
        e.complete = sw.seeders;
        e.incomplete = static_cast<std::uint32_t>(sw.peer_count()) - sw.seeders;
        e.downloaded = sw.downloaded;
        f(e);
    });
}

WhitelistChange Tracker::set_whitelist(const std::vector<InfoHash>& hashes) {
    std::vector<TorrentHashes> torrents;
    torrents.reserve(hashes.size());
    for (const InfoHash& h : hashes)
        torrents.push_back({h});
    return set_torrents(torrents);
}

WhitelistChange Tracker::set_torrents(const std::vector<TorrentHashes>& torrents) {
    std::lock_guard lock(whitelist_mutex_);
    std::unordered_set<InfoHash> next;
    for (const auto& t : torrents) {
        if (!t.empty()) next.insert(t.front());
    }
    std::unordered_map<InfoHash, InfoHash> next_aliases;
    for (const auto& t : torrents) {
        for (std::size_t i = 1; i < t.size(); ++i) {
            // A hash that names a torrent of its own elsewhere in --dir stays a swarm.
            if (!next.count(t[i]) && t[i] != t.front()) next_aliases.emplace(t[i], t.front());
        }
    }
    WhitelistChange change;
    change.total = next.size() + next_aliases.size();
    for (const InfoHash& h : next) {
        if (whitelist_.count(h)) continue;
        if (!aliases_.count(h)) ++change.added;
        store_.with_shard(h, [&](PeerStore::ShardData& d) {
            d.aliases.erase(h);
            auto [it, inserted] = d.swarms.try_emplace(h);
            if (inserted) store_.note_torrent_added();
            it->second.whitelisted = true;
        });
    }
    // Plain references, not structured bindings: clang 14 (the fuzz build) cannot
    // capture a structured binding in a lambda.
    for (const auto& entry : next_aliases) {
        const InfoHash& alias = entry.first;
        const InfoHash& target = entry.second;
        if (auto old = aliases_.find(alias); old != aliases_.end() && old->second == target) {
            continue;
        }
        if (!whitelist_.count(alias) && !aliases_.count(alias)) ++change.added;
        store_.with_shard(alias, [&](PeerStore::ShardData& d) {
            // Peers of a swarm held under the alias (announced before the torrent was in
            // --dir, or while it was not hybrid) re-announce into the aliased swarm.
            if (auto it = d.swarms.find(alias); it != d.swarms.end()) store_.erase(d, it);
            d.aliases[alias] = target;
        });
    }
    const bool locked = locked_.load();
    for (const auto& entry : aliases_) {
        const InfoHash& alias = entry.first;
        if (next_aliases.count(alias)) continue;
        if (!next.count(alias)) ++change.removed;
        store_.with_shard(alias, [&](PeerStore::ShardData& d) { d.aliases.erase(alias); });
    }
    for (const InfoHash& h : whitelist_) {
        if (next.count(h)) continue;
        if (!next_aliases.count(h)) ++change.removed;
        if (locked || next_aliases.count(h)) {
            store_.erase(h);
        } else {
            store_.with_shard(h, [&](PeerStore::ShardData& d) {
                if (auto it = d.swarms.find(h); it != d.swarms.end()) {
                    it->second.whitelisted = false;
                }
            });
        }
    }
    whitelist_ = std::move(next);
    aliases_ = std::move(next_aliases);
    return change;
}

bool Tracker::is_whitelisted(const InfoHash& hash) const {
    std::lock_guard lock(whitelist_mutex_);
    return whitelist_.count(hash) != 0 || aliases_.count(hash) != 0;
}

std::size_t Tracker::expire() {
    return store_.expire(2 * interval_.load());
}

TrackerTotals Tracker::totals() const {
    TrackerTotals t;
    const SwarmTotals sum = store_.totals(t.torrents);
    const auto count = [](std::int64_t v) {
        return static_cast<std::size_t>(std::max<std::int64_t>(0, v));
    };
    t.seeders = count(sum.seeders);
    t.leechers = count(sum.peers_v4 + sum.peers_v6 - sum.seeders);
    t.completed = count(sum.completed);
    t.peers_v4 = count(sum.peers_v4);
    t.peers_v6 = count(sum.peers_v6);
    t.zones = count(sum.zones);
    t.leaders = count(sum.leaders);
    t.elections = store_.elections();
    t.zone_claims_ignored = zone_claims_ignored_.load(std::memory_order_relaxed);
    return t;
}

void Tracker::set_peer_observer(PeerObserver observer) {
    observer_ = std::move(observer);
}

AnnounceStatus Tracker::apply_remote_peer(const PeerChange& change) {
    const bool surge = mode_.load() == Mode::surge;
    Event event = Event::none;
    if (change.stopped) {
        event = Event::stopped;
    } else if (change.completed_first_time) {
        event = Event::completed;
    }
    PeerChange applied;
    std::uint64_t downloaded = 0;
    const AnnounceStatus result =
        with_swarm_shard(change.info_hash, [&](PeerStore::ShardData& d, const InfoHash& key) {
            AnnounceStatus status = AnnounceStatus::ok;
            Swarm* swarm = find_or_create(d.swarms, key, status);
            if (swarm == nullptr) return status;
            applied.info_hash = key;
            const SwarmTotals before = SwarmTotals::of(*swarm);
            status = apply(*swarm, change.peer.normalized(), change.seeding, event, surge, applied);
            if (status == AnnounceStatus::ok) apply_remote_zone(*swarm, change);
            d.totals += SwarmTotals::of(*swarm);
            d.totals -= before;
            downloaded = swarm->downloaded;
            return status;
        });
    if (applied.completed_first_time) note_completed(applied.info_hash, downloaded);
    return result;
}

void Tracker::note_completed(const InfoHash& key, std::uint64_t count) const {
    if (journal_ == nullptr) return;
    const auto now =
        std::chrono::duration_cast<std::chrono::seconds>(clock_.wall_now().time_since_epoch());
    journal_->completed(key, count, now.count());
}

std::size_t Tracker::torrent_count() const {
    return store_.torrent_count();
}

void Tracker::for_each_downloaded(
    const std::function<void(const InfoHash&, std::uint64_t)>& f) const {
    store_.for_each([&](const InfoHash& h, const Swarm& sw) { f(h, sw.downloaded); });
}

void Tracker::merge_downloaded(const InfoHash& hash, std::uint64_t count) {
    if (auto grown = raise_downloaded(hash, count)) note_completed(*grown, count);
}

void Tracker::restore_downloaded(const InfoHash& hash, std::uint64_t count) {
    raise_downloaded(hash, count);
}

std::optional<InfoHash> Tracker::raise_downloaded(const InfoHash& hash, std::uint64_t count) {
    InfoHash grown_key;
    const bool grew = with_swarm_shard(hash, [&](PeerStore::ShardData& d, const InfoHash& key) {
        AnnounceStatus status = AnnounceStatus::ok;
        Swarm* swarm = find_or_create(d.swarms, key, status);
        if (swarm == nullptr || count <= swarm->downloaded) return false;
        d.totals.completed += static_cast<std::int64_t>(count - swarm->downloaded);
        swarm->downloaded = count;
        grown_key = key;
        return true;
    });
    if (!grew) return std::nullopt;
    return grown_key;
}

}  // namespace aciswarm::tracker
