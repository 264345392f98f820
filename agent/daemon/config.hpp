// The daemon's configuration: /etc/aciswarm/agent.json, every key also a flag
// of `aciswarm daemon` with the same name (flags win over the file).
//
//   {"store": "/var/lib/aciswarm", "seed-policy": "idle=24h", "listen": "0.0.0.0:6881"}
//
// Sizes and rates take units (4M = 4 MiB, bytes/s for rates), durations too
// (30s, 5m): common/units.hpp.
//
// Unknown keys are errors naming the key; values of the wrong type or out of
// range are errors naming the key and the value. Pure: parsing takes the text.
#pragma once

#include <chrono>
#include <cstdint>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "agent/daemon/policy.hpp"
#include "agent/engine/engine.hpp"
#include "agent/engine/engine_options.hpp"
#include "agent/store/store.hpp"
#include "common/options.hpp"
#include "common/result.hpp"

namespace aciswarm::agent {

inline constexpr std::string_view default_config_path = "/etc/aciswarm/agent.json";
inline constexpr std::string_view default_socket_path = "/run/aciswarm/agent.sock";

struct DaemonConfig {
    std::string store = "/var/lib/aciswarm";        // the image store (state)
    std::string cache_dir = "/var/cache/aciswarm";  // unused (deprecated key, still accepted)
    // The largest image its store accepts, as stored and uncompressed; fetches
    // refuse a torrent declaring more at once (`aciswarm fetch --max-image-size`).
    std::uint64_t max_image_size = agent::store::default_max_image_size;
    std::string socket = std::string(default_socket_path);
    // Group allowed to use the API besides the daemon's own user and root; "" = owner only.
    std::string socket_group = "aciswarm";
    SeedPolicy seed_policy = SeedPolicy::idle(std::chrono::hours(24));  // default per image
    int listen_port = 6881;                                             // BitTorrent; 0 = any
    std::string listen_address = "0.0.0.0";
    // The engine options the daemon takes (rates, max-connections, exempt-local-peers,
    // lsd, dht: agent/engine/engine_options.hpp). Its listen interfaces and resume
    // settings are not read: the backend sets them from the fields here.
    engine::EngineConfig engine;
    std::chrono::milliseconds resume_interval = std::chrono::minutes(5);
    std::chrono::milliseconds tick = std::chrono::seconds(1);  // policy checks and progress events
    std::size_t max_request_bytes = 64 * 1024;                 // one API request line
    std::size_t max_clients = 128;  // API connections at once; more get an error and are closed
    // Replies queued for one API client that does not read them; past it the client is dropped.
    std::size_t max_client_output_bytes = 4 * 1024 * 1024;
    // SIGTERM: how long fetch workers get to stop before the daemon exits without them.
    std::chrono::milliseconds shutdown_timeout = std::chrono::seconds(10);
    // PEM CAs to trust instead of the system's, for discovery, HTTPS and web seeds.
    std::string ca_file;
    bool verbose = false;
    // Trusted signing keys (trust/): "" = /etc/aciswarm/trustedkeys over
    // /usr/lib/aciswarm/trustedkeys.
    std::string trust_dir;
    // Registry credentials (rkt's auth.d files, http/auth.hpp): "" =
    // /etc/aciswarm/auth.d over /usr/lib/aciswarm/auth.d. Re-read on SIGHUP.
    std::string auth_dir;
    bool insecure_image = false;  // --insecure-options=image: fetch unsigned images
    // --web: the read-only page and /metrics (agent/daemon/web_server.hpp) on this
    // "ADDR:PORT"; "" = off (the default). A bare port binds the loopback address.
    std::string web;
    // --mirror: the containerd registry mirror (agent/mirror, docs/oci.md) on this
    // "ADDR:PORT"; "" = off (the default). A bare port binds the loopback address.
    std::string mirror;
    // Upstream registries the mirror asks over plain HTTP (as hosts.toml's
    // server = "http://..."); every other one over HTTPS with ca_file.
    std::set<std::string> mirror_http_registries;
    // A blob of which no byte arrived for this is a 503 (containerd goes upstream).
    std::chrono::milliseconds mirror_blob_wait = std::chrono::seconds(10);
    // The origin's base URL ("" = none: blobs from upstream only) and how long
    // a swarm download may stall (no byte) before the mirror goes upstream for the blob.
    std::string mirror_origin;
    std::chrono::milliseconds mirror_swarm_timeout = std::chrono::seconds(60);

    friend bool operator==(const DaemonConfig&, const DaemonConfig&) = default;
};

// One option: its name (a JSON key and a --flag), help, and how it sets the config.
struct ConfigOption {
    std::string_view name;
    std::string_view metavar;
    std::string_view help;
    bool is_flag;  // boolean
    // Sets the config from the value; null for an engine option (below).
    Status (*set)(DaemonConfig& config, std::string_view value);
    // A former spelling kept for old config files and units; not listed in
    // --help (docs/conventions.md names its replacement).
    bool deprecated = false;
    // An option of the shared engine table: it sets `DaemonConfig::engine`.
    const engine::EngineOption* engine = nullptr;
};

std::span<const ConfigOption> config_options();

// Option specs for OptionParser, one per config option (plus --config).
std::vector<OptionSpec> config_option_specs();

// Applies a JSON document over `config`. `source` names the file in errors.
Status apply_config_json(DaemonConfig& config, std::string_view json_text, std::string_view source);

// Applies the options given on the command line over `config`.
Status apply_config_flags(DaemonConfig& config, const ParsedOptions& options);

}  // namespace aciswarm::agent
