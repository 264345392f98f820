#include "agent/engine/engine.hpp"

#include <libtorrent/add_torrent_params.hpp>
#include <libtorrent/alert_types.hpp>
#include <libtorrent/bitfield.hpp>
#include <libtorrent/create_torrent.hpp>
#include <libtorrent/error_code.hpp>
#include <libtorrent/extensions.hpp>
#include <libtorrent/fingerprint.hpp>
#include <libtorrent/ip_filter.hpp>
#include <libtorrent/magnet_uri.hpp>
#include <libtorrent/peer_connection_handle.hpp>
#include <libtorrent/peer_info.hpp>
#include <libtorrent/read_resume_data.hpp>
#include <libtorrent/session.hpp>
#include <libtorrent/session_params.hpp>
#include <libtorrent/settings_pack.hpp>
#include <libtorrent/torrent_handle.hpp>
#include <libtorrent/torrent_info.hpp>
#include <libtorrent/torrent_status.hpp>
#include <libtorrent/write_resume_data.hpp>
#include <set>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "agent/engine/stuck_pieces.hpp"
#include "agent/engine/web_seed_gate.hpp"
#include "common/duration.hpp"
#include "common/text.hpp"
#include "torrent/lt_convert.hpp"

namespace aciswarm::engine {

Result<EncryptionPolicy> parse_encryption_policy(std::string_view text) {
    if (text == "prefer") return EncryptionPolicy::prefer;
    if (text == "require") return EncryptionPolicy::require;
    if (text == "disable") return EncryptionPolicy::disable;
    return make_error(Errc::invalid_argument, "encryption policy '" + std::string(text) +
                                                  "': want prefer, require or disable");
}

std::string_view encryption_policy_name(EncryptionPolicy policy) {
    switch (policy) {
        case EncryptionPolicy::prefer:
            return "prefer";
        case EncryptionPolicy::require:
            return "require";
        case EncryptionPolicy::disable:
            return "disable";
    }
    return "?";
}

Result<WebSeedUse> parse_web_seed_use(std::string_view text) {
    if (text == "always") return WebSeedUse::always;
    if (text == "fallback") return WebSeedUse::fallback;
    return make_error(Errc::invalid_argument,
                      "web seed use '" + std::string(text) + "': want always or fallback");
}

std::string_view web_seed_use_name(WebSeedUse use) {
    return use == WebSeedUse::always ? "always" : "fallback";
}

std::string_view torrent_state_name(TorrentState state) {
    switch (state) {
        case TorrentState::checking:
            return "checking";
        case TorrentState::downloading_metadata:
            return "downloading_metadata";
        case TorrentState::downloading:
            return "downloading";
        case TorrentState::finished:
            return "finished";
        case TorrentState::seeding:
            return "seeding";
        case TorrentState::error:
            return "error";
    }
    return "?";
}

namespace {

using namespace std::chrono_literals;

std::string endpoint_string(const lt::address& addr, int port) {
    if (addr.is_v6()) return "[" + addr.to_string() + "]:" + std::to_string(port);
    return addr.to_string() + ":" + std::to_string(port);
}

// Payload bytes received per source. Written by libtorrent's network thread
// (the plugin), read by any thread.
struct SourceCounters {
    std::atomic<std::int64_t> from_peers{0};
    std::atomic<std::int64_t> from_web_seeds{0};
    std::atomic<int> web_seed_failures{0};
    std::mutex mu;
    std::string last_web_seed_error;  // guarded by mu
    // Payload bytes per BitTorrent peer, whether it was a seed when it
    // connected (its first message: HAVE_ALL or a full bitfield), and the
    // addresses web seeds were reached at. A peer that was a seed from the
    // start at a web seed's address is the registry's everseed, which runs
    // beside its HTTPS server (docs/engine.md, "Where bytes came from").
    // Guarded by mu.
    struct PeerBytes {
        std::int64_t bytes = 0;
        bool seed_at_connect = false;
    };
    std::map<lt::tcp::endpoint, PeerBytes> peer_bytes;
    std::set<lt::address> web_seed_addresses;

    // Bytes from everseed-like peers. Caller holds mu.
    std::int64_t from_origin_peers() const {
        std::int64_t sum = 0;
        for (const auto& [ep, peer] : peer_bytes) {
            if (peer.seed_at_connect && web_seed_addresses.count(ep.address()) != 0)
                sum += peer.bytes;
        }
        return sum;
    }
};

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
                       lt::tcp::endpoint remote, Logger& log)
        : counters_(std::move(counters)), web_seed_(web_seed), remote_(remote), log_(log) {}
    bool on_piece(const lt::peer_request& piece, lt::span<const char>) override {
        (web_seed_ ? counters_->from_web_seeds : counters_->from_peers) += piece.length;
        if (!web_seed_) {
            std::lock_guard lock(counters_->mu);
            counters_->peer_bytes[remote_].bytes += piece.length;
        }
        return false;
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
    bool first_have_seen_ = false;
};

class CountingTorrentPlugin final : public lt::torrent_plugin {
  public:
    CountingTorrentPlugin(std::shared_ptr<SourceCounters> counters, Logger& log)
        : counters_(std::move(counters)), log_(log) {}
    std::shared_ptr<lt::peer_plugin> new_connection(const lt::peer_connection_handle& pc) override {
        const bool web_seed = pc.type() != lt::connection_type::bittorrent;
        if (web_seed) {
            std::lock_guard lock(counters_->mu);
            counters_->web_seed_addresses.insert(pc.remote().address());
        }
        return std::make_shared<CountingPeerPlugin>(counters_, web_seed, pc.remote(), log_);
    }

  private:
    std::shared_ptr<SourceCounters> counters_;
    Logger& log_;
};

std::string join(const std::vector<std::string>& parts, char sep) {
    std::string out;
    for (const auto& p : parts) {
        if (!out.empty()) out += sep;
        out += p;
    }
    return out;
}

Status write_file_atomically(const std::filesystem::path& path, const std::vector<char>& bytes) {
    const auto tmp = path.string() + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        out.flush();
        if (!out) return make_error(Errc::io, "write " + tmp + ": failed");
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) return make_error(Errc::io, "rename " + tmp + ": " + ec.message());
    return {};
}

Result<std::string> read_whole_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error(Errc::io, "read " + path.string() + ": cannot open");
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Maps a single-file torrent's file to another name inside save_path.
Status rename_single_file(lt::add_torrent_params& params, const std::string& name,
                          const std::string& what) {
    // A v2 torrent's single file is followed by a tail pad file (not content).
    const lt::file_storage& files = params.ti->files();
    if (detail::content_files(files).count != 1 || files.pad_file_at(lt::file_index_t{0})) {
        return make_error(Errc::invalid_argument,
                          what + ": content_name needs a single-file torrent");
    }
    if (name.find('/') != std::string::npos || name == "." || name == "..") {
        return make_error(Errc::invalid_argument,
                          what + ": content_name '" + name + "' is not a file name");
    }
    params.renamed_files[lt::file_index_t{0}] = name;
    return {};
}

