// Protocol-neutral announce and scrape values shared by the HTTP and UDP
// frontends, the core and the store. Plain data, no behaviour.
#pragma once

#include <cstdint>
#include <optional>

#include "common/info_hash.hpp"
#include "common/peer_endpoint.hpp"
#include "tracker/zones/swarm_zones.hpp"

namespace aciswarm::tracker {

enum class Mode : std::uint8_t { small, large, surge };
const char* mode_name(Mode mode);
std::optional<Mode> parse_mode(std::string_view text);

enum class Event : std::uint8_t { none, started, completed, stopped };

// The largest peer list the tracker ever returns (--maxpeers is capped by it).
inline constexpr std::uint32_t kMaxPeersLimit = 512;
// The most info hashes one scrape may name (BEP 15 fits about 74 in one datagram).
inline constexpr std::size_t kMaxScrapeHashes = 64;

// Which address families a requester can receive: HTTP gets both (peers +
// peers6); a UDP reply carries only the family of the socket it arrived on (BEP 15).
enum class Families : std::uint8_t { v4 = 1, v6 = 2, both = 3 };

// The zone keys of an announce (HTTP only; docs/zones.md): zone=NAME, leader=candidate,
// up=, down= (bytes/s). A request without zone= or leader= is zone-blind.
struct ZoneAnnounce {
    bool aware = false;
    zones::ZoneName claimed;  // zone=; the configured CIDRs may overrule it
    bool candidate = false;   // leader=candidate
    zones::Capacity capacity;
};

struct AnnounceRequest {
    InfoHash info_hash;
    PeerEndpoint peer;  // source address of the request (normalized) + announced port
    Event event = Event::none;
    std::uint64_t left = 1;     // bytes left; 0 means seeding
    std::int64_t numwant = -1;  // < 0: the default (--maxpeers)
    Families families = Families::both;
    ZoneAnnounce zone;
};

// Where the selected peers go: caller-owned buffers of kMaxPeersLimit entries each,
// reused across requests so the hot path does not allocate.
struct PeerListBuffer {
    std::uint8_t v4[kMaxPeersLimit * PeerEndpoint::compact_v4_size];
    std::uint8_t v6[kMaxPeersLimit * PeerEndpoint::compact_v6_size];
    std::uint32_t n4 = 0;
    std::uint32_t n6 = 0;
};

enum class AnnounceStatus : std::uint8_t {
    ok,
    not_tracked,    // --locked and the info hash is not in --dir
    torrent_limit,  // --max-torrents reached
    swarm_full,     // --max-peers-per-torrent reached
};
const char* announce_status_message(AnnounceStatus status);

// The requester's zone, role and its zone's leaders (best first), for a zone-aware
// request; the HTTP frontend sends it as the reply's "zone" key.
struct ZoneReply {
    bool present = false;  // the request was zone-aware
    zones::Role role = zones::Role::none;
    zones::ZoneName zone;
    std::uint8_t leaders_v4[zones::kMaxLeadersPerZone * PeerEndpoint::compact_v4_size];
    std::uint8_t leaders_v6[zones::kMaxLeadersPerZone * PeerEndpoint::compact_v6_size];
    std::uint32_t n4 = 0;
    std::uint32_t n6 = 0;
};

struct AnnounceReply {
    AnnounceStatus status = AnnounceStatus::ok;
    std::uint32_t interval = 0;
    std::uint32_t min_interval = 0;
    std::uint32_t complete = 0;    // seeders
    std::uint32_t incomplete = 0;  // leechers
    std::uint64_t downloaded = 0;  // completed events, once per peer (64-bit: see the frontends)
    ZoneReply zone;
};

struct ScrapeEntry {
    InfoHash info_hash;
    std::uint32_t complete = 0;
    std::uint64_t downloaded = 0;  // 64-bit; BEP 15's u32 field clamps it (udp_packet.cpp)
    std::uint32_t incomplete = 0;
};

// One accepted change of a local peer, for observers (livesync).
struct PeerChange {
    InfoHash info_hash;
    PeerEndpoint peer;
    bool seeding = false;
    bool completed_first_time = false;  // this announce counted the peer's completion
    bool stopped = false;               // the peer left (event=stopped)
    bool is_new_peer = false;           // the peer was not in the swarm before
    // The peer's zone as this instance placed it (docs/zones.md), for livesync. Not
    // placed: a zone-blind announce with no CIDR configured, or an old livesync record.
    bool zone_placed = false;
    zones::MemberInfo zone;
};

}  // namespace aciswarm::tracker
