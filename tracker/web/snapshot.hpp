// What the tracker's web pages show: plain values copied out of the tracker,
// the whitelist and livesync by a WebSource (web_source.hpp) at request time.
// The renderers (render.hpp) are pure functions of these structs.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/info_hash.hpp"

namespace aciswarm::tracker::web {

// One torrent's swarm. name/os/arch/version come from the whitelist's .torrent
// (empty when the torrent is not in --dir).
struct SwarmRow {
    InfoHash info_hash;
    std::string name;
    std::string os;
    std::string arch;
    std::string version;
    std::uint64_t seeders = 0;
    std::uint64_t leechers = 0;
    std::uint64_t completed = 0;
    std::uint64_t peers_v4 = 0;
    std::uint64_t peers_v6 = 0;
};

struct Totals {
    std::uint64_t torrents = 0;
    std::uint64_t peers = 0;
    double announces_per_second = 0;
    double scrapes_per_second = 0;
    std::int64_t uptime_seconds = 0;
    std::string mode;  // small, large or surge
};

struct PeerRow {
    std::string address;  // without port; IPv6 without brackets
    std::uint16_t port = 0;
    bool seeder = false;
    std::uint32_t last_announce_age = 0;  // seconds
};

struct SwarmDetail {
    SwarmRow swarm;
    bool peers_shown = true;  // --web-show-peers: false leaves `peers` empty
    std::vector<PeerRow> peers;
};

using Counts = std::vector<std::pair<std::string, std::uint64_t>>;  // kind -> packets

struct ClusterInstance {
    std::string instance_id;
    std::string address;
    double last_packet_age = 0;  // seconds
    Counts accepted;             // by packet type
    Counts rejected;             // by reason (auth = bad or missing tag)
    std::uint64_t packets = 0;   // accepted, all types
    std::uint64_t peers_received = 0;
    std::uint64_t auth_failures = 0;
};

struct ClusterView {
    bool enabled = false;                                    // livesync configured
    std::vector<std::pair<std::string, std::string>> local;  // option -> value
    std::vector<ClusterInstance> instances;
};

// One point of the rates chart (see RateHistory).
struct RateSample {
    std::int64_t unix_time = 0;
    double announces_per_second = 0;
    double scrapes_per_second = 0;
    std::uint64_t peers = 0;
};

}  // namespace aciswarm::tracker::web
