// The daemon's real backend: one agent/store Store and one agent/engine Engine.
//
// Seeding: a stored image with a .torrent is seeded through agent/fetch's
// StoreSeed, the one seeding path `aciswarm fetch` uses too (a hard link to the
// blob in the store's staging area, served in seed mode).
//
// Fetching (a name, a URL, a magnet link, a local .torrent or .aci sent as a
// descriptor): agent/fetch's Fetcher runs on a worker thread (one per fetch)
// with the daemon's Engine and its own Store handle on the same store; poll()
// copies its progress for the API. The loop thread never waits for it;
// ~StoreEngineBackend asks each worker to stop and joins it before the engine
// goes away.
//
// Restart and kill -9: the store never shows a partial image. A swarm download
// keeps its verified pieces and libtorrent's resume data in the store's
// staging/partial-<info hash> (saved every resume_interval, and when the worker
// is stopped), so the next fetch of the same torrent resumes it (the fetch's
// own resume, docs/fetch.md). Seeds keep no resume data: after a restart the
// Seeder starts them again from the store.
//
// Thread: owned by the daemon's loop thread (the Engine has its own threads;
// Fetcher workers touch only their Worker, under its mutex, and the Engine).
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "agent/daemon/backend.hpp"
#include "agent/daemon/config.hpp"
#include "agent/daemon/metrics.hpp"
#include "agent/engine/engine.hpp"
#include "agent/fetch/fetcher.hpp"
#include "agent/fetch/source.hpp"
#include "agent/store/store.hpp"
#include "common/clock.hpp"
#include "common/log.hpp"
#include "common/peer_endpoint.hpp"
#include "http/auth.hpp"

namespace aciswarm::agent {

class StoreEngineBackend final : public DaemonBackend {
  public:
    // Opens the store and starts the engine (logging "listening bittorrent ...").
    static Result<std::unique_ptr<StoreEngineBackend>> create(const DaemonConfig& config,
                                                              const Clock& clock, Logger& log);
    ~StoreEngineBackend() override;

    Result<std::vector<StoredImage>> stored_images() override;
    Status start_seeding(const ImageId& id) override;
    void stop_seeding(const ImageId& id) override;
    std::optional<SwarmStats> swarm_stats(const ImageId& id) override;
    Status remove_image(const ImageId& id) override;
    Status reload_credentials(const std::string& auth_dir) override;
    engine::Engine* swarm_engine() override { return engine_.get(); }
    std::size_t set_tracker_key(const std::string& key) override;
    Result<std::vector<RemovedImage>> gc(std::chrono::seconds older_than, bool dry_run,
                                         const std::set<ImageId>& pinned) override;
    Result<FetchId> start_fetch(const FetchRequest& request) override;
    FetchState fetch_state(FetchId id) override;
    void save_resume_data() override;
    void poll() override;
    int listen_port() override;
    bool stop_workers(std::chrono::milliseconds deadline) override;
    web::FetchActivity fetch_activity() override;

  private:
    struct Worker;  // a Fetcher on its own thread

    StoreEngineBackend(store::Store store, std::unique_ptr<engine::Engine> engine,
                       std::string store_path, const Clock& clock, Logger& log);
    Result<FetchId> start_worker(const FetchRequest& request,
                                 const std::vector<PeerEndpoint>& peers);
    fetch::FetchOptions worker_options(const FetchRequest& request,
                                       const std::vector<PeerEndpoint>& peers) const;
    FetchState run_worker_fetch(Worker& w, const fetch::Source& src,
                                const fetch::FetchOptions& options, std::stop_token stop);
    void poll_workers();
    // Payload bytes the engine sent for a torrent about to be removed, kept for the totals.
    void retire_uploads(engine::TorrentId torrent);

    store::Store store_;
    std::unique_ptr<engine::Engine> engine_;
    Logger& log_;
    std::map<ImageId, fetch::StoreSeed> seeds_;  // after engine_: removed from it first
    std::map<FetchId, FetchState> fetches_;
    FetchId next_fetch_ = 1;
    FetchLedger ledger_;                  // running fetches and totals (web page, /metrics)
    std::uint64_t retired_uploaded_ = 0;  // uploads of torrents no longer in the engine
    std::string store_path_;
    store::StoreOptions store_options_;  // each worker's Store handle opens with these
    std::string ca_file_;  // for the Fetcher's discovery and HTTPS; web seeds: SSL_CERT_FILE
    http::Credentials credentials_;  // auth.d: every fetch's HTTPS and web seeds
    std::string blob_origin_;        // mirror-origin: docker:// fetches take layers from the swarm
    const Clock& clock_;
    // Signature check for every image fetched (trust/); empty with insecure-options=image.
    std::function<Result<std::string>(const std::filesystem::path&, std::string_view,
                                      const std::optional<std::string>&)>
        verify_;
    // Declared after engine_: destroyed (stopped and joined) before it.
    std::vector<std::unique_ptr<Worker>> workers_;
};

}  // namespace aciswarm::agent
