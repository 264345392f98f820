// Where bytes came from (a peer plugin counting payload per source) and the
// web seed gate (WebSeedUse::fallback: web seeds join only when peers fail).
#include <libtorrent/bdecode.hpp>
#include <libtorrent/bitfield.hpp>
#include <libtorrent/extensions.hpp>
#include <libtorrent/peer_connection_handle.hpp>
#include <libtorrent/torrent_info.hpp>
#include <libtorrent/torrent_status.hpp>

#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <random>

#include "agent/engine/engine_impl.hpp"
#include "http/auth.hpp"
#include "torrent/lt_convert.hpp"

namespace aciswarm::engine {
namespace {

// The extension handshake's key for this engine's piece share key (piece_shares.hpp).
constexpr const char* share_handshake_key = "aciswarm_share";
// The extension handshake's key of a super-seeding seed (BEP 16): its bitfield is
// empty by design, so only this says it is a seed (the registry's everseed in
// "Where bytes came from"; not a downloader for piece shares).
constexpr const char* super_seed_handshake_key = "aciswarm_super_seed";

// Disconnect reasons that are libtorrent's own decisions, not web seed failures.
bool is_normal_disconnect(const lt::error_code& ec) {
    return !ec || ec == boost::asio::error::operation_aborted ||
           ec == lt::errors::torrent_finished || ec == lt::errors::torrent_removed ||
           ec == lt::errors::torrent_paused || ec == lt::errors::stopping_torrent ||
           ec == lt::errors::upload_upload_connection ||
           ec == lt::errors::uninteresting_upload_peer || ec == lt::errors::too_many_connections;
}

// Runs on libtorrent's network thread: counts received payload per source
// and records web seed connection failures (TLS, connect), which libtorrent
// reports only as a peer disconnect.
class CountingPeerPlugin final : public lt::peer_plugin {
  public:
    CountingPeerPlugin(std::shared_ptr<SourceCounters> counters, bool web_seed,
                       lt::tcp::endpoint remote, Logger& log, std::uint64_t share_key,
                       bool super_seeding)
        : counters_(std::move(counters)),
          web_seed_(web_seed),
          remote_(remote),
          log_(log),
          share_key_(share_key),
          super_seeding_(super_seeding) {}
    bool on_piece(const lt::peer_request& piece, lt::span<const char>) override {
        (web_seed_ ? counters_->from_web_seeds : counters_->from_peers) += piece.length;
        if (!web_seed_) {
            std::lock_guard lock(counters_->mu);
            counters_->peer_bytes[remote_].bytes += piece.length;
        }
        return false;
    }
    bool on_have(lt::piece_index_t) override {
        if (web_seed_) return false;
        std::lock_guard lock(counters_->mu);
        ++counters_->peer_bytes[remote_].haves;
        return false;
    }
    // BEP 10 allows extra keys; other clients ignore this one.
    void add_handshake(lt::entry& handshake) override {
        if (super_seeding_) {
            handshake[super_seed_handshake_key] = 1;
        } else if (share_key_ != 0) {
            handshake[share_handshake_key] = static_cast<std::int64_t>(share_key_);
        }
    }
    bool on_extension_handshake(const lt::bdecode_node& handshake) override {
        if (web_seed_) return true;
        const std::int64_t port = handshake.dict_find_int_value("p", 0);
        const std::int64_t key = handshake.dict_find_int_value(share_handshake_key, 0);
        const bool super_seed = handshake.dict_find_int_value(super_seed_handshake_key, 0) == 1;
        std::lock_guard lock(counters_->mu);
        auto& peer = counters_->peer_bytes[remote_];
        if (port > 0 && port < 65536) peer.listen_port = static_cast<int>(port);
        if (key > 0 && !super_seed) peer.share_key = static_cast<std::uint64_t>(key);
        if (super_seed) peer.super_seed = true;
        return true;
    }
    bool on_have_all() override {
        mark_seed_at_connect(true);
        return false;
    }
    bool on_bitfield(const lt::bitfield& have) override {
        mark_seed_at_connect(have.all_set());
        return false;
    }
    void on_disconnect(const lt::error_code& ec) override {
        if (!web_seed_ || is_normal_disconnect(ec)) return;
        std::string message =
            "web seed " + endpoint_string(remote_.address(), remote_.port()) + ": " + ec.message();
        log_.warn(message);
        ++counters_->web_seed_failures;
        std::lock_guard lock(counters_->mu);
        counters_->last_web_seed_error = std::move(message);
    }

