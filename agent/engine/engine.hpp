// The BitTorrent engine: one libtorrent session behind project types.
//
// This folder is the only code in aciswarm that includes libtorrent headers;
// everything here speaks InfoHashes, PeerEndpoint, Result, Logger.
//
// Threads:
// - Engine's public methods may be called from any thread (they lock an
//   internal mutex; libtorrent's session_handle is itself thread-safe).
// - Engine owns one internal "alert thread" that drains libtorrent's alerts,
//   keeps per-torrent state (finished/error/checked, hash failures), writes
//   resume data files, saves resume data periodically, and calls the
//   EventCallback. Callbacks run on that thread: keep them short, and never
//   call Engine::wait_* or ~Engine from inside one.
// - libtorrent runs its own network and disk threads inside the session.
// - ~Engine saves resume data for every torrent with a resume file,
//   stops the alert thread, then destroys the session.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "agent/engine/zone_announce.hpp"
#include "agent/engine/zone_role.hpp"
#include "common/clock.hpp"
#include "common/info_hash.hpp"
#include "common/log.hpp"
#include "common/peer_endpoint.hpp"
#include "common/result.hpp"

namespace aciswarm::engine {

// BitTorrent protocol encryption (MSE/PE) for incoming and outgoing peers.
enum class EncryptionPolicy {
    prefer,   // try encrypted, accept plaintext (libtorrent pe_enabled)
    require,  // encrypted only (pe_forced)
    disable,  // plaintext only (pe_disabled)
};
// "prefer" | "require" | "disable"; the error names the text.
Result<EncryptionPolicy> parse_encryption_policy(std::string_view text);
std::string_view encryption_policy_name(EncryptionPolicy policy);

// When a download's web seeds (BEP 19 url seeds) join it (docs/engine.md, "Web seeds").
enum class WebSeedUse {
    always,    // from the start, next to the peers (libtorrent's own behaviour)
    fallback,  // only once no peer sent a payload byte for web_seed_delay (WebSeedGate)
};
// "always" | "fallback"; the error names the text.
Result<WebSeedUse> parse_web_seed_use(std::string_view text);
std::string_view web_seed_use_name(WebSeedUse use);

struct EngineConfig {
    // libtorrent listen_interfaces entries, "ADDRESS:PORT" ("0.0.0.0:6881",
    // "[::1]:0", "127.0.0.1:0"). Port 0 picks a free port. Empty list: no
    // listener (outgoing connections and web seeds only).
    std::vector<std::string> listen_interfaces{"0.0.0.0:0", "[::]:0"};
    bool dht = false;                     // private clusters: off by default
    bool local_service_discovery = true;  // BEP 14 multicast on the LAN
    std::int64_t upload_rate_limit = 0;   // bytes/s, 0 = unlimited
    std::int64_t download_rate_limit = 0;
    // libtorrent puts peers on local networks (10/8, 172.16/12, 192.168/16,
    // 127/8, link-local) in a peer class without rate limits. In a cluster
    // every peer is local, so by default the limits above apply to every peer
    // and web seed (one peer class for all addresses). true restores
    // libtorrent's exemption (--exempt-local-peers).
    bool exempt_local_peers = false;
    int connections_limit = 200;
    // uTP (BEP 29). Outgoing connections use TCP: on a cluster network uTP's
    // delay-based congestion control only slows transfers down (docs/engine.md).
    // Incoming uTP stays on, so clients that only dial uTP can still connect.
    bool outgoing_utp = false;
    bool incoming_utp = true;
    EncryptionPolicy encryption = EncryptionPolicy::prefer;
    // Several agents behind one address (loopback tests, NAT) are distinct peers.
    bool allow_multiple_connections_per_ip = true;
    // CA bundle for HTTPS web seeds and trackers. libtorrent reads it only
    // through SSL_CERT_FILE when the session starts, and setenv is not for a
    // library at run time: the binary sets it at start-up, before any thread
    // (set_process_ca_file, common/process_tls.hpp); Engine::create only
    // checks the file. It replaces, not extends, the system trust store.
    std::filesystem::path ca_file;
    // Don't validate HTTPS certificates of web seeds and trackers
    // (--insecure-options=tls). Logged as a warning.
    bool insecure_tls = false;
    // libtorrent's SSRF mitigation (see docs/engine.md): on by default. It
    // refuses web seed URLs with a query string on private/loopback addresses
    // and HTTP tracker URLs on loopback whose path is not /announce.
    bool ssrf_mitigation = true;
    // How often changed resume data is saved (AddDownload::resume_file).
    std::chrono::seconds resume_save_interval{60};
    // A download whose pieces stay received-but-unverified this long, with no
    // progress, is rechecked (a libtorrent 2.0.8 stall; docs/engine.md). 0: never.
    std::chrono::milliseconds stuck_piece_timeout{10000};
    // Web seeds: the registry's HTTPS is the origin of last resort. fallback
    // (default) adds a download's web seeds only when no peer sent it a byte for
    // web_seed_delay (and removes them while a swarm with a seed delivers), so a swarm with a seed
    // takes nothing from HTTPS and N nodes don't stream N overlapping copies from it
    // (docs/engine.md, "Web seeds").
    WebSeedUse web_seed_use = WebSeedUse::fallback;
    std::chrono::milliseconds web_seed_delay{2000};
    // ... and removes them again, once they were in for web_seed_min_open, when
    // the swarm has a seed and peers sent at least web_seed_close_bytes in one
    // web_seed_delay window (WebSeedGate).
    std::chrono::milliseconds web_seed_min_open{10000};
    std::int64_t web_seed_close_bytes = 1 << 20;
    // Longest byte range one web seed request asks for (libtorrent's
    // urlseed_max_request_bytes; its default is 16 MiB). Short ranges let nodes
    // that all use the web seed take different pieces and trade them.
    int web_seed_request_bytes = 1 << 20;
    // Piece shares (--piece-shares; docs/engine.md, "Piece shares"): each downloader
    // asks for its own share of the pieces first, so that a plainly seeding origin
    // sends each piece about once. Off for zone-aware engines.
    bool piece_shares = true;
    // Zone-aware swarms (--zone, --leader-candidate, --upload-capacity,
    // --download-capacity; docs/zones.md): keys added to every HTTP tracker URL of
    // every torrent; a follower's torrents run without PEX, DHT and LSD.
    ZoneSettings zone;
    // How long create() waits for the listeners to bind.
    std::chrono::milliseconds listen_timeout{10000};
    // Private swarms: this node's key, appended as ?passkey=KEY to the tracker
    // URLs of private torrents only (docs/private.md). "" = none. The key at
    // start: Engine::set_tracker_key replaces it while running.
    std::string tracker_key;
    // Peer id prefix / user agent shown to peers and web seeds.
    std::string user_agent = "aciswarm";

