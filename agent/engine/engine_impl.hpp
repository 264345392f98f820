// Engine's private half, shared by the engine_<concern>.cpp files (engine.hpp
// is the contract; nothing outside agent/engine/ includes this header):
//   engine.cpp            create, shutdown, accessors
//   engine_settings.cpp   EngineConfig -> libtorrent settings_pack, peer classes, policy names
//   engine_alerts.cpp     the alert thread: one handler per alert kind
//   engine_torrents.cpp   adding, finding, waiting for and removing torrents; stuck pieces
//   engine_resume.cpp     resume data: saved on the alert thread, read when adding
//   engine_web_seeds.cpp  per-source byte counters (a peer plugin) and the web seed gate
//   slice_fetcher.cpp     web seed slices: pieces nobody has, over HTTP ranges
//   engine_zones.cpp      the zone thread: each torrent's role and leaders (GET /zone)
//   engine_shares.cpp     piece shares: each downloader's own pieces first (piece_shares.hpp)
//
// Threads are engine.hpp's: Impl's fields are guarded by mu unless a comment
// says the alert thread alone uses them; libtorrent calls that wait for its
// network thread are made without holding mu.
#pragma once

#include <libtorrent/add_torrent_params.hpp>
#include <libtorrent/alert.hpp>
#include <libtorrent/alert_types.hpp>
#include <libtorrent/session.hpp>
#include <libtorrent/settings_pack.hpp>
#include <libtorrent/torrent_handle.hpp>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "agent/engine/engine.hpp"
#include "agent/engine/piece_shares.hpp"
#include "agent/engine/slice_fetcher.hpp"
#include "agent/engine/stuck_pieces.hpp"
#include "agent/engine/web_seed_gate.hpp"
#include "agent/engine/zone_peer_filter.hpp"
#include "agent/engine/zone_role.hpp"

namespace aciswarm::engine {

// "ADDRESS:PORT", IPv6 in brackets.
std::string endpoint_string(const lt::address& addr, int port);
std::string join(const std::vector<std::string>& parts, char sep);

// engine_settings.cpp
lt::settings_pack make_settings(const EngineConfig& config);
void apply_peer_class_filter(lt::session& session, const EngineConfig& config);

// engine_resume.cpp
Status write_file_atomically(const std::filesystem::path& path, const std::vector<char>& bytes);
Result<std::string> read_whole_file(const std::filesystem::path& path);
// Takes the pieces an interrupted download had verified from its resume
// file, when the file is there and is for the same torrent. Anything wrong
// with the file is logged and ignored: the download then starts over.
void apply_resume_file(lt::add_torrent_params& params, const std::filesystem::path& path,
                       Logger& log);

// engine_web_seeds.cpp
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
    // haves (HAVE messages) and listen_port (the extension handshake's "p": the
    // tracker's name for a peer that dialled us) tell a follower whether its
    // leaders make progress (docs/zones.md, "Leader timeout").
    struct PeerBytes {
        std::int64_t bytes = 0;
        bool seed_at_connect = false;
        bool super_seed = false;  // said so in its extension handshake (a BEP 16 seed)
        std::int64_t haves = 0;
        int listen_port = 0;
        std::uint64_t share_key = 0;  // its extension handshake's (piece_shares.hpp); 0: none
    };
    std::map<lt::tcp::endpoint, PeerBytes> peer_bytes;
    std::set<lt::address> web_seed_addresses;

    // Bytes from everseed-like peers. Caller holds mu.
    std::int64_t from_origin_peers() const {
        std::int64_t sum = 0;
        for (const auto& [ep, peer] : peer_bytes) {
            if ((peer.seed_at_connect || peer.super_seed) &&
                web_seed_addresses.count(ep.address()) != 0)
                sum += peer.bytes;
        }
        return sum;
    }
    // Distinct addresses of peers that said they super-seed (web_seed_gate.hpp's
    // SeedView::super_seeds). Caller holds mu.
    int super_seed_addresses() const {
        std::set<lt::address> addresses;
        for (const auto& [ep, peer] : peer_bytes)
            if (peer.super_seed) addresses.insert(ep.address());
        return static_cast<int>(addresses.size());
    }
    // Bytes and HAVEs from these peers (a follower's leaders), matched by address
    // and either end's port. Caller holds mu.
    std::int64_t progress_of(const std::vector<PeerEndpoint>& peers) const;
};

