// BEP 15 (UDP tracker protocol) packets. Pure parse/encode over bytes.
// All integers are big-endian.
//
// connect request (16 bytes)          connect reply (16 bytes)
//   0  u64 protocol_id 0x41727101980    0  u32 action 0
//   8  u32 action 0                     4  u32 transaction_id
//  12  u32 transaction_id               8  u64 connection_id
//
// announce request (98 bytes, BEP 41 options may follow)
//   0  u64 connection_id   8 u32 action 1   12 u32 transaction_id
//  16  20 info_hash       36 20 peer_id
//  56  u64 downloaded     64 u64 left       72 u64 uploaded
//  80  u32 event (0 none, 1 completed, 2 started, 3 stopped)
//  84  u32 ip (ignored)   88 u32 key        92 i32 num_want (-1 default)
//  96  u16 port
// announce reply: 0 u32 action 1, 4 u32 transaction_id, 8 u32 interval,
//   12 u32 leechers, 16 u32 seeders, 20 peers (6 bytes each over IPv4, 18 over IPv6)
//
// scrape request: 0 u64 connection_id, 8 u32 action 2, 12 u32 transaction_id,
//   16 + 20*i info_hash (1..kMaxScrapeHashes)
// scrape reply: 0 u32 action 2, 4 u32 transaction_id, 8 + 12*i: u32 seeders,
//   u32 completed, u32 leechers
// error reply: 0 u32 action 3, 4 u32 transaction_id, 8 message (no terminator)
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "common/info_hash.hpp"
#include "tracker/core/types.hpp"

namespace aciswarm::tracker::udp {

inline constexpr std::uint64_t kProtocolId = 0x41727101980ULL;
inline constexpr std::size_t kConnectSize = 16;
inline constexpr std::size_t kAnnounceSize = 98;
inline constexpr std::size_t kScrapeHeaderSize = 16;
inline constexpr std::size_t kMaxPacket = 2048;  // larger datagrams are dropped
// announce reply: the peers start at offset 20, one compact entry each (6 or 18 bytes).
inline constexpr std::size_t kAnnounceReplyHeaderSize = 20;
inline constexpr std::size_t kCompactPeerV4 = PeerEndpoint::compact_v4_size;  // 6
inline constexpr std::size_t kCompactPeerV6 = PeerEndpoint::compact_v6_size;  // 18
// The largest reply: an IPv6 announce with kMaxPeersLimit peers.
inline constexpr std::size_t kMaxReply = kAnnounceReplyHeaderSize + kMaxPeersLimit * kCompactPeerV6;

enum class Action : std::uint32_t { connect = 0, announce = 1, scrape = 2, error = 3 };

struct Request {
    Action action = Action::connect;
    std::uint32_t transaction_id = 0;
    std::uint64_t connection_id = 0;
    // announce
    InfoHash info_hash;
    PeerId peer_id;
    std::uint64_t downloaded = 0;
    std::uint64_t left = 0;
    std::uint64_t uploaded = 0;
    Event event = Event::none;
    std::uint32_t key = 0;
    std::int32_t numwant = -1;
    std::uint16_t port = 0;
    // scrape: 20-byte hashes, pointing into the parsed packet
    std::span<const std::uint8_t> scrape_hashes;
    std::size_t scrape_count() const { return scrape_hashes.size() / InfoHash::size_bytes; }
};

struct Parse {
    // ok: request valid; drop: answer nothing (too short to carry a transaction id,
    // or too large); error: answer an error packet with `message`.
    enum class State { ok, drop, error } state = State::drop;
    Request request;
    std::array<char, 96> message{};  // NUL-terminated, names what failed
    std::string_view error_message() const { return message.data(); }
};

Parse parse_request(std::span<const std::uint8_t> packet);

// Encoders return bytes written (0 when `out` is too small).
std::size_t encode_connect(std::span<std::uint8_t> out, std::uint32_t transaction_id,
                           std::uint64_t connection_id);
// peers: the compact entries of the requester's family only.
std::size_t encode_announce(std::span<std::uint8_t> out, std::uint32_t transaction_id,
                            const AnnounceReply& reply, const std::uint8_t* peers,
                            std::size_t peer_bytes);
std::size_t encode_scrape(std::span<std::uint8_t> out, std::uint32_t transaction_id,
                          std::span<const ScrapeEntry> entries);
std::size_t encode_error(std::span<std::uint8_t> out, std::uint32_t transaction_id,
                         std::string_view message);

}  // namespace aciswarm::tracker::udp