    friend bool operator==(const EngineConfig&, const EngineConfig&) = default;
};

// The libtorrent settings an EngineConfig maps to, as name → value text
// (libtorrent's setting names, e.g. "enable_dht" → "false"). For -v logging and tests.
std::map<std::string, std::string> describe_settings(const EngineConfig& config);

// Opaque handle for a torrent inside one Engine. Never reused by that Engine.
struct TorrentId {
    std::uint64_t value = 0;
    friend auto operator<=>(const TorrentId&, const TorrentId&) = default;
};

enum class TorrentState {
    checking,              // verifying existing data (seed check, resume)
    downloading_metadata,  // magnet: waiting for the info dictionary (BEP 9)
    downloading,
    finished,  // every wanted byte is here and verified
    seeding,   // finished and serving
    error,     // see TorrentStatus::error
};
std::string_view torrent_state_name(TorrentState state);

struct TorrentStatus {
    TorrentId id;
    InfoHashes info_hashes;
    std::string name;  // empty until a magnet's metadata arrives
    TorrentState state = TorrentState::checking;
    bool has_metadata = false;
    std::filesystem::path save_path;
    std::int64_t total_size = 0;    // -1 when metadata is missing
    std::int64_t total_wanted = 0;  // bytes we want
    std::int64_t total_done = 0;    // verified bytes we have (of those wanted)
    // Single-file torrents: bytes from the file's start up to the first piece
    // not verified yet (an import's early pass reads them, agent/store/early_pass.hpp).
    std::int64_t verified_prefix = 0;
    std::int64_t download_rate = 0;  // payload bytes/s
    std::int64_t upload_rate = 0;
    std::int64_t total_payload_download = 0;  // this session
    std::int64_t total_payload_upload = 0;
    // Payload bytes received, by source, this session (counted as they
    // arrive, before the piece hash check: corrupt bytes count too).
    std::int64_t bytes_from_peers = 0;
    std::int64_t bytes_from_web_seeds = 0;
    // Of bytes_from_peers, those from peers that were seeds when they
    // connected and sit at the address a web seed of this torrent was reached
    // at: the registry's everseed, which runs beside the HTTPS server
    // (docs/engine.md). The rest came from other agents.
    std::int64_t bytes_from_origin_peers = 0;
    int num_peers = 0;      // connected BitTorrent peers
    int num_seeds = 0;      // of which seeds
    int num_web_seeds = 0;  // connected web seeds
    int hash_failures = 0;  // pieces that failed their hash check
    // Zone-aware engines: the role and leaders the tracker gave (docs/zones.md); role
    // unknown until it answered, and always for an engine without zone settings.
    ZoneView zone;
    // Web seed connections that failed (TLS verification, connect, reset);
    // libtorrent retries them later. The last failure's text, naming the server.
    int web_seed_failures = 0;
    std::string web_seed_error;
    std::string error;  // non-empty in TorrentState::error
};

// Something happened to a torrent. Delivered on the alert thread.
struct EngineEvent {
    enum class Kind {
        added,
        metadata_received,
        checked,          // data check done (seeds: finished tells whether it was complete)
        finished,         // all wanted pieces verified
        hash_failed,      // a piece failed its hash check (message: piece index)
        error,            // torrent error (message); the torrent is paused
        web_seed_failed,  // a web seed failed or was banned (message: URL and reason)
        removed,
    };
    Kind kind;
    TorrentId id;
    InfoHashes info_hashes;
    std::string message;
};
using EventCallback = std::function<void(const EngineEvent&)>;

// What a torrent's metadata says, checked before any payload is downloaded.
struct TorrentShape {
    std::string name;
    int num_files = 0;
    std::int64_t total_size = 0;
};
// Returns an error to refuse the torrent (its message becomes the torrent's error).
using MetadataCheck = std::function<Status(const TorrentShape&)>;
// True for a web seed URL the caller allows (scheme and address policy).
using WebSeedPolicy = std::function<bool(const std::string& url)>;
// The URL libtorrent is given for a web seed URL (e.g. with the registry's
// basic credentials as its userinfo, http/auth.hpp's web_seed_url).
using WebSeedUrl = std::function<std::string(const std::string& url)>;

struct AddDownload {
    // Exactly one of torrent (bencoded .torrent bytes) or magnet_uri.
    std::string torrent{};
    std::string magnet_uri{};
    // Directory the torrent's file(s) are written into (created if missing).
    std::filesystem::path save_path{};
    // Single-file torrents given as .torrent bytes: the file's name inside
    // save_path instead of the torrent's name (e.g. a store staging name).
    std::string content_name{};
    // Extra BEP 19 url seeds (e.g. the discovered HTTPS .aci URL) and trackers
    // (each in its own tier after the torrent's own).
    std::vector<std::string> web_seeds{};
    std::vector<std::string> trackers{};
    // Peers to connect to right away (tracker-less use, tests).
    std::vector<PeerEndpoint> peers{};
    // Applied to every web seed whatever its origin (the torrent's url-list, a
    // magnet's ws=, web_seeds above): a URL it refuses is never added. Unset:
    // all allowed.
    WebSeedPolicy web_seed_allowed{};
    // Applied after web_seed_allowed to every web seed (the torrent's, a
    // magnet's, web_seeds above, a resume file's). Resume files and log lines
    // get the URL without its userinfo. Unset: URLs as they are.
    WebSeedUrl web_seed_url{};
    // Run on the metadata: for a .torrent before adding it (the error is
    // add_download's), for a magnet on the alert thread as soon as the
    // metadata arrives; an error there pauses the torrent before any piece is
    // requested and wait_finished returns it.
    MetadataCheck check_metadata{};
    // This torrent's resume data file (e.g. in the store's staging area,
    // beside the partial download): read when it exists and matches the
    // torrent, so an interrupted download continues from its verified pieces;
    // written by save_resume_data, every resume_save_interval when changed,
    // and at ~Engine. remove() leaves it: the caller owns it. Empty: none.
    std::filesystem::path resume_file{};
};

struct AddSeed {
    std::string torrent{};  // bencoded .torrent bytes
    // Directory holding the torrent's content under its name
    // (single-file torrent "x.aci": save_path/x.aci).
    std::filesystem::path save_path{};
    // Single-file torrents: the content's file name inside save_path when it
    // differs from the torrent's name (e.g. a content-addressed store blob).
    std::string content_name{};
    // true: hash every piece before serving (state checking → seeding, or
    // → downloading with total_done < total_wanted when the data is
    // incomplete or corrupt). false: libtorrent seed_mode, trusting the file
    // and verifying each piece lazily when a peer first asks for it.
    bool verify = true;
    // BEP 16 super-seeding (libtorrent's super_seeding flag): the seed shows each
    // peer one piece at a time and offers another only once that piece was seen
    // at another peer, so it hands out every piece about once before repeating.
    // For an origin seed (aciswarm seed) whose uplink is the scarce link.
    bool super_seed = false;
    std::vector<std::string> trackers{};
    std::vector<PeerEndpoint> peers{};
};

class Engine {
  public:
    // Starts the session with config (config.ca_file must be a file, already
    // in SSL_CERT_FILE: see EngineConfig::ca_file) and waits up to config.listen_timeout for every
    // listen interface to bind, logging "listening bittorrent ADDR:PORT" for
    // each TCP listener. Fails when no requested listener could bind.
    static Result<std::unique_ptr<Engine>> create(EngineConfig config, Logger& log,
                                                  const Clock& clock);
    ~Engine();
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    // Called for every event, on the alert thread. Set before adding torrents.
    void set_event_callback(EventCallback callback);

