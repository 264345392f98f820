// The one progress type of a fetch: what the Fetcher reports while it runs,
// what the daemon's API sends as progress events (agent/daemon/protocol.hpp
// serialises it) and what the CLI's progress line draws. Plain data, header
// only (the protocol library uses it without the fetch library); any thread.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <utility>

namespace aciswarm::agent::fetch {

enum class FetchPhase { discovering, metadata, downloading, https, verifying, done };

inline constexpr std::array<std::pair<FetchPhase, std::string_view>, 6> fetch_phase_names{{
    {FetchPhase::discovering, "discovering"},
    {FetchPhase::metadata, "metadata"},
    {FetchPhase::downloading, "downloading"},
    {FetchPhase::https, "https"},
    {FetchPhase::verifying, "verifying"},
    {FetchPhase::done, "done"},
}};

constexpr std::string_view fetch_phase_name(FetchPhase phase) {
    for (const auto& [p, name] : fetch_phase_names) {
        if (p == phase) return name;
    }
    return "?";
}

// The phase a name from fetch_phase_name stands for; nullopt for any other text.
constexpr std::optional<FetchPhase> parse_fetch_phase(std::string_view name) {
    for (const auto& [p, n] : fetch_phase_names) {
        if (n == name) return p;
    }
    return std::nullopt;
}

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
