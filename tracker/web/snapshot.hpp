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

// One zone of a swarm (docs/zones.md): its members and its elected leaders, best
// first, as "address:port". `leaders` is empty when --web-show-peers is off (the
// count stays).
struct ZoneRow {
    std::string name;
    std::uint64_t members = 0;
    std::uint64_t leader_count = 0;
    std::vector<std::string> leaders;
};

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
    std::vector<ZoneRow> zones;  // by name; empty while no peer of the swarm has a zone
};

struct Totals {
    std::uint64_t torrents = 0;
    std::uint64_t peers = 0;
    double announces_per_second = 0;
    double scrapes_per_second = 0;
    std::int64_t uptime_seconds = 0;
    std::string mode;  // small, large or surge
    // Zones, as /stats "zones" counts them (docs/zones.md, "Observability").
    std::uint64_t zones = 0;    // (torrent, zone) pairs with members
    std::uint64_t leaders = 0;  // leaders elected over them
    std::uint64_t elections = 0;
    std::uint64_t zone_claims_ignored = 0;
};

struct PeerRow {
    std::string address;  // without port; IPv6 without brackets
    std::uint16_t port = 0;
    bool seeder = false;
    std::uint32_t last_announce_age = 0;  // seconds
    std::string zone;                     // "" when the peer has none
    std::string role = "none";            // leader, follower or none (zones::role_name)
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