  private:
    // The first of HAVE_ALL / BITFIELD tells whether the peer came as a seed.
    void mark_seed_at_connect(bool seed) {
        if (web_seed_ || first_have_seen_) return;
        first_have_seen_ = true;
        std::lock_guard lock(counters_->mu);
        counters_->peer_bytes[remote_].seed_at_connect = seed;
    }

    std::shared_ptr<SourceCounters> counters_;
    bool web_seed_;
    lt::tcp::endpoint remote_;
    Logger& log_;
    std::uint64_t share_key_;
    bool super_seeding_;
    bool first_have_seen_ = false;
};

class CountingTorrentPlugin final : public lt::torrent_plugin {
  public:
    CountingTorrentPlugin(std::shared_ptr<SourceCounters> counters, Logger& log,
                          std::uint64_t share_key, bool super_seeding)
        : counters_(std::move(counters)),
          log_(log),
          share_key_(share_key),
          super_seeding_(super_seeding) {}
    std::shared_ptr<lt::peer_plugin> new_connection(const lt::peer_connection_handle& pc) override {
        const bool web_seed = pc.type() != lt::connection_type::bittorrent;
        if (web_seed) {
            std::lock_guard lock(counters_->mu);
            counters_->web_seed_addresses.insert(pc.remote().address());
        }
        return std::make_shared<CountingPeerPlugin>(counters_, web_seed, pc.remote(), log_,
                                                    share_key_, super_seeding_);
    }

  private:
    std::shared_ptr<SourceCounters> counters_;
    Logger& log_;
    std::uint64_t share_key_;
    bool super_seeding_;
};

}  // namespace

void note_web_seed_addresses(const std::vector<std::string>& urls, SourceCounters& counters) {
    for (const auto& url : urls) {
        auto authority = http::url_authority(url);
        if (!authority) continue;
        std::string host = authority->host;
        if (host.size() > 2 && host.front() == '[' && host.back() == ']')
            host = host.substr(1, host.size() - 2);
        addrinfo hints{};
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        addrinfo* found = nullptr;
        if (getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0) continue;
        std::lock_guard lock(counters.mu);
        for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
            if (auto ep = PeerEndpoint::from_sockaddr(a->ai_addr, a->ai_addrlen))
                counters.web_seed_addresses.insert(torrent::detail::to_lt(*ep).address());
        }
        freeaddrinfo(found);
    }
}

std::shared_ptr<lt::torrent_plugin> make_counting_plugin(std::shared_ptr<SourceCounters> counters,
                                                         Logger& log, std::uint64_t share_key,
                                                         bool super_seeding) {
    return std::make_shared<CountingTorrentPlugin>(std::move(counters), log, share_key,
                                                   super_seeding);
}

