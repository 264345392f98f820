#include "tracker/frontend/udp/udp_packet.hpp"

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <limits>

namespace aciswarm::tracker::udp {
namespace {

std::uint64_t get64(const std::uint8_t* p) {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i)
        v = (v << 8) | p[i];
    return v;
}
std::uint32_t get32(const std::uint8_t* p) {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
           p[3];
}
void put32(std::uint8_t* p, std::uint32_t v) {
    p[0] = static_cast<std::uint8_t>(v >> 24);
    p[1] = static_cast<std::uint8_t>(v >> 16);
    p[2] = static_cast<std::uint8_t>(v >> 8);
    p[3] = static_cast<std::uint8_t>(v);
}
void put64(std::uint8_t* p, std::uint64_t v) {
    put32(p, static_cast<std::uint32_t>(v >> 32));
    put32(p + 4, static_cast<std::uint32_t>(v));
}

__attribute__((format(printf, 2, 3))) Parse error(const Request& r, const char* fmt, ...) {
    Parse p;
    p.state = Parse::State::error;
    p.request = r;
    va_list args;
    va_start(args, fmt);
    std::vsnprintf(p.message.data(), p.message.size(), fmt, args);
    va_end(args);
    return p;
}

}  // namespace

Parse parse_request(std::span<const std::uint8_t> packet) {
    Parse p;
    if (packet.size() < kConnectSize || packet.size() > kMaxPacket) return p;  // drop
    const std::uint8_t* b = packet.data();
    Request& r = p.request;
    r.connection_id = get64(b);
    const std::uint32_t action = get32(b + 8);
    r.transaction_id = get32(b + 12);
    switch (action) {
        case 0:
            r.action = Action::connect;
            if (r.connection_id != kProtocolId) {
                return error(r, "connect: protocol id 0x%llx, want 0x41727101980",
                             static_cast<unsigned long long>(r.connection_id));
            }
            break;
        case 1: {
            r.action = Action::announce;
            if (packet.size() < kAnnounceSize) {
                return error(r, "announce: %zu bytes, want at least %zu", packet.size(),
                             kAnnounceSize);
            }
            std::memcpy(r.info_hash.data(), b + 16, 20);
            std::memcpy(r.peer_id.data(), b + 36, 20);
            r.downloaded = get64(b + 56);
            r.left = get64(b + 64);
            r.uploaded = get64(b + 72);
            const std::uint32_t event = get32(b + 80);
            if (event > 3) return error(r, "announce: event %u is not 0..3", event);
            static constexpr Event events[] = {Event::none, Event::completed, Event::started,
                                               Event::stopped};
            r.event = events[event];
            r.key = get32(b + 88);
            r.numwant = static_cast<std::int32_t>(get32(b + 92));
            r.port = static_cast<std::uint16_t>((b[96] << 8) | b[97]);
            if (r.port == 0) return error(r, "announce: port 0");
            break;
        }
        case 2: {
            r.action = Action::scrape;
            const std::size_t body = packet.size() - kScrapeHeaderSize;
            if (body == 0 || body % InfoHash::size_bytes != 0) {
                return error(r, "scrape: %zu bytes of info hashes, want a multiple of 20", body);
            }
            if (body / InfoHash::size_bytes > kMaxScrapeHashes) {
                return error(r, "scrape: %zu info hashes, at most %zu", body / InfoHash::size_bytes,
                             kMaxScrapeHashes);
            }
            r.scrape_hashes = packet.subspan(kScrapeHeaderSize);
            break;
        }
        default:
            return error(r, "unknown action %u", action);
    }
    p.state = Parse::State::ok;
    return p;
}

std::size_t encode_connect(std::span<std::uint8_t> out, std::uint32_t transaction_id,
                           std::uint64_t connection_id) {
    if (out.size() < 16) return 0;
    put32(out.data(), 0);
    put32(out.data() + 4, transaction_id);
    put64(out.data() + 8, connection_id);
    return 16;
}

std::size_t encode_announce(std::span<std::uint8_t> out, std::uint32_t transaction_id,
                            const AnnounceReply& reply, const std::uint8_t* peers,
                            std::size_t peer_bytes) {
    if (out.size() < 20 + peer_bytes) return 0;
    put32(out.data(), 1);
    put32(out.data() + 4, transaction_id);
    put32(out.data() + 8, reply.interval);
    put32(out.data() + 12, reply.incomplete);
    put32(out.data() + 16, reply.complete);
    if (peer_bytes != 0) std::memcpy(out.data() + 20, peers, peer_bytes);
    return 20 + peer_bytes;
}

std::size_t encode_scrape(std::span<std::uint8_t> out, std::uint32_t transaction_id,
                          std::span<const ScrapeEntry> entries) {
    const std::size_t size = 8 + 12 * entries.size();
    if (out.size() < size) return 0;
    put32(out.data(), 2);
    put32(out.data() + 4, transaction_id);
    std::uint8_t* p = out.data() + 8;
    for (const ScrapeEntry& e : entries) {
        put32(p, e.complete);
        // BEP 15's "completed" is a u32: a 64-bit count beyond it is sent as 2^32-1.
        put32(p + 4, static_cast<std::uint32_t>(std::min<std::uint64_t>(
                         e.downloaded, std::numeric_limits<std::uint32_t>::max())));
        put32(p + 8, e.incomplete);
        p += 12;
    }
    return size;
}

std::size_t encode_error(std::span<std::uint8_t> out, std::uint32_t transaction_id,
                         std::string_view message) {
    if (out.size() < 8) return 0;
    const std::size_t n = std::min(message.size(), out.size() - 8);
    put32(out.data(), 3);
    put32(out.data() + 4, transaction_id);
    std::memcpy(out.data() + 8, message.data(), n);
    return 8 + n;
}

}  // namespace aciswarm::tracker::udp
