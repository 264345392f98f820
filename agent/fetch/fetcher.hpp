// `aciswarm fetch` as a class the CLI and the daemon share: an argument (image
// name, .torrent URL or file, magnet link, .aci URL or file) in, a verified
// image in the store out (docs/fetch.md).
//
//   name  -> store hit while max-age holds, else appc discovery -> .torrent
//            (preferred), magnet, or plain HTTPS .aci; the discovered .aci URL
//            is added as a BEP 19 web seed when the torrent lacks it.
//   torrent / magnet -> store hit on the info hash, else the engine downloads
//            into a directory in the store's staging area; libtorrent checks
//            every piece hash; the store checks the image ID and the manifest
//            against the expected name and labels, and moves the file in.
//   no torrent, or no verified piece within swarm_timeout -> HTTPS download
//            of the .aci (libcurl, streamed to staging) unless disabled.
//
// The .aci.asc signature discovery names (or URL.asc for an .aci URL, or
// FILE.asc beside a local .aci, or FetchOptions::signature) is fetched before
// the import and handed with the downloaded blob to FetchOptions::verify
// (trust/: a key trusted for the image's name must have signed it), which
// runs before the image becomes visible in the store (docs/trust.md).
//
// Thread ownership: a Fetcher and the Store it is given belong to the thread
// calling fetch(). The progress callback runs on that thread. Cancellation:
// request stop on the stop_token passed to fetch() from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "agent/engine/engine.hpp"
#include "agent/fetch/https_download.hpp"
#include "agent/fetch/progress.hpp"
#include "agent/fetch/source.hpp"
#include "agent/fetch/store_seed.hpp"
#include "agent/store/store.hpp"
#include "common/clock.hpp"
#include "common/log.hpp"
#include "common/peer_endpoint.hpp"
#include "common/result.hpp"
#include "convert/pull.hpp"
#include "discovery/page_fetcher.hpp"
#include "oci/manifest.hpp"

namespace aciswarm::agent::fetch {

struct FetchOptions {
    bool use_store = true;       // false: --no-store, always download
    bool https_fallback = true;  // false: --no-https-fallback
    // Give up on the swarm (and fall back to HTTPS) when it makes no progress
    // (no byte received, no piece verified) for this long, at any point of the
    // download. What arrived stays in staging for the next fetch to resume.
    std::chrono::milliseconds swarm_timeout{std::chrono::seconds(30)};
    // Overall limit of a torrent download once bytes flow.
    std::chrono::milliseconds download_timeout{std::chrono::hours(6)};
    // Discovery, .torrent / .asc GETs (with page limits), fallback download.
    http::ClientOptions https = http::download_options();
    std::vector<PeerEndpoint> peers;    // asked directly (tracker-less swarms, tests)
    std::vector<std::string> trackers;  // added to the torrent's own
    bool fetch_signature = true;
    // Checks an image before it enters the store: the blob as served, the
    // manifest's name, its .aci.asc (nullopt: none found). Returns the
    // fingerprint of the key that verified it. Empty: no check
    // (--insecure-options=image); store hits then needn't be verified either.
    std::function<Result<std::string>(const std::filesystem::path& blob, std::string_view name,
                                      const std::optional<std::string>& signature)>
        verify;
    // --signature: the .aci.asc for a magnet link, .torrent or file (else discovered).
    std::optional<std::string> signature;
    std::string seeding_policy;  // recorded in the store ("" = none)
    // Page size cap for .torrent / .magnet / .asc GETs.
    std::size_t max_metadata_bytes = 64 * 1024 * 1024;
    // Discovery pages through this instead of libcurl (unit tests; not owned).
    discovery::PageFetcher* discovery_pages = nullptr;
    // The working directory relative file arguments are resolved against ("" = process cwd).
    std::string cwd;
    // oci: and docker:// images: the entry taken from a multi-platform index (--platform).
    oci::Platform platform = convert::host_platform();
    // docker:// layers: this origin's blob torrents first (agent/blobs' swarm
    // source, --swarm-timeout bounds it), the registry when the swarm fails.
    std::string blob_origin;
};

// Staging directories "partial-<info hash hex>" hold interrupted swarm
// downloads (data + libtorrent resume data) until the image is stored.
inline constexpr std::string_view partial_prefix = "partial-";

enum class FetchVia { store, swarm, https, file };
std::string_view fetch_via_name(FetchVia via);

struct FetchOutcome {
    store::ImageRecord record;
    FetchVia via = FetchVia::store;
    std::int64_t from_peers = 0;
    // Of from_peers: from a peer at a web seed's address, the registry's
    // everseed (engine::TorrentStatus::bytes_from_origin_peers); the rest came
    // from other agents.
    std::int64_t from_everseed = 0;
    std::int64_t from_web_seeds = 0;
    std::int64_t from_https = 0;
    std::int64_t uploaded = 0;  // payload bytes sent to peers while downloading (swarm)
    // Connected BitTorrent peers that were not seeds when the download finished (swarm):
    // 0 means nobody to seed to (a super-seeding seed counts: its bitfield is empty).
    int peers_lacking_pieces = 0;
    int hash_failures = 0;
    std::vector<std::string> warnings;  // non-fatal problems (signature missing, fallback used)
};

// Gives the fetcher an engine when it first needs one (store hits and plain
// HTTPS downloads never start a session). The engine outlives the Fetcher.
using EngineProvider = std::function<Result<engine::Engine*>()>;

class Fetcher {
  public:
    Fetcher(store::Store& store, EngineProvider engine, FetchOptions options, Logger& log,
            const Clock& clock);

