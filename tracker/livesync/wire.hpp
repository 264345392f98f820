// Livesync wire format, version 1: peer sync and scrape sync between
// aciswarm-tracker instances over UDP (multicast or unicast). Pure functions
// over bytes: no I/O, no logging, no globals. All integers are big-endian.
//
// Header (32 bytes), every packet:
//   0x00  4  magic "ASLS" (0x41 0x53 0x4c 0x53)
//   0x04  1  version = 1
//   0x05  1  packet type: 1 PEER4, 2 PEER6, 3 BEACON, 4 INQUIRE, 5 TELL,
//                         6 PEER4Z, 7 PEER6Z
//   0x06  1  header flags: 0x01 = a 16-byte tag follows the body; other bits 0
//   0x07  1  reserved, 0
//   0x08  8  sender instance id (64 bits from getrandom at start-up)
//   0x10  8  sender sequence number: 1 for the first packet, +1 per packet
//   0x18  8  sender wall-clock time, milliseconds since the Unix epoch
//   0x20  ..  body, by packet type (offsets below are from each record's start):
//
//   PEER4, records of 28 bytes (at least one):
//     0x00 20 info hash   0x14 4 IPv4 address   0x18 2 port
//     0x1a  1 peer flags: SEEDING 0x80, COMPLETE 0x40, STOPPED 0x20, other bits 0
//     0x1b  1 reserved, 0
//   PEER6, records of 40 bytes (at least one):
//     0x00 20 info hash   0x14 16 IPv6 address  0x24 2 port
//     0x26  1 peer flags (as PEER4)              0x27 1 reserved, 0
//   BEACON, exactly 8 bytes:  0x00 8 number of torrents the sender serves
//   INQUIRE, exactly 8 bytes: 0x00 8 instance id of the tracker asked to tell
//   TELL, records of 32 bytes (at least one):
//     0x00 20 info hash   0x14 4 base offset (minutes since last announce)
//     0x18  8 downloaded count
//   PEER4Z, records of 80 bytes (at least one): a PEER4 record whose peer the sender
//   placed in a zone (docs/zones.md), so that every instance elects the same leaders:
//     0x00 20 info hash   0x14 4 IPv4 address   0x18 2 port   0x1a 1 peer flags
//     0x1b  1 zone flags: AWARE 0x80 (announced zone keys), CANDIDATE 0x40; other bits 0
//     0x1c  8 upload capacity, bytes/s          0x24 8 download capacity, bytes/s
//     0x2c  1 zone name length, 0..32 (0: placed in no zone)
//     0x2d 32 zone name ([A-Za-z0-9._-]), zero bytes after its length
//     0x4d  3 reserved, 0
//   PEER6Z, records of 92 bytes (at least one): as PEER4Z with the PEER6 address part:
//     0x00 20 info hash   0x14 16 IPv6 address  0x24 2 port   0x26 1 peer flags
//     0x27  1 zone flags  0x28  8 upload        0x30 8 download
//     0x38  1 zone name length                  0x39 32 zone name   0x59 3 reserved, 0
//   PEER4Z/PEER6Z are sent only for zone-placed peers, so a cluster without zones sends
//   exactly the packets of instances that predate them; every instance reads PEER4/6.
//
// Tag (when header flag 0x01): the last 16 bytes of the datagram,
//   HMAC-SHA256(key, header || body) truncated to its first 16 bytes.
//
// A datagram never exceeds the configured maximum (default 1400 bytes, the
// tag included); records never straddle datagrams. docs/livesync.md compares
// this with opentracker's ot_livesync.c.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <variant>
#include <vector>

#include "common/info_hash.hpp"
#include "common/peer_endpoint.hpp"
#include "common/result.hpp"
#include "tracker/zones/swarm_zones.hpp"