// Takes the pieces an interrupted download had verified from its resume
// file, when the file is there and is for the same torrent. Anything wrong
// with the file is logged and ignored: the download then starts over.
void apply_resume_file(lt::add_torrent_params& params, const std::filesystem::path& path,
                       Logger& log) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return;
    auto bytes = read_whole_file(path);
    if (!bytes) {
        log.warn("resume file ", path.string(), ": ", bytes.error().message, " (starting over)");
        return;
    }
    lt::error_code lt_ec;
    lt::add_torrent_params resumed = lt::read_resume_data(
        lt::span<const char>(bytes->data(), static_cast<std::ptrdiff_t>(bytes->size())), lt_ec);
    const lt::info_hash_t wanted = params.ti ? params.ti->info_hashes() : params.info_hashes;
    // A magnet may name only the v1 hash while the saved data knows both.
    const bool same =
        (wanted.has_v1() && resumed.info_hashes.has_v1() && wanted.v1 == resumed.info_hashes.v1) ||
        (wanted.has_v2() && resumed.info_hashes.has_v2() && wanted.v2 == resumed.info_hashes.v2);
    if (lt_ec || !same) {
        log.warn("resume file ", path.string(), ": ",
                 lt_ec ? lt_ec.message() : std::string("for another torrent"), " (starting over)");
        return;
    }
    if (!params.ti && resumed.ti) params.ti = resumed.ti;  // a magnet's metadata
    params.have_pieces = std::move(resumed.have_pieces);
    params.verified_pieces = std::move(resumed.verified_pieces);
    params.unfinished_pieces = std::move(resumed.unfinished_pieces);
    params.merkle_trees = std::move(resumed.merkle_trees);
    params.merkle_tree_mask = std::move(resumed.merkle_tree_mask);
    params.verified_leaf_hashes = std::move(resumed.verified_leaf_hashes);
    log.info("resuming ", path.filename().string(), ": ", params.have_pieces.count(),
             " pieces already here");
}

}  // namespace

static lt::settings_pack make_settings(const EngineConfig& config) {
    lt::settings_pack pack;
    pack.set_int(
        lt::settings_pack::alert_mask,
        static_cast<int>(static_cast<std::uint32_t>(
            lt::alert_category::error | lt::alert_category::status | lt::alert_category::storage |
            lt::alert_category::tracker | lt::alert_category::peer)));
    pack.set_int(lt::settings_pack::alert_queue_size, 10000);
    pack.set_str(lt::settings_pack::listen_interfaces, join(config.listen_interfaces, ','));
    pack.set_bool(lt::settings_pack::enable_dht, config.dht);
    pack.set_bool(lt::settings_pack::enable_lsd, config.local_service_discovery);
    pack.set_bool(lt::settings_pack::enable_upnp, false);
    pack.set_bool(lt::settings_pack::enable_natpmp, false);
    if (!config.dht) pack.set_str(lt::settings_pack::dht_bootstrap_nodes, "");
    pack.set_int(lt::settings_pack::upload_rate_limit,
                 static_cast<int>(std::min<std::int64_t>(config.upload_rate_limit, INT32_MAX)));
    pack.set_int(lt::settings_pack::download_rate_limit,
                 static_cast<int>(std::min<std::int64_t>(config.download_rate_limit, INT32_MAX)));
    pack.set_int(lt::settings_pack::connections_limit, config.connections_limit);
    pack.set_bool(lt::settings_pack::enable_outgoing_utp, config.outgoing_utp);
    pack.set_bool(lt::settings_pack::enable_incoming_utp, config.incoming_utp);
    int policy = lt::settings_pack::pe_enabled;
    if (config.encryption == EncryptionPolicy::require) policy = lt::settings_pack::pe_forced;
    if (config.encryption == EncryptionPolicy::disable) policy = lt::settings_pack::pe_disabled;
    pack.set_int(lt::settings_pack::out_enc_policy, policy);
    pack.set_int(lt::settings_pack::in_enc_policy, policy);
    pack.set_int(lt::settings_pack::allowed_enc_level,
                 config.encryption == EncryptionPolicy::require ? lt::settings_pack::pe_rc4
                                                                : lt::settings_pack::pe_both);
    pack.set_bool(lt::settings_pack::allow_multiple_connections_per_ip,
                  config.allow_multiple_connections_per_ip);
    pack.set_bool(lt::settings_pack::validate_https_trackers, !config.insecure_tls);
    pack.set_bool(lt::settings_pack::ssrf_mitigation, config.ssrf_mitigation);
    pack.set_str(lt::settings_pack::user_agent, config.user_agent + "/" LIBTORRENT_VERSION);
    pack.set_str(lt::settings_pack::peer_fingerprint, lt::generate_fingerprint("AW", 0, 1));
    // Stop announces must not hold up shutdown, but should reach the tracker
    // (else it hands the gone peer out until its announce interval ends).
    pack.set_int(lt::settings_pack::stop_tracker_timeout, 2);
    // Images are served to a cluster: no seeding-time or ratio limits, no queueing.
    pack.set_int(lt::settings_pack::active_seeds, -1);
    pack.set_int(lt::settings_pack::active_downloads, -1);
    pack.set_int(lt::settings_pack::active_limit, -1);
    pack.set_int(lt::settings_pack::urlseed_max_request_bytes, config.web_seed_request_bytes);
    return pack;
}

