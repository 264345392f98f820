// What the daemon drives: the image store and the BitTorrent engine, behind one
// interface so the seeding logic (Seeder) and the API are tested without a
// swarm. The real implementation (store_engine_backend.*) wires agent/store and
// agent/engine. Thread: called only from the daemon's loop thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "agent/daemon/protocol.hpp"
#include "agent/engine/engine.hpp"
#include "agent/fetch/progress.hpp"
#include "agent/web/snapshot.hpp"
#include "common/file_read.hpp"
#include "common/image_id.hpp"
#include "common/result.hpp"

namespace aciswarm::agent {

struct StoredImage {
    ImageId id;
    std::string name;        // "example.com/app:1.0" or "" when unknown
    std::uint64_t size = 0;  // bytes of the image file
    bool seedable = true;    // the store has the torrent (info) needed to seed it
    // For the web page (agent/web): the manifest's name and labels, and the
    // fingerprint of the trusted key that verified the image ("" = not verified).
    std::string manifest_name = {};
    std::string version = {};
    std::string os = {};
    std::string arch = {};
    std::string verified_by = {};
};

// The engine's view of one image's torrent.
struct SwarmStats {
    std::string state;  // "seeding", "downloading", "checking", "paused", "error"
    int peers = 0;
    std::int64_t download_rate = 0;  // bytes/s
    std::int64_t upload_rate = 0;
    std::uint64_t uploaded = 0;  // bytes uploaded in this daemon session
    std::uint64_t downloaded = 0;
    std::uint64_t total = 0;  // torrent size
    double progress = 0;      // 0..1
    // Zone-aware nodes (docs/zones.md): the role the tracker gave ("leader",
    // "follower", "none"; "" until it answered), the zone and its leaders.
    std::string zone_role;
    std::string zone;
    std::vector<std::string> zone_leaders;  // "ADDRESS:PORT", best first
};

// A daemon fetch as the API reports it: the fetch library's own progress
// while it runs, then the image or the error.
struct FetchState {
    enum class State { running, done, failed };
    State state = State::running;
    fetch::FetchProgress progress;
    // When done, for the web page's totals (agent/web): bytes over plain HTTPS
    // and payload bytes sent to peers while fetching.
    std::uint64_t from_https = 0;
    std::uint64_t uploaded = 0;
    std::optional<ImageId> image;     // when done
    std::string error;                // when failed
    Errc error_code = Errc::network;  // when failed: what kind (a file error is not "network")
};

using FetchId = std::uint64_t;

// A fetch request: what to fetch and `aciswarm fetch` options the API carries.
struct FetchRequest {
    std::string source;              // name, URL, magnet, or a path relative to `dir`
    std::string dir;                 // the caller's working directory
    std::vector<std::string> peers;  // "ADDR:PORT", asked directly
    std::vector<std::string> trackers;
    bool no_store = false;
    bool no_https_fallback = false;
    std::optional<std::chrono::milliseconds> swarm_timeout;
    // The image's detached signature as the client sent it (else discovered,
    // as the fetch library does; a local file's comes only this way).
    std::optional<std::string> signature;
    // A local .torrent or .aci `source`: the descriptor the client opened and
    // sent (SCM_RIGHTS). The backend reads it, never the path. Shared so the
    // request stays copyable; the last owner closes it.
    std::shared_ptr<UniqueFd> source_file;
};

class DaemonBackend {
  public:
    virtual ~DaemonBackend() = default;

    virtual Result<std::vector<StoredImage>> stored_images() = 0;
    // Idempotent: seeding an image already seeded does nothing.
    virtual Status start_seeding(const ImageId& id) = 0;
    virtual void stop_seeding(const ImageId& id) = 0;
    // nullopt when the engine has no torrent for the image.
    virtual std::optional<SwarmStats> swarm_stats(const ImageId& id) = 0;
    virtual Status remove_image(const ImageId& id) = 0;
    // Removes images unused for `older_than` that are neither seeding nor in
    // `pinned` (policy forever), unreferenced
    // blobs and staging leftovers (only lists them when dry_run); returns the
    // images removed (or that would be).
    virtual Result<std::vector<RemovedImage>> gc(std::chrono::seconds older_than, bool dry_run,
                                                 const std::set<ImageId>& pinned) = 0;
    // Starts a download (name, URL, magnet, or torrent path relative to `dir`),
    // also asking `peers` ("ADDR:PORT") directly. Once verified, the backend
    // imports the image into the store by itself (from poll()), whether or
    // not anyone still watches the fetch.
    virtual Result<FetchId> start_fetch(const FetchRequest& request) = 0;
    // The fetch's state; once it is done or failed, the backend forgets it.
    virtual FetchState fetch_state(FetchId id) = 0;
    // Asks the engine to write resume data for every torrent (and waits for it).
    virtual void save_resume_data() = 0;
    // Processes engine events; called every loop iteration.
    virtual void poll() = 0;
    // The BitTorrent port actually bound (0 when not listening).
    virtual int listen_port() = 0;
    // Shutdown: asks every worker thread to stop and waits for them up to
    // `deadline`. False when some did not stop in time (e.g. blocked in a
    // decompression the store does not interrupt); the daemon then exits without
    // joining them, which the store survives (imports are kill -9 safe).
    virtual bool stop_workers(std::chrono::milliseconds /*deadline*/) { return true; }
    // For the web page and /metrics (agent/web): the fetches running now, and
    // totals (bytes by source, durations, uploads) since the backend started.
    virtual web::FetchActivity fetch_activity() { return {}; }
    // (Re)reads the registry credentials (auth.d: DIR alone, "" = the system
    // directories) for the fetches started from now on; on an error the
    // credentials in use stay. At start and on SIGHUP.
    virtual Status reload_credentials(const std::string& /*auth_dir*/) { return {}; }
    // The BitTorrent engine the registry mirror's swarm source downloads and
    // seeds blobs with (agent/blobs/swarm_source.hpp; Engine is thread-safe);
    // null when there is none (fakes): the mirror then uses upstream only.
    virtual engine::Engine* swarm_engine() { return nullptr; }
    // Private swarms: this node's tracker key ("" = none) from now on; every private
    // torrent seeding or downloading re-announces with it at once. How many did. SIGHUP.
    virtual std::size_t set_tracker_key(const std::string& /*key*/) { return 0; }
};

}  // namespace aciswarm::agent