namespace aciswarm::livesync {

inline constexpr std::array<std::uint8_t, 4> magic = {0x41, 0x53, 0x4c, 0x53};  // "ASLS"
inline constexpr std::uint8_t wire_version = 1;
inline constexpr std::size_t header_size = 32;
inline constexpr std::size_t tag_size = 16;
inline constexpr std::size_t peer4_record_size = 28;
inline constexpr std::size_t peer6_record_size = 40;
inline constexpr std::size_t tell_record_size = 32;
inline constexpr std::size_t peer4z_record_size = 80;
inline constexpr std::size_t peer6z_record_size = 92;
inline constexpr std::size_t beacon_body_size = 8;
inline constexpr std::size_t inquire_body_size = 8;
inline constexpr std::uint8_t header_flag_tagged = 0x01;
inline constexpr std::size_t default_max_datagram = 1400;
// The smallest maximum that still fits one record of every type plus a tag.
inline constexpr std::size_t min_max_datagram = header_size + peer6z_record_size + tag_size;
inline constexpr std::size_t max_max_datagram = 65507;  // largest IPv4 UDP payload

enum class PacketType : std::uint8_t {
    peer4 = 1,
    peer6 = 2,
    beacon = 3,
    inquire = 4,
    tell = 5,
    peer4z = 6,
    peer6z = 7,
};
std::string_view packet_type_name(PacketType type);

namespace peer_flags {
inline constexpr std::uint8_t seeding = 0x80;
inline constexpr std::uint8_t complete = 0x40;
inline constexpr std::uint8_t stopped = 0x20;
inline constexpr std::uint8_t known = seeding | complete | stopped;
}  // namespace peer_flags

namespace zone_flags {
inline constexpr std::uint8_t aware = 0x80;
inline constexpr std::uint8_t candidate = 0x40;
inline constexpr std::uint8_t known = aware | candidate;
}  // namespace zone_flags

using InstanceId = std::uint64_t;

struct Header {
    PacketType type = PacketType::peer4;
    bool tagged = false;
    InstanceId instance = 0;
    std::uint64_t sequence = 0;
    std::uint64_t timestamp_ms = 0;  // sender's wall clock, ms since the epoch

    friend bool operator==(const Header&, const Header&) = default;
};

// One peer change. The peer's family decides PEER4 or PEER6, a zone PEER4Z or PEER6Z.
struct PeerRecord {
    InfoHash info_hash;
    PeerEndpoint peer;
    std::uint8_t flags = 0;
    std::optional<tracker::zones::MemberInfo> zone;  // the sender placed the peer

    bool seeding() const { return (flags & peer_flags::seeding) != 0; }
    bool complete() const { return (flags & peer_flags::complete) != 0; }
    bool stopped() const { return (flags & peer_flags::stopped) != 0; }
    friend bool operator==(const PeerRecord&, const PeerRecord&) = default;
};

struct TellRecord {
    InfoHash info_hash;
    std::uint32_t base_offset_minutes = 0;
    std::uint64_t downloaded = 0;
    friend bool operator==(const TellRecord&, const TellRecord&) = default;
};

struct Beacon {
    std::uint64_t torrent_count = 0;
    friend bool operator==(const Beacon&, const Beacon&) = default;
};
struct Inquire {
    InstanceId target = 0;
    friend bool operator==(const Inquire&, const Inquire&) = default;
};

using Body = std::variant<std::vector<PeerRecord>, Beacon, Inquire, std::vector<TellRecord>>;

struct Packet {
    Header header;
    Body body;
    // Bytes covered by the tag (header + body); the tag follows when header.tagged.
    std::size_t signed_size = 0;
    std::array<std::uint8_t, tag_size> tag{};
};

// Parses one datagram. Rejects: shorter than a header, longer than max_datagram,
// bad magic/version/type, non-zero reserved bits, a body that is not a whole
// number of records (or empty), unknown peer flags. The tag is returned, not
// checked (see auth.hpp). Error messages name the offending field.
Result<Packet> parse_packet(std::span<const std::uint8_t> datagram,
                            std::size_t max_datagram = max_max_datagram);

// Builds one datagram of a single type, record by record, never exceeding
// max_datagram (tag included). Thread: one owner.
class PacketBuilder {
  public:
    PacketBuilder(PacketType type, std::size_t max_datagram, bool tagged);

    PacketType type() const { return type_; }
    std::size_t record_count() const { return records_; }
    bool empty() const { return records_ == 0; }
    std::size_t size() const { return buffer_.size(); }
    // Whether one more record of this type would still fit.
    bool has_room() const;

    // Append a record; false (and nothing written) when it would not fit or
    // does not belong in this packet type (an IPv6 peer in a PEER4 packet).
    bool add_peer(const PeerRecord& record);
    bool add_tell(const TellRecord& record);
    // Single-record bodies; false if the packet already has a body.
    bool set_beacon(const Beacon& beacon);
    bool set_inquire(const Inquire& inquire);

    // Writes the header in front of the body and returns the bytes that
    // the tag must cover; the caller appends the tag when tagged.
    std::vector<std::uint8_t> finish(InstanceId instance, std::uint64_t sequence,
                                     std::uint64_t timestamp_ms) &&;

  private:
    std::size_t record_size() const;

    PacketType type_;
    std::size_t max_datagram_;
    bool tagged_;
    std::size_t records_ = 0;
    std::vector<std::uint8_t> buffer_;  // header placeholder + body
};

PacketType peer_packet_type(const PeerEndpoint& peer);
PacketType peer_packet_type(const PeerRecord& record);
bool is_peer_packet(PacketType type);

}  // namespace aciswarm::livesync