// Adds the addresses the hosts of these web seed URLs resolve to (getaddrinfo: may
// block) to counters.web_seed_addresses. libtorrent's web seed records the address
// it reached when it connects; held-back web seeds (slices, or a gate that never
// opens) would leave it unknown, and the registry's everseed would count as
// another agent (docs/engine.md, "Where bytes came from").
void note_web_seed_addresses(const std::vector<std::string>& urls, SourceCounters& counters);

// A torrent extension that counts payload per source into counters, and sends
// share_key (0: none) in the extension handshake (piece_shares.hpp); a
// super-seeding torrent says so there instead (its bitfield hides that it is a seed).
std::shared_ptr<lt::torrent_plugin> make_counting_plugin(std::shared_ptr<SourceCounters> counters,
                                                         Logger& log, std::uint64_t share_key,
                                                         bool super_seeding);

// zone_peer_plugin.cpp: a torrent extension that keeps a follower from downloading
// from peers outside its zone (zone_peer_filter.hpp).
std::shared_ptr<lt::torrent_plugin> make_zone_plugin(std::shared_ptr<ZonePeerFilter> filter);

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
        std::filesystem::path resume_file;          // AddDownload::resume_file (empty: none)
        std::set<std::string> skipped_trackers;     // announces skipped as unreachable
        bool announced = false;                     // some tracker replied
        std::shared_ptr<StuckPieceDetector> stuck;  // used by the alert thread only
        MetadataCheck check_metadata;               // magnets: run when metadata arrives
        // Web seeds the gate adds and removes (WebSeedUse::fallback).
        std::vector<std::string> gated_web_seeds;
        std::shared_ptr<WebSeedGate> web_seed_gate;  // used by the alert thread only
        // A single-file torrent's web seed: the gate opening starts web seed slices
        // (slice_fetcher.hpp) instead of libtorrent's web seed; that joins only when
        // nothing arrives from slices or peers either (last_resort_gate).
        std::optional<SliceSource> slice_source;
        std::shared_ptr<SliceFetcher> slices;
        std::shared_ptr<WebSeedGate> last_resort_gate;  // used by the alert thread only
        // Zone-aware engines: the role and leaders the tracker's /zone gave (written
        // by the zone thread; docs/zones.md).
        ZoneView zone_view;
        std::string zone_error;  // the last /zone failure, "" after an answer
        // Zone-aware engines: who a follower may download from (the zone thread
        // updates it from zone_view; the zone peer plugin reads it).
        std::shared_ptr<ZonePeerFilter> zone_filter;
        // A leader's piece priorities in force (zone_leader_pieces.hpp); empty: libtorrent's
        // defaults. Used by the alert thread only.
        std::vector<std::uint8_t> leader_priorities;
        bool private_torrent = false;  // BEP 27: announces carry tracker_key
        // Piece shares (config.piece_shares, not zone-aware engines): made when the
        // download has metadata; used by the alert thread only.
        std::shared_ptr<PieceShares> shares;
    };

    EngineConfig config;
    // This engine's key in every extension handshake (piece_shares.hpp): random,
    // never 0. 0 when piece shares are off.
    std::uint64_t share_key = 0;
    // This node's key for private torrents' trackers: config.tracker_key until
    // set_tracker_key() replaces it (the daemon's SIGHUP).
    std::string tracker_key;
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
    // Zone-aware engines only: asks the trackers' /zone for each torrent's role
    // (engine_zones.cpp). Stopped and joined by ~Engine before the session goes.
    std::jthread zone_thread;
    Clock::SteadyTime last_resume_save;
    Clock::SteadyTime last_stuck_check;
    Clock::SteadyTime last_web_seed_check;
    Clock::SteadyTime last_share_check;
    Clock::SteadyTime last_leader_pieces_check;

    Impl(EngineConfig c, Logger& l, const Clock& k)
        : config(std::move(c)), tracker_key(config.tracker_key), log(l), clock(k) {}

    Entry* find_by_handle(const lt::torrent_handle& h) {
        for (auto& [_, e] : entries) {
            if (e.handle == h) return &e;
        }
        return nullptr;
    }

    // Where an entry's resume data goes; empty: nowhere.
    static const std::filesystem::path& resume_path(const Entry& e) { return e.resume_file; }

    void request_resume_save(const lt::torrent_handle& h, lt::resume_data_flags_t flags) {
        // Caller holds mu.
        ++resume_outstanding;
        h.save_resume_data(flags | lt::torrent_handle::save_info_dict);
    }

    void event(std::vector<EngineEvent>& events, EngineEvent::Kind kind, const Entry& e,
               std::string message = {}) {
        events.push_back(EngineEvent{kind, e.id, e.hashes, std::move(message)});
    }
    // The entry of a torrent; not_found names it. Caller holds mu.
    Result<Entry*> entry(TorrentId id);

    // engine_alerts.cpp (the alert thread)
    void run_alerts();
    void handle_alert(lt::alert* a, std::vector<EngineEvent>& events);
    void on_listen_succeeded(const lt::listen_succeeded_alert& a);
    void on_listen_failed(const lt::listen_failed_alert& a);
    void on_resume_data_saved(const lt::save_resume_data_alert& a);
    void on_resume_data_failed(const lt::save_resume_data_failed_alert& a);
    void on_tracker_error(const lt::tracker_error_alert& a);
    void on_tracker_reply(const lt::tracker_reply_alert& a);
    void on_web_seed_error(const lt::url_seed_alert& a, std::vector<EngineEvent>& events);
    void on_file_error(const lt::file_error_alert& a, std::vector<EngineEvent>& events);
    void on_torrent_alert(const lt::torrent_alert& a, std::vector<EngineEvent>& events);
    void on_metadata_received(Entry& e, const lt::torrent_alert& a,
                              std::vector<EngineEvent>& events);

    // engine_resume.cpp
    void maybe_save_resume();

    // engine_torrents.cpp
    void maybe_unstick();
    Result<TorrentId> add(lt::add_torrent_params params, const std::vector<PeerEndpoint>& peers,
                          const std::string& what, MetadataCheck check_metadata = {},
                          std::filesystem::path resume_file = {});
    Result<TorrentStatus> status_of(const Entry& e) const;
    enum class Until { checked, finished };
    Result<TorrentStatus> wait(TorrentId id, std::chrono::milliseconds timeout,
                               std::stop_token stop, Until until);

    // engine_zones.cpp (the zone thread)
    void run_zone_queries(std::stop_token stop);
    // A changed /zone answer: logs it, and re-announces (true) for a follower or leader
    // role. Not under mu.
    bool on_new_role(lt::torrent_handle handle, const std::string& name,
                     const ZoneView& view) const;
    // A zone-aware node's finished torrent: logs the payload it got per peer address
    // (where its bytes came from: inside its zone, or from a leader). Caller holds mu.
    void log_zone_sources(const Entry& e) const;
    // Re-announces a downloading leader at most every 5 s (`last`: its previous one).
    void reannounce_leader(const lt::torrent_handle& handle, Clock::SteadyTime& last,
                           Clock::SteadyTime now) const;
    // The /zone URLs of a torrent: one per HTTP(S) tracker. Not under mu.
    std::vector<std::string> zone_query_urls(const lt::torrent_handle& handle, const InfoHash& hash,
                                             std::uint16_t port) const;

    // engine_shares.cpp (the alert thread): every downloading torrent's piece share,
    // applied as libtorrent piece priorities and handed to its slices.
    void maybe_update_shares();
    // engine_zones.cpp: a leader's piece priorities from its zone peers' pieces
    // (zone_leader_pieces.hpp), once a second on the alert thread.
    void maybe_update_leader_pieces();
    bool shares_on() const { return share_key != 0; }

    // engine_web_seeds.cpp
    void maybe_gate_web_seeds();
    // One download's gates, on the alert thread; libtorrent calls, not under mu.
    struct GateBytes {
        std::int64_t from_peers = 0;
        std::int64_t from_slices = 0;
        bool slices = false;  // the download has a slice source
        int super_seeds = 0;  // SourceCounters::super_seed_addresses
    };
    void gate_one(TorrentId id, const lt::torrent_handle& handle, WebSeedGate& gate,
                  WebSeedGate* last_resort, GateBytes bytes, const std::vector<std::string>& urls,
                  const std::string& name, std::optional<std::int64_t> leader_progress,
                  Clock::SteadyTime now);
    // The gate opened (true) or closed: slices on or off, or libtorrent's web seeds
    // when the torrent has no slice source. Not under mu.
    void gate_web_seeds(TorrentId id, const lt::torrent_handle& handle,
                        const std::vector<std::string>& urls, bool open);
    // Stops every download's slices (engine shutdown), outside mu.
    void stop_slices();
    // WebSeedUse::fallback: takes params' url seeds (and the .torrent's BEP 19
    // ones) out for the gate to add later; returns them.
    std::vector<std::string> hold_back_web_seeds(lt::add_torrent_params& params) const;
};

}  // namespace aciswarm::engine
