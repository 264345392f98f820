// The one progress type of a fetch: what the Fetcher reports while it runs,
// what the daemon's API sends as progress events (agent/daemon/protocol.hpp
// serialises it) and what the CLI's progress line draws. Plain data; any
// thread.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

namespace aciswarm::agent::fetch {

enum class FetchPhase { discovering, metadata, downloading, https, verifying, done };
std::string_view fetch_phase_name(FetchPhase phase);
// The phase a name from fetch_phase_name stands for; nullopt for any other text.
std::optional<FetchPhase> parse_fetch_phase(std::string_view name);

struct FetchProgress {
    FetchPhase phase = FetchPhase::discovering;
    std::int64_t done = 0;    // verified bytes (torrent) or received bytes (HTTPS)
    std::int64_t total = -1;  // -1 while unknown
    std::int64_t rate = 0;    // bytes/s
    int peers = 0;
    int web_seeds = 0;
    std::int64_t from_peers = 0;      // payload bytes received from BitTorrent peers
    std::int64_t from_everseed = 0;   // ... of which from the registry's everseed
    std::int64_t from_web_seeds = 0;  // ... from BEP 19 web seeds
    int hash_failures = 0;
    bool operator==(const FetchProgress&) const = default;
};
using ProgressFn = std::function<void(const FetchProgress&)>;

}  // namespace aciswarm::agent::fetch