    // Fails (already_exists) when a torrent with the same info hash is in the session.
    Result<TorrentId> add_download(const AddDownload& request);
    Result<TorrentId> add_seed(const AddSeed& request);
    // Private swarms: replaces this node's tracker key ("" = none) for the torrents
    // added from now on and for every private torrent in the session, whose tracker
    // URLs get the new key (libtorrent replace_trackers) and announce with it at once.
    // Returns how many torrents re-announced. The key is never logged.
    std::size_t set_tracker_key(const std::string& key);

    // Connects to a peer for this torrent now (tracker-less use and tests).
    Status add_peer(TorrentId id, const PeerEndpoint& peer);
    Status add_web_seed(TorrentId id, const std::string& url);

    // The bencoded .torrent of a torrent with metadata (a magnet download's
    // once its metadata arrived; call after finished so v2 piece layers are
    // complete), e.g. to keep it beside an image fetched by magnet.
    Result<std::string> torrent_file(TorrentId id) const;

    Result<TorrentStatus> status(TorrentId id) const;
    std::vector<TorrentStatus> status_all() const;
    std::optional<TorrentId> find(const InfoHash& hash) const;  // v1 or truncated v2

    // Blocks until the torrent has every wanted piece verified (finished or
    // seeding), or it fails (error), or timeout (Errc::timeout), or stop is
    // requested (Errc::cancelled). Wakes on alerts, never polls.
    Result<TorrentStatus> wait_finished(TorrentId id, std::chrono::milliseconds timeout,
                                        std::stop_token stop = {});
    // Blocks until the initial check (seed verify / resume) is over; returns
    // the status then (seeding when the data was complete).
    Result<TorrentStatus> wait_checked(TorrentId id, std::chrono::milliseconds timeout,
                                       std::stop_token stop = {});

    // Removes the torrent from the session (its AddDownload::resume_file
    // stays). libtorrent announces "stopped" to the
    // torrent's trackers; ~Engine waits up to 2 s for those announces.
    // delete_files also deletes the downloaded data.
    Status remove(TorrentId id, bool delete_files = false);

    // Saves resume data for every torrent that changed and waits until the
    // files are written (or timeout). Torrents without a resume file are skipped.
    Status save_resume_data(std::chrono::milliseconds timeout = std::chrono::seconds(10));
    // The same for one torrent (no-op without an AddDownload::resume_file).
    Status save_resume_data(TorrentId id, std::chrono::milliseconds timeout);

    // Bound TCP listen endpoints / the first one's port (0 when none).
    std::vector<PeerEndpoint> listen_endpoints() const;
    std::uint16_t listen_port() const;

    const EngineConfig& config() const;

  private:
    struct Impl;
    explicit Engine(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace aciswarm::engine