// Alert thread: opens a download's held-back web seeds when its gate opens
// (web seed slices, or libtorrent's web seed), and closes them when it closes
// (web_seed_gate.hpp). With slices, a second gate adds libtorrent's web seed
// when neither slices nor peers deliver (the origin of last resort).
void Engine::Impl::maybe_gate_web_seeds() {
    const auto now = clock.now();
    if (now - last_web_seed_check < std::chrono::milliseconds(250)) return;
    last_web_seed_check = now;
    struct Work {
        TorrentId id;
        lt::torrent_handle handle;
        std::shared_ptr<WebSeedGate> gate;
        std::shared_ptr<WebSeedGate> last_resort;  // with slices only
        std::int64_t from_peers;
        std::int64_t from_slices;
        bool slices;  // a slice source: web seed slices, not libtorrent's web seed
        int super_seeds;
        std::vector<std::string> urls;
        std::string name;
        std::optional<std::int64_t> leader_progress;  // a follower with leaders only
    };
    std::vector<Work> work;
    {
        std::lock_guard lock(mu);
        for (auto& [_, e] : entries) {
            if (e.gated_web_seeds.empty() || e.finished || !e.error.empty()) continue;
            if (!e.web_seed_gate) {
                e.web_seed_gate = std::make_shared<WebSeedGate>(
                    config.web_seed_delay, config.web_seed_min_open, config.web_seed_close_bytes,
                    config.zone.leader_timeout);
            }
            // A follower waits for its leaders; so does a configured follower whose
            // role the tracker has not told yet (ZoneView::role unknown).
            std::optional<std::int64_t> leader_progress;
            if (e.zone_view.role == ZoneRole::follower && !e.zone_view.leaders.empty()) {
                std::lock_guard counters_lock(e.counters->mu);
                leader_progress = e.counters->progress_of(e.zone_view.leaders);
            } else if (e.zone_view.role == ZoneRole::unknown && config.zone.follower()) {
                leader_progress = 0;
            }
            int super_seeds = 0;
            {
                std::lock_guard counters_lock(e.counters->mu);
                super_seeds = e.counters->super_seed_addresses();
            }
            work.push_back({e.id, e.handle, e.web_seed_gate, e.last_resort_gate,
                            e.counters->from_peers.load(), e.slices ? e.slices->bytes() : 0,
                            e.slice_source.has_value(), super_seeds, e.gated_web_seeds,
                            e.hashes.best().hex(), leader_progress});
        }
    }
    // libtorrent calls outside mu: they wait for its network thread.
    for (auto& w : work) {
        // A torrent removed meanwhile makes its handle throw: nothing left to gate.
        try {
            gate_one(w.id, w.handle, *w.gate, w.last_resort.get(),
                     {w.from_peers, w.from_slices, w.slices, w.super_seeds}, w.urls, w.name,
                     w.leader_progress, now);
        } catch (const std::exception& e) {
            log.debug(w.name, ": web seed gate: ", e.what());
        }
    }
}

void Engine::Impl::gate_one(TorrentId id, const lt::torrent_handle& handle, WebSeedGate& gate,
                            WebSeedGate* last_resort, GateBytes bytes,
                            const std::vector<std::string>& urls, const std::string& name,
                            std::optional<std::int64_t> leader_progress, Clock::SteadyTime now) {
    if (!handle.is_valid()) return;
    const lt::torrent_status st = handle.status({});
    if (st.state != lt::torrent_status::downloading) return;
    // Not num_seeds: libtorrent counts a connected web seed as a seed.
    const bool has_seed = st.num_complete > 0 || st.list_seeds > 0;
    gate.note_leaders(now, leader_progress);
    // num_complete is -1 until a tracker answered. Slices take only pieces no peer
    // has, so they open at once when no seed would send soon: none, or only
    // super-seeding ones (silent for ~10 s).
    const SeedView seeds{st.num_complete, st.list_seeds, bytes.super_seeds};
    if (bytes.slices && ((st.num_complete == 0 && st.list_seeds == 0 &&
                          gate.open_without_seed(now) == WebSeedGate::Action::add) ||
                         gate.open_for_super_seeds(now, seeds) == WebSeedGate::Action::add)) {
        log.info(name, ": opening ", urls.size(), " web seed(s): ", gate.reason());
        gate_web_seeds(id, handle, urls, true);
        return;
    }
    // Slices take only pieces nobody has: while the swarm has no seed, every node
    // takes its own, and bytes from peers do not keep the gate shut (else only the
    // first nodes would fetch from the origin, at their downlinks' rate).
    const auto action =
        gate.observe(now, bytes.slices && !has_seed ? 0 : bytes.from_peers, has_seed);
    if (action != WebSeedGate::Action::none) {
        const bool open = action == WebSeedGate::Action::add;
        log.info(name, open ? ": opening " : ": closing ", urls.size(),
                 " web seed(s): ", gate.reason());
        gate_web_seeds(id, handle, urls, open);
        return;
    }
    if (!last_resort || !gate.open()) return;
    switch (last_resort->observe(now, bytes.from_peers + bytes.from_slices, has_seed)) {
        case WebSeedGate::Action::none:
            break;
        case WebSeedGate::Action::add:
            log.info(name, ": adding libtorrent's web seed too: ", last_resort->reason(),
                     " (slices or peers)");
            for (const auto& url : urls)
                handle.add_url_seed(url);
            break;
        case WebSeedGate::Action::remove:
            log.info(name, ": removing libtorrent's web seed: ", last_resort->reason());
            for (const auto& url : urls)
                handle.remove_url_seed(url);
            break;
    }
}