// libtorrent's default peer class filter maps local networks to its local
// peer class, which ignores the session's rate limits. Unless local peers are
// exempt, every IPv4 and IPv6 address maps to the global class, where the
// limits live (libtorrent's documented way to rate-limit local peers).
static void apply_peer_class_filter(lt::session& session, const EngineConfig& config) {
    if (config.exempt_local_peers) return;
    lt::ip_filter filter;
    const std::uint32_t global = 1u
                                 << static_cast<std::uint32_t>(lt::session::global_peer_class_id);
    filter.add_rule(lt::make_address("0.0.0.0"), lt::make_address("255.255.255.255"), global);
    filter.add_rule(lt::make_address("::"),
                    lt::make_address("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), global);
    session.set_peer_class_filter(filter);
}

std::map<std::string, std::string> describe_settings(const EngineConfig& config) {
    const lt::settings_pack pack = make_settings(config);
    std::map<std::string, std::string> out;
    for (int i = 0; i < lt::settings_pack::num_string_settings; ++i) {
        const int key = lt::settings_pack::string_type_base + i;
        if (pack.has_val(key)) out[lt::name_for_setting(key)] = pack.get_str(key);
    }
    for (int i = 0; i < lt::settings_pack::num_int_settings; ++i) {
        const int key = lt::settings_pack::int_type_base + i;
        if (pack.has_val(key)) out[lt::name_for_setting(key)] = std::to_string(pack.get_int(key));
    }
    for (int i = 0; i < lt::settings_pack::num_bool_settings; ++i) {
        const int key = lt::settings_pack::bool_type_base + i;
        if (pack.has_val(key))
            out[lt::name_for_setting(key)] = pack.get_bool(key) ? "true" : "false";
    }
    return out;
}

struct Engine::Impl {
    struct Entry {
        TorrentId id;
        lt::torrent_handle handle;
        InfoHashes hashes;
        std::shared_ptr<SourceCounters> counters;
        bool checked = false;
        bool finished = false;
        // All pieces verified; waiting for libtorrent to write them out
        // (flush_cache → cache_flushed_alert) before calling it finished, as
        // a piece can pass its hash check while its blocks are still queued
        // for writing.
        bool flush_requested = false;
        int hash_failures = 0;
        std::string error;
        std::filesystem::path resume_file;          // AddDownload::resume_file (empty: resume_dir)
        std::set<std::string> skipped_trackers;     // announces skipped as unreachable
        bool announced = false;                     // some tracker replied
        std::shared_ptr<StuckPieceDetector> stuck;  // used by the alert thread only
        MetadataCheck check_metadata;               // magnets: run when metadata arrives
        // Web seeds the gate adds and removes (WebSeedUse::fallback).
        std::vector<std::string> gated_web_seeds;
        std::shared_ptr<WebSeedGate> web_seed_gate;  // used by the alert thread only
    };

    EngineConfig config;
    Logger& log;
    const Clock& clock;
    std::unique_ptr<lt::session> session;

    mutable std::mutex mu;
    std::condition_variable_any cv;
    std::map<std::uint64_t, Entry> entries;
    std::uint64_t next_id = 1;
    std::uint64_t generation = 0;  // bumped after each batch of alerts
    EventCallback callback;
    int resume_outstanding = 0;
    std::vector<PeerEndpoint> listeners;
    int listen_failures = 0;
    bool stopping = false;
    std::thread alert_thread;
    Clock::SteadyTime last_resume_save;
    Clock::SteadyTime last_stuck_check;
    Clock::SteadyTime last_web_seed_check;

    Impl(EngineConfig c, Logger& l, const Clock& k) : config(std::move(c)), log(l), clock(k) {}

    Entry* find_by_handle(const lt::torrent_handle& h) {
        for (auto& [_, e] : entries) {
            if (e.handle == h) return &e;
        }
        return nullptr;
    }

    std::filesystem::path resume_path(const InfoHashes& hashes) const {
        return config.resume_dir / (hashes.best().hex() + ".resume");
    }
    // Where an entry's resume data goes; empty: nowhere.
    std::filesystem::path resume_path(const Entry& e) const {
        if (!e.resume_file.empty()) return e.resume_file;
        if (config.resume_dir.empty()) return {};
        return resume_path(e.hashes);
    }

    void request_resume_save(const lt::torrent_handle& h, lt::resume_data_flags_t flags) {
        // Caller holds mu.
        ++resume_outstanding;
        h.save_resume_data(flags | lt::torrent_handle::save_info_dict);
    }

    void run_alerts() {
        std::vector<lt::alert*> alerts;
        while (true) {
            {
                std::lock_guard lock(mu);
                if (stopping) return;
            }
            // Wakes as soon as an alert arrives; the timeout only paces the
            // periodic resume-data save and the stop check.
            session->wait_for_alert(250ms);
            session->pop_alerts(&alerts);
            std::vector<EngineEvent> events;
            for (lt::alert* a : alerts)
                handle_alert(a, events);
            maybe_save_resume();
            maybe_unstick();
            maybe_gate_web_seeds();
            {
                std::lock_guard lock(mu);
                ++generation;
            }
            cv.notify_all();
            EventCallback cb;
            {
                std::lock_guard lock(mu);
                cb = callback;
            }
            if (cb) {
                for (const auto& ev : events)
                    cb(ev);
            }
        }
    }

    // Alert thread: rechecks downloads stuck on pieces libtorrent received but
    // never verified (see stuck_pieces.hpp).
    void maybe_unstick() {
        if (config.stuck_piece_timeout.count() <= 0) return;
        const auto now = clock.now();
        if (now - last_stuck_check < std::chrono::seconds(1)) return;
        last_stuck_check = now;
        std::vector<std::pair<lt::torrent_handle, std::shared_ptr<StuckPieceDetector>>> work;
        {
            std::lock_guard lock(mu);
            for (auto& [_, e] : entries) {
                if (e.finished || e.flush_requested || !e.error.empty()) continue;
                if (!e.stuck)
                    e.stuck = std::make_shared<StuckPieceDetector>(config.stuck_piece_timeout);
                work.emplace_back(e.handle, e.stuck);
            }
        }
        // libtorrent calls outside mu: they wait for its network thread.
        for (auto& [handle, detector] : work) {
            if (!handle.is_valid()) continue;
            const lt::torrent_status st = handle.status({});
            if (st.state != lt::torrent_status::downloading) continue;
            std::set<int> unverified;
            for (const lt::partial_piece_info& pp : handle.get_download_queue()) {
                if (pp.blocks_in_piece > 0 && pp.finished == pp.blocks_in_piece) {
                    unverified.insert(static_cast<int>(pp.piece_index));
                }
            }
            if (!detector->observe(now, unverified, st.total_done)) continue;
            std::string list;
            for (int p : unverified)
                list += (list.empty() ? "" : ",") + std::to_string(p);
            log.warn(st.name, ": piece(s) ", list, " received but not verified for ",
                     format_duration(config.stuck_piece_timeout),
                     ": rechecking the torrent (a libtorrent stall, docs/engine.md)");
            handle.force_recheck();
        }
    }

    // Alert thread: adds a download's held-back web seeds when its gate opens,
    // and removes them when it closes (web_seed_gate.hpp).
    void maybe_gate_web_seeds() {
        const auto now = clock.now();
        if (now - last_web_seed_check < std::chrono::milliseconds(250)) return;
        last_web_seed_check = now;
        struct Work {
            lt::torrent_handle handle;
            std::shared_ptr<WebSeedGate> gate;
            std::int64_t from_peers;
            std::vector<std::string> urls;
            std::string name;
        };
        std::vector<Work> work;
        {
            std::lock_guard lock(mu);
            for (auto& [_, e] : entries) {
                if (e.gated_web_seeds.empty() || e.finished || !e.error.empty()) continue;
                if (!e.web_seed_gate) {
                    e.web_seed_gate = std::make_shared<WebSeedGate>(config.web_seed_delay,
                                                                    config.web_seed_min_open,
                                                                    config.web_seed_close_bytes);
                }
                work.push_back({e.handle, e.web_seed_gate, e.counters->from_peers.load(),
                                e.gated_web_seeds, e.hashes.best().hex()});
            }
        }
        // libtorrent calls outside mu: they wait for its network thread.
        for (auto& w : work) {
            if (!w.handle.is_valid()) continue;
            const lt::torrent_status st = w.handle.status({});
            if (st.state != lt::torrent_status::downloading) continue;
            // Not num_seeds: libtorrent counts a connected web seed as a seed.
            const bool has_seed = st.num_complete > 0 || st.list_seeds > 0;
            switch (w.gate->observe(now, w.from_peers, has_seed)) {
                case WebSeedGate::Action::none:
                    break;
                case WebSeedGate::Action::add:
                    log.info(w.name, ": adding ", w.urls.size(),
                             " web seed(s): ", w.gate->reason());
                    for (const auto& url : w.urls)
                        w.handle.add_url_seed(url);
                    break;
                case WebSeedGate::Action::remove:
                    log.info(w.name, ": removing ", w.urls.size(),
                             " web seed(s): ", w.gate->reason());
                    for (const auto& url : w.urls)
                        w.handle.remove_url_seed(url);
                    break;
            }
        }
    }

    void maybe_save_resume() {
        const auto now = clock.now();
        std::lock_guard lock(mu);
        if (now - last_resume_save < config.resume_save_interval) return;
        last_resume_save = now;
        for (auto& [_, e] : entries) {
            if (!resume_path(e).empty() && e.handle.need_save_resume_data()) {
                request_resume_save(e.handle, lt::torrent_handle::only_if_modified);
            }
        }
    }

    void event(std::vector<EngineEvent>& events, EngineEvent::Kind kind, const Entry& e,
               std::string message = {}) {
        events.push_back(EngineEvent{kind, e.id, e.hashes, std::move(message)});
    }

    void handle_alert(lt::alert* a, std::vector<EngineEvent>& events) {
        log.debug("alert ", a->what(), ": ", a->message());
        if (auto* ls = lt::alert_cast<lt::listen_succeeded_alert>(a)) {
            if (ls->socket_type == lt::socket_type_t::tcp) {
                log.info("listening bittorrent ", endpoint_string(ls->address, ls->port));
                std::lock_guard lock(mu);
                listeners.push_back(detail::from_lt(
                    lt::tcp::endpoint(ls->address, static_cast<std::uint16_t>(ls->port))));
            }
            return;
        }
        if (auto* lf = lt::alert_cast<lt::listen_failed_alert>(a)) {
            log.warn("bittorrent listen failed: ", lf->message());
            if (lf->socket_type == lt::socket_type_t::tcp) {
                std::lock_guard lock(mu);
                ++listen_failures;
            }
            return;
        }
        if (auto* sr = lt::alert_cast<lt::save_resume_data_alert>(a)) {
            const auto hashes = detail::from_lt(sr->params.info_hashes);
            // Under mu, and only for torrents still in the engine: remove()
            // erases the entry before deleting the file, so a late save can't
            // bring a removed torrent's resume file back.
            std::lock_guard lock(mu);
            --resume_outstanding;
            const Entry* owner = find_by_handle(sr->handle);
            if (owner == nullptr) return;
            const std::filesystem::path path = resume_path(*owner);
            if (path.empty()) return;
            // Web seeds the gate holds back (or removed) are kept in the
            // resume data, so a resumed download still has its origin.
            lt::add_torrent_params params = sr->params;
            for (const auto& url : owner->gated_web_seeds) {
                if (std::find(params.url_seeds.begin(), params.url_seeds.end(), url) ==
                    params.url_seeds.end())
                    params.url_seeds.push_back(url);
            }
            std::vector<char> buf = lt::write_resume_data_buf(params);
            if (auto ok = write_file_atomically(path, buf); !ok) {
                log.warn("resume data ", hashes.best().hex(), ": ", ok.error().message);
            } else {
                log.debug("saved resume data for ", hashes.best().hex());
            }
            return;
        }
        if (auto* sf = lt::alert_cast<lt::save_resume_data_failed_alert>(a)) {
            if (sf->error != lt::errors::resume_data_not_modified) {
                log.debug("resume data: ", sf->message());
            }
            std::lock_guard lock(mu);
            --resume_outstanding;
            return;
        }
        if (auto* te = lt::alert_cast<lt::tracker_error_alert>(a)) {
            if (te->error == lt::errors::announce_skipped) {
                // libtorrent skips announcing from a listen address that cannot
                // reach the tracker (e.g. [::] to an IPv4 tracker), once per
                // listener and interval: say it once per tracker, at debug;
                // remove() warns when no announce got through at all.
                std::lock_guard lock(mu);
                Entry* e = find_by_handle(te->handle);
                if (e != nullptr && e->skipped_trackers.insert(te->tracker_url()).second) {
                    log.debug(
                        "tracker ", te->tracker_url(), ": not announcing from ",
                        endpoint_string(te->local_endpoint.address(), te->local_endpoint.port()),
                        " (unreachable from there)");
                }
                return;
            }
            log.warn("tracker: ", te->message());
            return;
        }
        if (auto* tr = lt::alert_cast<lt::tracker_reply_alert>(a)) {
            std::lock_guard lock(mu);
            if (Entry* e = find_by_handle(tr->handle)) e->announced = true;
            return;
        }
        if (auto* us = lt::alert_cast<lt::url_seed_alert>(a)) {
            // libtorrent 2.0.8's message() prints error.message() ("Success")
            // when the failure is only text (an HTTP status): use the text.
            const std::string why = us->error_message()[0] != '\0'
                                        ? std::string(us->error_message())
                                        : us->error.message();
            const std::string message = "web seed " + escape_control(us->server_url()) + ": " + why;
            log.warn(message);
            std::lock_guard lock(mu);
            if (Entry* e = find_by_handle(us->handle)) {
                event(events, EngineEvent::Kind::web_seed_failed, *e, message);
            }
            return;
        }
        if (auto* pb = lt::alert_cast<lt::peer_ban_alert>(a)) {
            log.debug("banned ", pb->message());
            return;
        }
        if (auto* fe = lt::alert_cast<lt::file_error_alert>(a)) {
            // A torrent that cannot read or write its file (a seed whose blob
            // does not match, oversized_file, EACCES) serves nothing: it is
            // an error of that torrent, not a log line.
            log.error("file: ", fe->message());
            std::lock_guard lock(mu);
            if (Entry* e = find_by_handle(fe->handle); e != nullptr && e->error.empty()) {
                e->error = fe->error.message() + " (" + escape_control(fe->filename()) + ")";
                event(events, EngineEvent::Kind::error, *e, e->error);
            }
            return;
        }
        auto* ta = dynamic_cast<lt::torrent_alert*>(a);
        if (ta == nullptr) {
            if (a->category() & lt::alert_category::error) log.debug("libtorrent: ", a->message());
            return;
        }
        // Torrent alerts: update the entry. Status queries go to libtorrent's
        // network thread; do them before taking mu.
        const int type = a->type();
        std::optional<lt::torrent_status> st;
        if (type == lt::torrent_checked_alert::alert_type ||
            type == lt::state_changed_alert::alert_type ||
            type == lt::torrent_finished_alert::alert_type) {
            if (ta->handle.is_valid()) st = ta->handle.status({});
        }
        std::lock_guard lock(mu);
        Entry* e = find_by_handle(ta->handle);
        if (e == nullptr) return;
        const bool was_finished = e->finished;
        if (st && st->is_finished && !st->errc && !e->finished && !e->flush_requested) {
            e->flush_requested = true;
            e->handle.flush_cache();
        }
        if (type == lt::cache_flushed_alert::alert_type && e->flush_requested) e->finished = true;
        switch (type) {
            case lt::metadata_received_alert::alert_type:
                e->hashes = detail::from_lt(ta->handle.info_hashes());
                if (e->check_metadata) {
                    if (auto ti = ta->handle.torrent_file()) {
                        const auto content = detail::content_files(ti->files());
                        TorrentShape shape{ti->name(), content.count, content.bytes};
                        if (auto ok = e->check_metadata(shape); !ok) {
                            // Stop before pieces are requested; the waiter sees the error.
                            ta->handle.pause();
                            e->error = ok.error().message;
                            log.warn(ta->torrent_name(), ": ", e->error);
                            event(events, EngineEvent::Kind::error, *e, e->error);
                            break;
                        }
                    }
                }
                event(events, EngineEvent::Kind::metadata_received, *e);
                break;
            case lt::torrent_checked_alert::alert_type:
                e->checked = true;
                event(events, EngineEvent::Kind::checked, *e);
                break;
            case lt::hash_failed_alert::alert_type: {
                auto* hf = lt::alert_cast<lt::hash_failed_alert>(a);
                ++e->hash_failures;
                log.warn(ta->torrent_name(), ": piece ", static_cast<int>(hf->piece_index),
                         " failed its hash check");
                event(events, EngineEvent::Kind::hash_failed, *e,
                      std::to_string(static_cast<int>(hf->piece_index)));
                break;
            }
            case lt::torrent_error_alert::alert_type: {
                auto* err = lt::alert_cast<lt::torrent_error_alert>(a);
                e->error = err->error.message() + (err->filename()[0] != '\0'
                                                       ? std::string(" (") + err->filename() + ")"
                                                       : std::string());
                log.error(ta->torrent_name(), ": ", e->error);
                event(events, EngineEvent::Kind::error, *e, e->error);
                break;
            }
            default:
                break;
        }
        if (e->finished && !was_finished) {
            // A state without any checking left counts as checked too.
            e->checked = true;
            event(events, EngineEvent::Kind::finished, *e);
            if (!resume_path(*e).empty()) request_resume_save(e->handle, {});
        }
        if (st && !e->checked && st->state != lt::torrent_status::checking_files &&
            st->state != lt::torrent_status::checking_resume_data) {
            // state_changed out of checking without a checked alert (seed_mode).
            if (type == lt::state_changed_alert::alert_type) e->checked = true;
        }
    }

    Result<TorrentId> add(lt::add_torrent_params params, const std::vector<PeerEndpoint>& peers,
                          const std::string& what, MetadataCheck check_metadata = {},
                          std::filesystem::path resume_file = {}) {
        for (const auto& p : peers)
            params.peers.push_back(detail::to_lt(p));
        params.flags &= ~(lt::torrent_flags::paused | lt::torrent_flags::auto_managed);
        params.flags |= lt::torrent_flags::duplicate_is_error;
        auto counters = std::make_shared<SourceCounters>();
        params.extensions.push_back(
            [counters, &log = log](const lt::torrent_handle&,
                                   lt::client_data_t) -> std::shared_ptr<lt::torrent_plugin> {
                return std::make_shared<CountingTorrentPlugin>(counters, log);
            });
        std::error_code dir_error;
        if (!params.save_path.empty()) {
            std::filesystem::create_directories(params.save_path, dir_error);
            if (dir_error) {
                return make_error(Errc::io, what + ": save path " + params.save_path + ": " +
                                                dir_error.message());
            }
        }
        const bool seed_mode = static_cast<bool>(params.flags & lt::torrent_flags::seed_mode);
        // fallback: the web seeds wait for the gate (maybe_gate_web_seeds).
        std::vector<std::string> held_back;
        if (config.web_seed_use == WebSeedUse::fallback && !seed_mode) {
            held_back = std::move(params.url_seeds);
            params.url_seeds.clear();
            if (params.ti) {
                std::vector<lt::web_seed_entry> kept;  // BEP 17 http seeds: not gated
                for (const auto& ws : params.ti->web_seeds()) {
                    if (ws.type != lt::web_seed_entry::url_seed) {
                        kept.push_back(ws);
                    } else if (std::find(held_back.begin(), held_back.end(), ws.url) ==
                               held_back.end()) {
                        held_back.push_back(ws.url);
                    }
                }
                params.ti->set_web_seeds(std::move(kept));
            }
        }
        // Hold mu across add_torrent so the alert thread can't see the new
        // handle's alerts before its entry exists.
        std::lock_guard lock(mu);
        lt::error_code ec;
        lt::torrent_handle h = session->add_torrent(std::move(params), ec);
        if (ec) {
            const auto code =
                ec == lt::errors::duplicate_torrent ? Errc::already_exists : Errc::invalid_argument;
            return make_error(code, what + ": " + ec.message());
        }
        Entry e;
        e.id = TorrentId{next_id++};
        e.handle = h;
        e.hashes = detail::from_lt(h.info_hashes());
        e.counters = counters;
        e.check_metadata = std::move(check_metadata);
        e.gated_web_seeds = std::move(held_back);
        e.resume_file = std::move(resume_file);
        if (seed_mode) {
            e.checked = true;
            e.finished = true;
        }
        const TorrentId id = e.id;
        log.debug("added ", what, " as torrent ", id.value, " (", e.hashes.best().hex(), ")");
        const bool save_now = !resume_path(e).empty();
        entries.emplace(id.value, std::move(e));
        if (save_now) request_resume_save(h, {});
        return id;
    }

    Result<TorrentStatus> status_of(const Entry& e) const {
        lt::torrent_status st =
            e.handle.status(lt::torrent_handle::query_name | lt::torrent_handle::query_save_path);
        TorrentStatus out;
        out.id = e.id;
        out.info_hashes = detail::from_lt(st.info_hashes);
        out.name = st.name;
        out.has_metadata = st.has_metadata;
        out.save_path = st.save_path;
        out.total_size = st.has_metadata ? st.total : -1;
        if (auto ti = st.torrent_file.lock())
            out.total_size = detail::content_files(ti->files()).bytes;
        out.total_wanted = st.total_wanted;
        out.total_done = st.total_wanted_done;
        out.download_rate = st.download_payload_rate;
        out.upload_rate = st.upload_payload_rate;
        out.total_payload_download = st.total_payload_download;
        out.total_payload_upload = st.total_payload_upload;
        out.bytes_from_peers = e.counters->from_peers.load();
        out.bytes_from_web_seeds = e.counters->from_web_seeds.load();
        out.hash_failures = e.hash_failures;
        out.web_seed_failures = e.counters->web_seed_failures.load();
        {
            std::lock_guard lock(e.counters->mu);
            out.web_seed_error = e.counters->last_web_seed_error;
            out.bytes_from_origin_peers = e.counters->from_origin_peers();
        }
        std::vector<lt::peer_info> peers;
        e.handle.get_peer_info(peers);
        for (const auto& p : peers) {
            if (p.connection_type == lt::peer_info::standard_bittorrent) {
                ++out.num_peers;
                if (p.flags & lt::peer_info::seed) ++out.num_seeds;
            } else {
                ++out.num_web_seeds;
            }
        }
        switch (st.state) {
            case lt::torrent_status::checking_files:
            case lt::torrent_status::checking_resume_data:
                out.state = TorrentState::checking;
                break;
            case lt::torrent_status::downloading_metadata:
                out.state = TorrentState::downloading_metadata;
                break;
            case lt::torrent_status::downloading:
                out.state = TorrentState::downloading;
                break;
            case lt::torrent_status::finished:
                out.state = TorrentState::finished;
                break;
            case lt::torrent_status::seeding:
                out.state = TorrentState::seeding;
                break;
            default:
                out.state = TorrentState::downloading;
                break;
        }
        if (!e.error.empty() || st.errc) {
            out.state = TorrentState::error;
            out.error = !e.error.empty() ? e.error : st.errc.message();
        }
        return out;
    }

    enum class Until { checked, finished };

    Result<TorrentStatus> wait(TorrentId id, std::chrono::milliseconds timeout,
                               std::stop_token stop, Until until) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        std::unique_lock lock(mu);
        while (true) {
            auto it = entries.find(id.value);
            if (it == entries.end()) {
                return make_error(Errc::not_found,
                                  "torrent " + std::to_string(id.value) + ": not in the engine");
            }
            const Entry& e = it->second;
            if (!e.error.empty()) {
                return make_error(Errc::io, "torrent " + e.hashes.best().hex() + ": " + e.error);
            }
            const bool done = until == Until::finished ? e.finished : (e.checked || e.finished);
            if (done) {
                Entry copy = e;
                lock.unlock();
                return status_of(copy);
            }
            if (stop.stop_requested()) {
                return make_error(Errc::cancelled,
                                  "torrent " + e.hashes.best().hex() + ": cancelled");
            }
            if (std::chrono::steady_clock::now() >= deadline) {
                return make_error(Errc::timeout, "torrent " + e.hashes.best().hex() +
                                                     ": not done within " +
                                                     std::to_string(timeout.count()) + " ms");
            }
            // Woken by the alert thread after each batch of alerts, or by stop.
            const std::uint64_t seen = generation;
            cv.wait_until(lock, stop, deadline, [&] { return generation != seen; });
        }
    }
};

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<Engine>> Engine::create(EngineConfig config, Logger& log,
                                               const Clock& clock) {
    if (!config.ca_file.empty()) {
        std::error_code ec;
        if (!std::filesystem::is_regular_file(config.ca_file, ec)) {
            return make_error(Errc::invalid_argument,
                              "ca file " + config.ca_file.string() + ": not a readable file");
        }
        // libtorrent's HTTPS (web seeds, trackers) uses OpenSSL's default
        // verify paths, which read SSL_CERT_FILE when the session's TLS
        // context is created. Set before the session exists.
        ::setenv("SSL_CERT_FILE", config.ca_file.c_str(), 1);
    }
    if (config.insecure_tls) {
        log.warn("TLS certificates of web seeds and trackers are NOT verified (insecure tls)");
    }
    if (!config.resume_dir.empty()) {
        std::error_code ec;
        std::filesystem::create_directories(config.resume_dir, ec);
        if (ec) {
            return make_error(Errc::io,
                              "resume dir " + config.resume_dir.string() + ": " + ec.message());
        }
    }
    auto impl = std::make_unique<Impl>(std::move(config), log, clock);
    try {
        lt::session_params params(make_settings(impl->config));
        impl->session = std::make_unique<lt::session>(std::move(params));
        apply_peer_class_filter(*impl->session, impl->config);
    } catch (const std::exception& e) {
        return make_error(Errc::internal, std::string("bittorrent session: ") + e.what());
    }
    impl->last_resume_save = clock.now();
    Impl* raw = impl.get();
    impl->alert_thread = std::thread([raw] { raw->run_alerts(); });
    std::unique_ptr<Engine> engine(new Engine(std::move(impl)));
    const auto wanted = static_cast<int>(raw->config.listen_interfaces.size());
    if (wanted > 0) {
        std::unique_lock lock(raw->mu);
        const bool ok = raw->cv.wait_for(lock, raw->config.listen_timeout, [&] {
            return !raw->listeners.empty() || raw->listen_failures >= wanted;
        });
        if (raw->listeners.empty()) {
            lock.unlock();
            return make_error(Errc::network, std::string("bittorrent listen on ") +
                                                 join(raw->config.listen_interfaces, ',') +
                                                 (ok ? ": every listener failed" : ": timed out"));
        }
    }
    return engine;
}

Engine::~Engine() {
    if (!impl_) return;
    if (auto ok = save_resume_data(); !ok) impl_->log.warn(ok.error().message);
    {
        std::lock_guard lock(impl_->mu);
        impl_->stopping = true;
    }
    if (impl_->alert_thread.joinable()) impl_->alert_thread.join();
    impl_->session.reset();
}

void Engine::set_event_callback(EventCallback callback) {
    std::lock_guard lock(impl_->mu);
    impl_->callback = std::move(callback);
}

Result<TorrentId> Engine::add_download(const AddDownload& request) {
    lt::add_torrent_params params;
    std::string what;
    if (!request.torrent.empty() == !request.magnet_uri.empty()) {
        return make_error(Errc::invalid_argument,
                          "download: give exactly one of torrent or magnet");
    }
    if (!request.torrent.empty()) {
        what = "torrent";
        try {
            lt::load_torrent_limits limits;
            limits.max_buffer_size = 64 << 20;
            params.ti = std::make_shared<lt::torrent_info>(
                lt::span<const char>(request.torrent.data(),
                                     static_cast<std::ptrdiff_t>(request.torrent.size())),
                limits, lt::from_span);
        } catch (const std::exception& e) {
            return make_error(Errc::invalid_argument, std::string("torrent: ") + e.what());
        }
        what = "torrent " + escape_control(params.ti->name());
        if (request.check_metadata) {
            const auto content = detail::content_files(params.ti->files());
            TorrentShape shape{params.ti->name(), content.count, content.bytes};
            if (auto ok = request.check_metadata(shape); !ok) return std::move(ok).error();
        }
        if (request.web_seed_allowed) {
            auto seeds = params.ti->web_seeds();
            std::erase_if(seeds, [&](const lt::web_seed_entry& w) {
                return !request.web_seed_allowed(w.url);
            });
            params.ti->set_web_seeds(std::move(seeds));
        }
    } else {
        lt::error_code ec;
        lt::parse_magnet_uri(request.magnet_uri, params, ec);
        if (ec) {
            return make_error(
                Errc::invalid_argument,
                "magnet link '" + request.magnet_uri.substr(0, 80) + "': " + ec.message());
        }
        what = "magnet " +
               escape_control(params.name.empty() ? request.magnet_uri.substr(0, 60) : params.name);
    }
    if (request.web_seed_allowed) {
        std::erase_if(params.url_seeds,
                      [&](const std::string& url) { return !request.web_seed_allowed(url); });
    }
    params.save_path = request.save_path.string();
    if (!request.content_name.empty()) {
        if (!params.ti) {
            return make_error(Errc::invalid_argument,
                              what + ": content_name needs the .torrent, not a magnet link");
        }
        if (auto ok = rename_single_file(params, request.content_name, what); !ok)
            return ok.error();
    }
    for (const auto& ws : request.web_seeds) {
        if (request.web_seed_allowed && !request.web_seed_allowed(ws)) continue;
        if (std::find(params.url_seeds.begin(), params.url_seeds.end(), ws) ==
            params.url_seeds.end()) {
            params.url_seeds.push_back(ws);
        }
    }
    for (const auto& tr : request.trackers)
        params.trackers.push_back(tr);
    const bool had_metadata = static_cast<bool>(params.ti);
    if (!request.resume_file.empty()) apply_resume_file(params, request.resume_file, impl_->log);
    if (!had_metadata && params.ti && request.check_metadata) {
        // A magnet whose metadata came from its resume file: check it now.
        const TorrentShape shape{params.ti->name(), params.ti->num_files(),
                                 params.ti->total_size()};
        if (auto ok = request.check_metadata(shape); !ok) return with_context(what, ok.error());
    }
    // A .torrent was checked above; a magnet's metadata is checked when it arrives.
    MetadataCheck later = params.ti ? MetadataCheck{} : request.check_metadata;
    return impl_->add(std::move(params), request.peers, what, std::move(later),
                      request.resume_file);
}

Result<TorrentId> Engine::add_seed(const AddSeed& request) {
    lt::add_torrent_params params;
    try {
        lt::load_torrent_limits limits;
        limits.max_buffer_size = 64 << 20;
        params.ti = std::make_shared<lt::torrent_info>(
            lt::span<const char>(request.torrent.data(),
                                 static_cast<std::ptrdiff_t>(request.torrent.size())),
            limits, lt::from_span);
    } catch (const std::exception& e) {
        return make_error(Errc::invalid_argument, std::string("seed torrent: ") + e.what());
    }
    const std::string what = "seed " + params.ti->name();
    if (!request.content_name.empty()) {
        if (auto ok = rename_single_file(params, request.content_name, what); !ok)
            return ok.error();
    }
    const auto content = request.save_path /
                         (request.content_name.empty() ? params.ti->name() : request.content_name);
    std::error_code ec;
    if (!std::filesystem::exists(content, ec)) {
        return make_error(Errc::not_found, what + ": " + content.string() + " does not exist");
    }
    params.save_path = request.save_path.string();
    if (!request.verify) params.flags |= lt::torrent_flags::seed_mode;
    if (request.super_seed) params.flags |= lt::torrent_flags::super_seeding;
    for (const auto& tr : request.trackers)
        params.trackers.push_back(tr);
    return impl_->add(std::move(params), request.peers, what);
}

std::vector<TorrentId> Engine::add_from_resume_dir() {
    std::vector<TorrentId> out;
    if (impl_->config.resume_dir.empty()) return out;
    std::error_code ec;
    for (const auto& item : std::filesystem::directory_iterator(impl_->config.resume_dir, ec)) {
        if (item.path().extension() != ".resume") continue;
        auto bytes = read_whole_file(item.path());
        if (!bytes) {
            impl_->log.warn("resume: ", bytes.error().message);
            continue;
        }
        lt::error_code lt_ec;
        lt::add_torrent_params params = lt::read_resume_data(
            lt::span<const char>(bytes->data(), static_cast<std::ptrdiff_t>(bytes->size())), lt_ec);
        if (lt_ec) {
            impl_->log.warn("resume file ", item.path().string(), ": ", lt_ec.message(),
                            " (skipped, kept)");
            continue;
        }
        auto id = impl_->add(std::move(params), {}, "resume " + item.path().filename().string());
        if (!id) {
            impl_->log.warn("resume file ", item.path().string(), ": ", id.error().message);
            continue;
        }
        out.push_back(*id);
    }
    if (ec) impl_->log.warn("resume dir ", impl_->config.resume_dir.string(), ": ", ec.message());
    return out;
}

Status Engine::add_peer(TorrentId id, const PeerEndpoint& peer) {
    std::lock_guard lock(impl_->mu);
    auto it = impl_->entries.find(id.value);
    if (it == impl_->entries.end()) {
        return make_error(Errc::not_found,
                          "torrent " + std::to_string(id.value) + ": not in the engine");
    }
    it->second.handle.connect_peer(detail::to_lt(peer));
    return {};
}

Status Engine::add_web_seed(TorrentId id, const std::string& url) {
    std::lock_guard lock(impl_->mu);
    auto it = impl_->entries.find(id.value);
    if (it == impl_->entries.end()) {
        return make_error(Errc::not_found,
                          "torrent " + std::to_string(id.value) + ": not in the engine");
    }
    it->second.handle.add_url_seed(url);
    return {};
}

Result<std::string> Engine::torrent_file(TorrentId id) const {
    lt::torrent_handle handle;
    {
        std::lock_guard lock(impl_->mu);
        auto it = impl_->entries.find(id.value);
        if (it == impl_->entries.end()) {
            return make_error(Errc::not_found,
                              "torrent " + std::to_string(id.value) + ": not in the engine");
        }
        handle = it->second.handle;
    }
    std::shared_ptr<lt::torrent_info> ti = handle.torrent_file_with_hashes();
    if (!ti || !ti->is_valid()) {
        return make_error(Errc::not_found,
                          "torrent " + std::to_string(id.value) + ": no metadata yet");
    }
    try {
        lt::create_torrent ct(*ti);
        const std::vector<char> buf = ct.generate_buf();
        return std::string(buf.begin(), buf.end());
    } catch (const std::exception& e) {
        return make_error(Errc::internal,
                          "torrent " + std::to_string(id.value) + ": .torrent: " + e.what());
    }
}

Result<TorrentStatus> Engine::status(TorrentId id) const {
    Impl::Entry copy;
    {
        std::lock_guard lock(impl_->mu);
        auto it = impl_->entries.find(id.value);
        if (it == impl_->entries.end()) {
            return make_error(Errc::not_found,
                              "torrent " + std::to_string(id.value) + ": not in the engine");
        }
        copy = it->second;
    }
    return impl_->status_of(copy);
}

std::vector<TorrentStatus> Engine::status_all() const {
    std::vector<Impl::Entry> copies;
    {
        std::lock_guard lock(impl_->mu);
        for (const auto& [_, e] : impl_->entries)
            copies.push_back(e);
    }
    std::vector<TorrentStatus> out;
    for (const auto& e : copies) {
        if (auto st = impl_->status_of(e)) out.push_back(std::move(st).value());
    }
    return out;
}

std::optional<TorrentId> Engine::find(const InfoHash& hash) const {
    std::lock_guard lock(impl_->mu);
    for (const auto& [_, e] : impl_->entries) {
        if ((e.hashes.v1 && *e.hashes.v1 == hash) ||
            (e.hashes.v2 && e.hashes.v2->truncated() == hash)) {
            return e.id;
        }
    }
    return std::nullopt;
}

Result<TorrentStatus> Engine::wait_finished(TorrentId id, std::chrono::milliseconds timeout,
                                            std::stop_token stop) {
    return impl_->wait(id, timeout, std::move(stop), Impl::Until::finished);
}

Result<TorrentStatus> Engine::wait_checked(TorrentId id, std::chrono::milliseconds timeout,
                                           std::stop_token stop) {
    return impl_->wait(id, timeout, std::move(stop), Impl::Until::checked);
}

Status Engine::remove(TorrentId id, bool delete_files) {
    Impl::Entry e;
    {
        std::lock_guard lock(impl_->mu);
        auto it = impl_->entries.find(id.value);
        if (it == impl_->entries.end()) {
            return make_error(Errc::not_found,
                              "torrent " + std::to_string(id.value) + ": not in the engine");
        }
        e = it->second;
        impl_->entries.erase(it);
    }
    if (!e.announced && !e.skipped_trackers.empty()) {
        std::string urls;
        for (const auto& u : e.skipped_trackers)
            urls += (urls.empty() ? "" : ", ") + u;
        impl_->log.warn("tracker ", urls,
                        ": no announce got through: every listen address was "
                        "skipped as unable to reach it");
    }
    impl_->session->remove_torrent(e.handle,
                                   delete_files ? lt::session::delete_files : lt::remove_flags_t{});
    if (!impl_->config.resume_dir.empty() && e.resume_file.empty()) {
        std::error_code ec;
        std::filesystem::remove(impl_->resume_path(e.hashes), ec);
    }
    {
        std::lock_guard lock(impl_->mu);
        ++impl_->generation;
    }
    impl_->cv.notify_all();
    EventCallback cb;
    {
        std::lock_guard lock(impl_->mu);
        cb = impl_->callback;
    }
    if (cb) cb(EngineEvent{EngineEvent::Kind::removed, e.id, e.hashes, {}});
    return {};
}

Status Engine::save_resume_data(TorrentId id, std::chrono::milliseconds timeout) {
    std::unique_lock lock(impl_->mu);
    auto it = impl_->entries.find(id.value);
    if (it == impl_->entries.end()) {
        return make_error(Errc::not_found,
                          "torrent " + std::to_string(id.value) + ": not in the engine");
    }
    if (impl_->resume_path(it->second).empty()) return {};
    impl_->request_resume_save(it->second.handle, lt::torrent_handle::flush_disk_cache);
    if (!impl_->cv.wait_for(lock, timeout, [&] { return impl_->resume_outstanding <= 0; })) {
        return make_error(Errc::timeout,
                          "resume data of torrent " + it->second.hashes.best().hex() +
                              ": not saved within " + std::to_string(timeout.count()) + " ms");
    }
    return {};
}

Status Engine::save_resume_data(std::chrono::milliseconds timeout) {
    std::unique_lock lock(impl_->mu);
    for (auto& [_, e] : impl_->entries) {
        if (impl_->resume_path(e).empty()) continue;
        impl_->request_resume_save(e.handle, lt::torrent_handle::flush_disk_cache);
    }
    const bool done =
        impl_->cv.wait_for(lock, timeout, [&] { return impl_->resume_outstanding <= 0; });
    if (!done) {
        return make_error(Errc::timeout,
                          "resume data: " + std::to_string(impl_->resume_outstanding) +
                              " torrents not saved within " + std::to_string(timeout.count()) +
                              " ms");
    }
    return {};
}

std::vector<PeerEndpoint> Engine::listen_endpoints() const {
    std::lock_guard lock(impl_->mu);
    return impl_->listeners;
}

std::uint16_t Engine::listen_port() const {
    std::lock_guard lock(impl_->mu);
    return impl_->listeners.empty() ? 0 : impl_->listeners.front().port();
}

const EngineConfig& Engine::config() const {
    return impl_->config;
}

}  // namespace aciswarm::engine
