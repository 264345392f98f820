#include "tracker/app/tracker_web_source.hpp"

#include <algorithm>
#include <cstdio>

#include "tracker/zones/swarm_zones.hpp"

namespace aciswarm::tracker {
namespace {

std::int64_t unix_seconds(const Clock& clock) {
    return std::chrono::duration_cast<std::chrono::seconds>(clock.wall_now().time_since_epoch())
        .count();
}

// Each zone of the swarm with its member count and leaders (best first).
std::vector<web::ZoneRow> zone_rows(const zones::SwarmZones* swarm_zones) {
    std::vector<web::ZoneRow> rows;
    if (swarm_zones == nullptr) return rows;
    swarm_zones->for_each_zone([&](const zones::ZoneName& zone,
                                   std::span<const PeerEndpoint> members,
                                   std::span<const PeerEndpoint> leaders) {
        if (zone.empty()) return;
        web::ZoneRow row{zone.str(), members.size(), leaders.size(), {}};
        for (const PeerEndpoint& leader : leaders)
            row.leaders.push_back(leader.to_string());
        rows.push_back(std::move(row));
    });
    return rows;
}

template <class List>
void add_peers(const List& list, const zones::SwarmZones* swarm_zones, std::uint32_t now,
               std::vector<web::PeerRow>& out) {
    for (std::size_t i = 0; i < list.size(); ++i) {
        const auto& rec = list[i];
        auto peer = PeerEndpoint::from_compact(std::span(rec.key.data(), rec.key.size()));
        if (!peer) continue;
        web::PeerRow row;
        row.address = peer->address_string();
        row.port = peer->port();
        row.seeder = (rec.flags & peer_flag::seeder) != 0;
        row.last_announce_age = now >= rec.last_seen ? now - rec.last_seen : 0;
        if (const zones::MemberInfo* member = swarm_zones ? swarm_zones->find(*peer) : nullptr) {
            row.zone = member->zone.str();
            row.role = zones::role_name(swarm_zones->role_of(*peer));
        }
        out.push_back(std::move(row));
    }
}

}  // namespace

TrackerWebSource::TrackerWebSource(const Tracker& tracker, const Clock& clock)
    : tracker_(tracker), clock_(clock), started_(clock.now()) {}

void TrackerWebSource::set_labels(
    const std::vector<std::pair<std::vector<InfoHash>, TorrentLabel>>& torrents) {
    std::unordered_map<InfoHash, TorrentLabel> next;
    for (const auto& [hashes, label] : torrents) {
        for (const InfoHash& h : hashes)
            next.emplace(h, label);
    }
    std::lock_guard lock(labels_mutex_);
    labels_.swap(next);
}

void TrackerWebSource::sample() {
    const web::Totals t = totals();
    history_.add(web::RateSample{unix_seconds(clock_), t.announces_per_second, t.scrapes_per_second,
                                 t.peers});
}

web::Totals TrackerWebSource::totals() const {
    const TrackerTotals t = tracker_.totals();
    web::Totals out;
    out.torrents = t.torrents;
    out.peers = t.peers_v4 + t.peers_v6;
    if (server_ != nullptr) {
        const auto rates = server_->rates();
        out.announces_per_second = rates[http_announce] + rates[udp_announce];
        out.scrapes_per_second = rates[http_scrape] + rates[udp_scrape];
    }
    out.uptime_seconds =
        std::chrono::duration_cast<std::chrono::seconds>(clock_.now() - started_).count();
    out.mode = mode_name(tracker_.settings().mode);
    out.zones = t.zones;
    out.leaders = t.leaders;
    out.elections = t.elections;
    out.zone_claims_ignored = t.zone_claims_ignored;
    return out;
}

web::SwarmRow TrackerWebSource::row(const InfoHash& hash, const Swarm& swarm) const {
    web::SwarmRow r;
    r.info_hash = hash;
    r.seeders = swarm.seeders;
    r.leechers = swarm.peer_count() - swarm.seeders;
    r.completed = swarm.downloaded;
    r.peers_v4 = swarm.v4.size();
    r.peers_v6 = swarm.v6.size();
    r.zones = zone_rows(swarm.zones.get());
    return r;
}

void TrackerWebSource::apply_label(web::SwarmRow& r) const {
    auto it = labels_.find(r.info_hash);
    if (it == labels_.end()) return;
    r.name = it->second.name;
    r.os = it->second.os;
    r.arch = it->second.arch;
    r.version = it->second.version;
}

std::vector<web::SwarmRow> TrackerWebSource::swarms() const {
    std::vector<web::SwarmRow> rows;
    tracker_.store().for_each(
        [&](const InfoHash& hash, const Swarm& swarm) { rows.push_back(row(hash, swarm)); });
    std::lock_guard lock(labels_mutex_);
    for (web::SwarmRow& r : rows)
        apply_label(r);
    return rows;
}

std::optional<web::SwarmDetail> TrackerWebSource::swarm(const InfoHash& hash,
                                                        bool with_peers) const {
    std::optional<web::SwarmDetail> detail;
    const std::uint32_t now = tracker_.store().now_seconds();
    tracker_.store().with_shard(hash, [&](const PeerStore::ShardData& d) {
        auto it = d.swarms.find(hash);
        if (it == d.swarms.end()) return;
        detail.emplace();
        detail->swarm = row(hash, it->second);
        if (!with_peers) return;
        const zones::SwarmZones* swarm_zones = it->second.zones.get();
        add_peers(it->second.v4, swarm_zones, now, detail->peers);
        add_peers(it->second.v6, swarm_zones, now, detail->peers);
    });
    if (!detail) return detail;
    std::lock_guard lock(labels_mutex_);
    apply_label(detail->swarm);
    return detail;
}

// livesync keeps totals, not a table of instances: the page shows this instance and
// its counters (instances stays empty until livesync keeps one).
namespace {

// livesync's table of instances heard from, as the /cluster page shows it.
std::vector<web::ClusterInstance> cluster_instances(const std::vector<livesync::InstanceRow>& rows,
                                                    Clock::SteadyTime now) {
    std::vector<web::ClusterInstance> out;
    for (const livesync::InstanceRow& r : rows) {
        char id[17];
        std::snprintf(id, sizeof(id), "%016llx", static_cast<unsigned long long>(r.instance));
        web::ClusterInstance i;
        i.instance_id = id;
        i.address = r.address.to_string();
        i.last_packet_age = std::chrono::duration<double>(now - r.last_packet).count();
        i.packets = r.packets;
        i.peers_received = r.peers_received;
        i.auth_failures = r.auth_failures;
        i.accepted = {{"peer", r.peer_packets},
                      {"beacon", r.beacons},
                      {"inquire", r.inquires},
                      {"tell", r.tells}};
        i.rejected = {{"auth", r.auth_failures}, {"stale", r.stale}, {"replay", r.replayed}};
        out.push_back(std::move(i));
    }
    return out;
}

}  // namespace

web::ClusterView TrackerWebSource::cluster() const {
    web::ClusterView view;
    if (sync_ == nullptr) return view;
    view.enabled = true;
    char id[17];
    std::snprintf(id, sizeof(id), "%016llx", static_cast<unsigned long long>(sync_->instance()));
    view.local.emplace_back("instance", id);
    if (auto unicast = sync_->unicast_endpoint())
        view.local.emplace_back("unicast", unicast->to_string());
    const livesync::Counters& c = sync_->counters();
    const auto add = [&](const char* name, const std::atomic<std::uint64_t>& v) {
        view.local.emplace_back(name, std::to_string(v.load(std::memory_order_relaxed)));
    };
    add("packets accepted", c.accepted);
    add("packets sent", c.sent);
    add("rejected: bad tag", c.rejected_bad_tag);
    add("rejected: replay", c.rejected_replay);
    add("rejected: stale", c.rejected_stale);
    add("rejected: malformed", c.rejected_malformed);
    add("rejected: not allowed", c.rejected_not_allowed);
    add("peers applied", c.peers_applied);
    add("tells applied", c.tells_applied);
    view.instances = cluster_instances(sync_->instances(), clock_.now());
    return view;
}

std::vector<web::RateSample> TrackerWebSource::history() const {
    return history_.samples();
}

}  // namespace aciswarm::tracker