void Engine::Impl::gate_web_seeds(TorrentId id, const lt::torrent_handle& handle,
                                  const std::vector<std::string>& urls, bool open) {
    std::shared_ptr<SliceFetcher> slices;
    {
        std::lock_guard lock(mu);
        auto it = entries.find(id.value);
        if (it == entries.end()) return;
        Entry& e = it->second;
        if (e.slice_source && open) {
            // Counts from the slices' start: a fresh gate each time they resume.
            e.last_resort_gate = std::make_shared<WebSeedGate>(
                config.web_seed_delay, config.web_seed_min_open, config.web_seed_close_bytes);
        } else if (e.last_resort_gate && e.last_resort_gate->open()) {
            for (const auto& url : urls)
                handle.remove_url_seed(url);
            e.last_resort_gate.reset();
        }
        if (e.slice_source && !e.slices && open) {
            http::ClientOptions options = http::download_options();
            options.allow_http = true;  // the URL passed the download's web seed policy
            options.ca_file = config.ca_file.string();
            options.skip_tls_verify = config.insecure_tls;
            options.stall_timeout = std::chrono::seconds(10);
            options.user_agent = config.user_agent;
            SliceFetcher::Setup setup{*e.slice_source, config.web_seed_request_bytes,
                                      std::random_device{}(), std::move(options)};
            e.slices =
                std::make_shared<SliceFetcher>(handle, std::move(setup), e.counters, log, clock);
            if (e.shares) e.slices->set_share(e.shares->share());
        }
        slices = e.slices;
    }
    if (slices) {
        slices->set_active(open);
        return;
    }
    for (const auto& url : urls)
        open ? handle.add_url_seed(url) : handle.remove_url_seed(url);
}

void Engine::Impl::stop_slices() {
    std::vector<std::shared_ptr<SliceFetcher>> all;
    {
        std::lock_guard lock(mu);
        for (auto& [_, e] : entries)
            if (e.slices) all.push_back(e.slices);
    }
    for (auto& s : all)
        s->stop();
}

std::vector<std::string> Engine::Impl::hold_back_web_seeds(lt::add_torrent_params& params) const {
    std::vector<std::string> held_back = std::move(params.url_seeds);
    params.url_seeds.clear();
    if (params.ti) {
        std::vector<lt::web_seed_entry> kept;  // BEP 17 http seeds: not gated
        for (const auto& ws : params.ti->web_seeds()) {
            if (ws.type != lt::web_seed_entry::url_seed) {
                kept.push_back(ws);
            } else if (std::find(held_back.begin(), held_back.end(), ws.url) == held_back.end()) {
                held_back.push_back(ws.url);
            }
        }
        params.ti->set_web_seeds(std::move(kept));
    }
    return held_back;
}

Status Engine::add_web_seed(TorrentId id, const std::string& url) {
    std::lock_guard lock(impl_->mu);
    auto entry = impl_->entry(id);
    if (!entry) return std::move(entry).error();
    (*entry)->handle.add_url_seed(url);
    return {};
}
}  // namespace aciswarm::engine
