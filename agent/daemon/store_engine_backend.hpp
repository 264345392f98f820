// The daemon's real backend: one agent/store Store and one agent/engine Engine.
//
// Seeding: a stored image with a .torrent is seeded from its blob. libtorrent
// wants the file under the torrent's own name, so each seed gets a directory
// CACHE/seed/<image key>/ holding a hard link (or, across file systems, a
// symlink) named like the torrent's file. Seeds start in seed mode: the store
// already verified the blob, and libtorrent checks each piece when first sent.
//
// Fetching a name, an https .torrent or .aci URL, a magnet link, a local .aci,
// or anything with Fetcher options (trackers, no_store, no_https_fallback,
// swarm_timeout): agent/fetch's Fetcher runs on a worker thread (one per fetch) with the
// daemon's Engine and its own Store handle on the same store; poll() copies its
// progress for the API. The loop thread never waits for it; ~StoreEngineBackend
// asks each worker to stop and joins it before the engine goes away.
//
// Fetching a .torrent file (path) without such options: downloaded into CACHE/downloads/<info
// hash>/ with its bytes saved beside it (<info hash>.torrent), so after a restart the engine's
// resume data continues the download and the backend still knows what to import. When every piece
// is verified, poll() imports the file into the store (which checks the image ID and manifest) and
// drops the download; the store never sees a partial image.
//
// Resume data: the engine keeps it in CACHE/resume/; save_resume_data() flushes it.
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

namespace aciswarm::agent {

class StoreEngineBackend final : public DaemonBackend {
  public:
    // Opens the store, starts the engine (logging "listening bittorrent ...")
    // and re-adds every torrent from the resume directory.
    static Result<std::unique_ptr<StoreEngineBackend>> create(const DaemonConfig& config,
                                                              const Clock& clock, Logger& log);
    ~StoreEngineBackend() override;

    Result<std::vector<StoredImage>> stored_images() override;
    Status start_seeding(const ImageId& id) override;
    void stop_seeding(const ImageId& id) override;
    std::optional<SwarmStats> swarm_stats(const ImageId& id) override;
    Status remove_image(const ImageId& id) override;
    Result<std::vector<RemovedImage>> gc(std::chrono::seconds older_than, bool dry_run,
                                         const std::set<ImageId>& pinned) override;
    Result<FetchId> start_fetch(const FetchRequest& request) override;
    FetchProgress fetch_progress(FetchId id) override;
    void save_resume_data() override;
    void poll() override;
    int listen_port() override;
    bool stop_workers(std::chrono::milliseconds deadline) override;
    web::FetchActivity fetch_activity() override;

  private:
    struct Download {
        engine::TorrentId torrent;
        std::string torrent_bytes;
        std::filesystem::path dir;   // save path
        std::filesystem::path file;  // dir / torrent name
        std::filesystem::path sidecar;
        std::optional<FetchId> fetch;  // nullopt: resumed after a restart
    };

    struct Worker;  // a Fetcher on its own thread
    struct Reader;  // reads a client's .torrent descriptor on its own thread

    StoreEngineBackend(store::Store store, std::unique_ptr<engine::Engine> engine,
                       std::filesystem::path cache_dir, std::string store_path, const Clock& clock,
                       Logger& log);
    Result<FetchId> start_worker(const FetchRequest& request,
                                 const std::vector<PeerEndpoint>& peers);
    fetch::FetchOptions worker_options(const FetchRequest& request,
                                       const std::vector<PeerEndpoint>& peers) const;
    FetchProgress run_worker_fetch(Worker& w, const fetch::Source& src,
                                   const fetch::FetchOptions& options, std::stop_token stop);
    void poll_workers();
    void poll_readers();
    Status start_download(FetchId fid, const FetchRequest& request,
                          const std::vector<PeerEndpoint>& endpoints, std::string torrent_bytes);
    void adopt_resumed(const std::vector<engine::TorrentId>& torrents);
    void finish_download(Download& d, const engine::TorrentStatus& st);
    // Drops a finished or failed download's torrent and its files (logged when it fails).
    void remove_download_torrent(const Download& d);
    // Payload bytes the engine sent for a torrent about to be removed, kept for the totals.
    void retire_uploads(engine::TorrentId torrent);

    store::Store store_;
    std::unique_ptr<engine::Engine> engine_;
    std::filesystem::path cache_dir_;
    Logger& log_;
    std::map<ImageId, engine::TorrentId> seeds_;
    std::vector<Download> downloads_;
    std::map<FetchId, FetchProgress> fetches_;
    FetchId next_fetch_ = 1;
    FetchLedger ledger_;                  // running fetches and totals (web page, /metrics)
    std::uint64_t retired_uploaded_ = 0;  // uploads of torrents no longer in the engine
    std::string store_path_;
    std::string ca_file_;  // for the Fetcher's discovery and HTTPS; web seeds: SSL_CERT_FILE
    const Clock& clock_;
    // Signature check for every image fetched (trust/); empty with insecure-options=image.
    std::function<Result<std::string>(const std::filesystem::path&, std::string_view,
                                      const std::optional<std::string>&)>
        verify_;
    // Declared after engine_: destroyed (stopped and joined) before it.
    std::vector<std::unique_ptr<Worker>> workers_;
    std::vector<std::unique_ptr<Reader>> readers_;
};

}  // namespace aciswarm::agent
