// What the agent's web page and /metrics show about one node: plain values the
// daemon copies out of its seeder, backend and configuration when a request
// comes (agent/daemon/web_snapshot.*). The renderers (render.hpp) are pure
// functions of these structs. Nothing here survives a restart except what the
// daemon itself keeps (the store, seeding.json).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "web/prometheus.hpp"

namespace aciswarm::agent::web {

// One image in the store with its seeding state.
struct ImageRow {
    std::string id;       // full image ID (sha512-...)
    std::string display;  // the short form `aciswarm image list` prints
    std::string name;     // from the manifest; "" when unknown
    std::string version;  // labels; "" when absent
    std::string os;
    std::string arch;
    std::uint64_t size = 0;
    std::string verified_by;  // trusted key fingerprint; "" = not verified
    std::string state;        // engine state ("seeding"), or "stopped", "no-torrent", ...
    std::string policy;       // "idle=24h", "forever", ...
    bool seeding = false;
    std::uint64_t peers = 0;
    std::uint64_t download_rate = 0;  // bytes/s
    std::uint64_t upload_rate = 0;
    std::uint64_t uploaded = 0;  // since seeding started, across restarts
    double ratio = 0;            // uploaded / size
};

// A fetch in progress.
struct FetchRow {
    std::uint64_t id = 0;
    std::string source;  // what was asked for: name, URL, magnet, file
    std::uint64_t done_bytes = 0;
    std::uint64_t total_bytes = 0;  // 0 while unknown
    std::uint64_t download_rate = 0;
    std::uint64_t peers = 0;
    std::uint64_t from_peers = 0;
    std::uint64_t from_web_seeds = 0;
    double age_seconds = 0;
};

// Fetch-duration buckets, seconds.
std::vector<double> fetch_duration_buckets();

// Totals since the daemon started, of fetches that ended and of seeding.
struct TransferTotals {
    std::uint64_t fetches_done = 0;
    std::uint64_t fetches_failed = 0;
    // Payload bytes received by the fetches that ended, by source. from_agents
    // excludes the everseed (a peer at the web seed's address).
    std::uint64_t from_agents = 0;
    std::uint64_t from_everseed = 0;
    std::uint64_t from_web_seeds = 0;
    std::uint64_t from_https = 0;
    std::uint64_t hash_failures = 0;  // pieces that failed their check in those fetches
    std::uint64_t uploaded = 0;       // payload bytes sent to peers
    aciswarm::web::Histogram fetch_seconds{fetch_duration_buckets()};  // fetches that succeeded
};

// What the fetches the backend runs look like now.
struct FetchActivity {
    std::vector<FetchRow> running;
    TransferTotals totals;
};

struct NodeSummary {
    std::int64_t uptime_seconds = 0;
    int listen_port = 0;  // BitTorrent; 0 = not listening
    std::string default_policy;
    std::string store;
};

// The containerd registry mirror (--mirror, docs/oci.md), totals since the daemon started.
struct MirrorTotals {
    bool enabled = false;
    std::uint64_t requests = 0;
    std::uint64_t manifests_served = 0;
    std::uint64_t blobs_served = 0;
    std::uint64_t bytes_served = 0;   // manifest and blob bytes sent to containerd
    std::uint64_t not_found = 0;      // 404s: containerd went upstream
    std::uint64_t unavailable = 0;    // 503s: containerd went upstream
    std::uint64_t from_swarm = 0;     // blob bytes into the cache from peers
    std::uint64_t from_upstream = 0;  // blob bytes into the cache from the registry
};

struct NodeSnapshot {
    NodeSummary node;
    std::vector<ImageRow> images;
    FetchActivity fetches;
    MirrorTotals mirror = {};
};

// One point of the transfer chart (the daemon samples every 5 s; 720 = one hour).
struct RateSample {
    std::int64_t unix_time = 0;
    std::uint64_t download_rate = 0;  // bytes/s, over every torrent
    std::uint64_t upload_rate = 0;
    std::uint64_t peers = 0;
};

}  // namespace aciswarm::agent::web