    Result<FetchOutcome> fetch(const std::string& argument, const ProgressFn& progress = {},
                               std::stop_token stop = {});
    Result<FetchOutcome> fetch(const Source& source, const ProgressFn& progress = {},
                               std::stop_token stop = {});

  private:
    struct Job;
    Result<FetchOutcome> fetch_name(Job& job);
    // The image named, when the store has it and its discovery max-age holds.
    std::optional<FetchOutcome> fresh_store_hit(Job& job);
    // The discovered .torrent, else magnet: a value when that settles the fetch
    // (done, or an error not worth the HTTPS fallback), else nullopt with
    // `swarm_error` set when a swarm attempt failed.
    std::optional<Result<FetchOutcome>> fetch_discovered_swarm(
        Job& job, const std::optional<std::string>& torrent_url,
        const std::optional<std::string>& magnet_link, std::optional<Error>& swarm_error);
    // What a .torrent or magnet names, its web seeds checked against the scheme policy.
    struct TorrentInput {
        InfoHashes hashes;
        std::vector<std::string> web_seeds;  // as listed
        std::string what;                    // for messages: "torrent NAME", "magnet HASH"
    };
    Result<TorrentInput> read_torrent_input(Job& job, const std::string& torrent,
                                            const std::string& magnet);
    // The store's copy of these info hashes (keeping job's .torrent when it had none).
    std::optional<FetchOutcome> torrent_store_hit(Job& job, const InfoHashes& hashes);
    void report_download(Job& job, const engine::TorrentStatus& last);
    Result<FetchOutcome> fetch_torrent(Job& job, const std::string& torrent,
                                       const std::string& magnet);
    // One torrent in the engine for the length of a fetch (defined in fetcher.cpp).
    struct Download;
    engine::AddDownload download_params(const Job& job, const TorrentInput& input,
                                        const std::string& torrent, const std::string& magnet,
                                        const Download& dl) const;
    // Waits until the engine has every piece; an error ends the fetch (what
    // arrived is kept for resuming where it can be).
    Status wait_download(Job& job, Download& dl);
    // The swarm timeout's error, keeping what arrived when it can be resumed.
    Error stalled(Job& job, Download& dl);
    // The finished download into the store (trust checked before it is visible).
    Result<FetchOutcome> import_download(Job& job, Download& dl, const InfoHashes& hashes);
    Result<FetchOutcome> fetch_https(Job& job, const std::string& url);
    Result<FetchOutcome> import_file(Job& job, const std::string& path);
    // oci:DIR[:TAG] and docker://…: converted into staging, then imported
    // (agent/fetch/oci_fetch.hpp).
    Result<FetchOutcome> fetch_converted(Job& job);
    Result<std::string> get_small(const std::string& url, std::string_view what);
    void attach_signature(Job& job, FetchOutcome& out);
    // Gets the signature before an import and fills the request's verify hook.
    Status prepare_trust(Job& job, store::ImportRequest& req);
    // A stored image counts as a hit only if it was verified (when verifying).
    bool acceptable_hit(const store::ImageRecord& rec) const;
    // Marks a store hit used (gc's clock); a failure is logged, not fatal.
    void touch_logged(const store::ImageRecord& rec);
    void report(Job& job, const FetchProgress& p);

    store::Store& store_;
    EngineProvider engine_;
    FetchOptions options_;
    Logger& log_;
    const Clock& clock_;
};

}  // namespace aciswarm::agent::fetch
