// The zone thread: a zone-aware engine (--zone or --leader-candidate) asks each
// torrent's HTTP trackers for its role and its zone's leaders (GET /zone,
// agent/engine/zone_role.hpp), because libtorrent 2.0.8 does not hand the announce
// reply's zone key to us. The answer drives the follower's web seed gate
// (--leader-timeout, engine_web_seeds.cpp) and TorrentStatus. Also here, on the
// alert thread: a leader's piece priorities (zone_leader_pieces.hpp).
#include <libtorrent/announce_entry.hpp>
#include <libtorrent/download_priority.hpp>
#include <libtorrent/peer_info.hpp>
#include <libtorrent/torrent_status.hpp>

#include <algorithm>

#include "agent/engine/engine_impl.hpp"
#include "agent/engine/zone_leader_pieces.hpp"
#include "common/url.hpp"
#include "http/client.hpp"
#include "torrent/lt_convert.hpp"

namespace aciswarm::engine {
namespace {

// How often each torrent's role is asked: a re-election (a leader stopped or timed
// out) reaches the followers within this, well inside the default --leader-timeout.
constexpr std::chrono::seconds kZoneQueryInterval{5};
// ... and for a finished torrent (a seed), whose role only shows in its status.
constexpr std::chrono::seconds kSeedQueryInterval{60};
// A leader that is still downloading re-announces this often, past --interval: the
// tracker lists it every peer outside its zone, and other zones' nodes become sources
// as they fetch (docs/zones.md, "A downloading leader re-announces").
constexpr std::chrono::seconds kLeaderReannounceInterval{5};

http::ClientOptions zone_query_options(const EngineConfig& config) {
    http::ClientOptions o = http::page_options();
    o.allow_http = true;  // trackers are plain HTTP as often as not
    o.ca_file = config.ca_file.string();
    o.skip_tls_verify = config.insecure_tls;
    o.connect_timeout = std::chrono::milliseconds(2000);
    o.total_timeout = std::chrono::milliseconds(4000);
    o.max_body = 16384;  // a follower's members: at most 512 per family (tracker/core)
    o.max_redirects = 0;
    o.user_agent = config.user_agent;
    return o;
}

// How often a leader's piece priorities follow its zone peers' pieces.
constexpr std::chrono::seconds kLeaderPiecesInterval{1};

// One bool per piece of a libtorrent piece bitfield (zone_leader_pieces.hpp's input).
std::vector<bool> piece_bools(const lt::typed_bitfield<lt::piece_index_t>& pieces) {
    std::vector<bool> has(static_cast<std::size_t>(pieces.size()));
    for (int i = 0; i < pieces.size(); ++i)
        has[static_cast<std::size_t>(i)] = pieces.get_bit(lt::piece_index_t(i));
    return has;
}

// The pieces of a torrent's connected BitTorrent peers inside the node's zone.
std::vector<std::vector<bool>> zone_peer_pieces(const lt::torrent_handle& handle,
                                                const ZonePeerFilter& filter) {
    std::vector<lt::peer_info> peers;
    handle.get_peer_info(peers);
    std::vector<std::vector<bool>> out;
    for (const lt::peer_info& p : peers) {
        if (p.connection_type != lt::peer_info::standard_bittorrent) continue;
        if (!filter.in_zone(torrent::detail::from_lt(p.ip))) continue;
        out.push_back(piece_bools(p.pieces));
    }
    return out;
}

void apply_leader_priorities(const lt::torrent_handle& handle, std::size_t num_pieces,
                             const std::vector<std::uint8_t>& priorities) {
    std::vector<lt::download_priority_t> out(num_pieces, lt::default_priority);
    for (std::size_t i = 0; i < priorities.size() && i < num_pieces; ++i)
        out[i] = lt::download_priority_t(priorities[i]);
    handle.prioritize_pieces(out);
}

std::string describe(const ZoneView& view) {
    std::string text =
        std::string("role ") + zone_role_name(view.role) + " in zone '" + view.zone + "'";
    if (view.leaders.empty()) return text + ", no leader";
    text += ", leaders";
    for (const PeerEndpoint& leader : view.leaders)
        text += " " + leader.to_string();
    return text;
}

}  // namespace

std::int64_t SourceCounters::progress_of(const std::vector<PeerEndpoint>& peers) const {
    std::int64_t sum = 0;
    for (const auto& [remote, peer] : peer_bytes) {
        const std::string address = remote.address().to_string();
        for (const PeerEndpoint& p : peers) {
            if (p.normalized().address_string() != address) continue;
            if (p.port() != remote.port() && p.port() != peer.listen_port) continue;
            sum += peer.bytes + peer.haves;
            break;
        }
    }
    return sum;
}

bool Engine::Impl::on_new_role(lt::torrent_handle handle, const std::string& name,
                               const ZoneView& view) const {
    log.info(name, ": zone ", describe(view));
    // An announce made before the zone had its leaders got today's reply: every new
    // role asks again for the zone lists. A new follower keeps its connections: the zone
    // peer plugin drops those to peers outside its zone within a second (their answer
    // changed), and dropping all of them (clear_peers, as before) made it redial its
    // leader at once; the leader, still holding the old connection, could close the new
    // one as a duplicate peer id, and libtorrent then waits min_reconnect_time (60 s)
    // before dialling that peer again (docs/zones.md, "Learning the role").
    if (view.role == ZoneRole::none) return false;
    handle.force_reannounce(0, -1, lt::torrent_handle::ignore_min_interval);
    return true;
}

void Engine::Impl::log_zone_sources(const Entry& e) const {
    std::map<std::string, std::int64_t> by_address;
    {
        std::lock_guard lock(e.counters->mu);
        for (const auto& [remote, peer] : e.counters->peer_bytes) {
            if (peer.bytes > 0) by_address[remote.address().to_string()] += peer.bytes;
        }
    }
    const auto text = [](const std::map<std::string, std::int64_t>& bytes) {
        std::string out;
        for (const auto& [address, n] : bytes)
            out += " " + address + "=" + std::to_string(n);
        return out.empty() ? std::string(" none") : out;
    };
    log.info(e.hashes.best().hex(), ": zone ", zone_role_name(e.zone_view.role),
             ", payload by peer address:", text(by_address),
             "; as a follower:", text(e.zone_filter->follower_payload()),
             "; web seeds=", e.counters->from_web_seeds.load());
}

void Engine::Impl::reannounce_leader(const lt::torrent_handle& handle, Clock::SteadyTime& last,
                                     Clock::SteadyTime now) const {
    if (now - last < kLeaderReannounceInterval) return;
    last = now;
    handle.force_reannounce(0, -1, lt::torrent_handle::ignore_min_interval);
}

void Engine::Impl::maybe_update_leader_pieces() {
    if (!config.zone.aware()) return;
    const auto now = clock.now();
    if (now - last_leader_pieces_check < kLeaderPiecesInterval) return;
    last_leader_pieces_check = now;
    struct Work {
        std::uint64_t id;
        lt::torrent_handle handle;
        std::shared_ptr<ZonePeerFilter> filter;
        bool leader;
        std::vector<std::uint8_t> applied;
        std::string name;
    };
    std::vector<Work> work;
    {
        std::lock_guard lock(mu);
        for (const auto& [id, e] : entries) {
            const bool leader = e.zone_view.role == ZoneRole::leader;
            if (e.finished || !e.error.empty() || !e.zone_filter) continue;
            if (!leader && e.leader_priorities.empty()) continue;
            work.push_back(
                {id, e.handle, e.zone_filter, leader, e.leader_priorities, e.hashes.best().hex()});
        }
    }
    // libtorrent calls outside mu: they wait for its network thread.
    for (Work& w : work) {
        try {
            const lt::torrent_status st = w.handle.status(lt::torrent_handle::query_pieces);
            if (st.state != lt::torrent_status::downloading || !st.has_metadata) continue;
            // No longer a leader (re-elected): back to libtorrent's defaults.
            const LeaderPiecePlan plan =
                w.leader ? plan_leader_pieces(piece_bools(st.pieces),
                                              zone_peer_pieces(w.handle, *w.filter))
                         : LeaderPiecePlan{};
            if (plan.priorities == w.applied) continue;
            apply_leader_priorities(w.handle, static_cast<std::size_t>(st.pieces.size()),
                                    plan.priorities);
            log.debug(w.name, ": leader piece priorities: ", plan.only_the_leader,
                      " missing pieces nobody in the zone has (top), ", plan.held_in_zone,
                      " held in the zone (low)");
            std::lock_guard lock(mu);
            if (auto it = entries.find(w.id); it != entries.end())
                it->second.leader_priorities = plan.priorities;
        } catch (const std::exception& e) {
            // A torrent removed meanwhile makes its handle throw.
            log.debug(w.name, ": leader piece priorities: ", e.what());
        }
    }
}

std::vector<std::string> Engine::Impl::zone_query_urls(const lt::torrent_handle& handle,
                                                       const InfoHash& hash,
                                                       std::uint16_t port) const {
    std::vector<std::string> urls;
    for (const lt::announce_entry& tracker : handle.trackers()) {
        if (auto url = zone_query_url(tracker.url, hash, port)) urls.push_back(std::move(*url));
    }
    return urls;
}

void Engine::Impl::run_zone_queries(std::stop_token stop) {
    http::Client client(zone_query_options(config));
    const ZoneRoleWatch::Query query = [&](const std::string& url) -> Result<std::string> {
        auto response = client.get(url);
        if (!response) return std::move(response).error();
        if (response->status != 200) {
            return make_error(Errc::network, redact_url_secrets(url) + ": HTTP " +
                                                 std::to_string(response->status));
        }
        return std::move(response->body);
    };
    std::map<std::uint64_t, ZoneRoleWatch> watches;               // by TorrentId
    std::map<std::uint64_t, Clock::SteadyTime> leader_announces;  // by TorrentId
    struct Work {
        std::uint64_t id;
        lt::torrent_handle handle;
        InfoHash hash;
        std::string name;
        std::shared_ptr<ZonePeerFilter> filter;
    };
    while (!stop.stop_requested()) {
        std::vector<Work> work;
        std::uint16_t port = 0;
        const auto now = clock.now();
        {
            std::unique_lock lock(mu);
            std::erase_if(watches, [&](const auto& w) { return entries.count(w.first) == 0; });
            std::erase_if(leader_announces,
                          [&](const auto& a) { return entries.count(a.first) == 0; });
            for (const auto& [id, e] : entries) {
                // Asked once the tracker has the node (a tracker replied to its announce):
                // an earlier ask gets role none, and the next ask is a second away.
                if (!e.announced) continue;
                auto [it, _] = watches.try_emplace(id, kZoneQueryInterval);
                it->second.set_interval(e.finished ? kSeedQueryInterval : kZoneQueryInterval);
                if (it->second.due(now)) {
                    work.push_back(
                        {id, e.handle, e.hashes.best(), e.hashes.best().hex(), e.zone_filter});
                }
                if (!e.finished && e.zone_view.role == ZoneRole::leader)
                    reannounce_leader(e.handle, leader_announces[id], now);
            }
            if (!listeners.empty()) port = listeners.front().port();
        }
        for (Work& w : work) {
            if (stop.stop_requested() || !w.handle.is_valid()) break;
            ZoneRoleWatch& watch = watches.at(w.id);
            const std::uint64_t changes = watch.changes();
            watch.ask(now, zone_query_urls(w.handle, w.hash, port), query);
            if (w.filter) w.filter->update(watch.view());
            if (watch.changes() != changes && on_new_role(w.handle, w.name, watch.view()))
                leader_announces[w.id] = now;
            std::lock_guard lock(mu);
            auto it = entries.find(w.id);
            if (it == entries.end()) continue;
            if (!watch.error().empty() && watch.error() != it->second.zone_error)
                log.warn(w.name, ": zone role: ", watch.error());
            it->second.zone_view = watch.view();
            it->second.zone_error = watch.error();
        }
        std::unique_lock lock(mu);
        // A torrent's first tracker reply wakes the thread at once (the alert thread
        // notifies cv after each batch): until its role is known, a follower-to-be
        // downloads from anybody.
        cv.wait_for(lock, stop, std::chrono::seconds(1), [&] {
            return std::any_of(entries.begin(), entries.end(), [&](const auto& entry) {
                return entry.second.announced && watches.count(entry.first) == 0;
            });
        });
    }
}

}  // namespace aciswarm::engine
