#include "tracker/frontend/http/http_reply.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <limits>

#include "common/peer_endpoint.hpp"

namespace aciswarm::tracker::http {

Writer& Writer::raw(std::string_view s) {
    return raw(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

Writer& Writer::raw(const std::uint8_t* p, std::size_t n) {
    if (!ok_ || out_.size() - pos_ < n) {
        ok_ = false;
        return *this;
    }
    if (n != 0) std::memcpy(out_.data() + pos_, p, n);
    pos_ += n;
    return *this;
}

Writer& Writer::number(std::uint64_t v) {
    char buf[24];
    const auto res = std::to_chars(buf, buf + sizeof(buf), v);
    return raw(std::string_view(buf, static_cast<std::size_t>(res.ptr - buf)));
}

Writer& Writer::bstring(std::string_view s) {
    return number(s.size()).raw(":").raw(s);
}

Writer& Writer::bstring(const std::uint8_t* p, std::size_t n) {
    return number(n).raw(":").raw(p, n);
}

Writer& Writer::bint(std::int64_t v) {
    char buf[24];
    const auto res = std::to_chars(buf, buf + sizeof(buf), v);
    return raw("i").raw(std::string_view(buf, static_cast<std::size_t>(res.ptr - buf))).raw("e");
}

namespace {
// Counts are 64-bit unsigned in the core; a bencoded integer has no bound, but the
// writer takes int64: clamp (2^63 completions are not reachable in practice).
std::int64_t bencode_count(std::uint64_t count) {
    return static_cast<std::int64_t>(
        std::min<std::uint64_t>(count, std::numeric_limits<std::int64_t>::max()));
}

// 4:zoned...e: the zone key of an announce reply and of GET /zone's reply (with the
// follower's members there).
void write_zone_key(Writer& w, const ZoneReply& z, const PeerListBuffer* members = nullptr) {
    w.raw("4:zoned7:leaders").bstring(z.leaders_v4, z.n4 * PeerEndpoint::compact_v4_size);
    w.raw("8:leaders6").bstring(z.leaders_v6, z.n6 * PeerEndpoint::compact_v6_size);
    if (members != nullptr && members->n4 + members->n6 != 0) {
        w.raw("7:members").bstring(members->v4, members->n4 * PeerEndpoint::compact_v4_size);
        w.raw("8:members6").bstring(members->v6, members->n6 * PeerEndpoint::compact_v6_size);
    }
    w.raw("4:name").bstring(z.zone.view());
    w.raw("4:role").bstring(zones::role_name(z.role)).raw("e");
}
}  // namespace

std::size_t encode_announce(std::span<char> out, const AnnounceReply& reply,
                            const PeerListBuffer& peers, bool compact) {
    Writer w(out);
    w.raw("d8:complete").bint(reply.complete);
    w.raw("10:downloaded").bint(bencode_count(reply.downloaded));
    w.raw("10:incomplete").bint(reply.incomplete);
    w.raw("8:interval").bint(reply.interval);
    w.raw("12:min interval").bint(reply.min_interval);
    if (compact) {
        w.raw("5:peers").bstring(peers.v4, peers.n4 * PeerEndpoint::compact_v4_size);
        w.raw("6:peers6").bstring(peers.v6, peers.n6 * PeerEndpoint::compact_v6_size);
    } else {
        w.raw("5:peersl");
        auto dict = [&](const std::uint8_t* rec, std::size_t size) {
            auto ep = PeerEndpoint::from_compact(std::span(rec, size));
            if (!ep) return;
            // Formatting an address here allocates, but only on the rarely used
            // non-compact path.
            w.raw("d2:ip").bstring(ep->address_string()).raw("4:port").bint(ep->port()).raw("e");
        };
        for (std::uint32_t i = 0; i < peers.n4; ++i) {
            dict(peers.v4 + i * PeerEndpoint::compact_v4_size, PeerEndpoint::compact_v4_size);
        }
        for (std::uint32_t i = 0; i < peers.n6; ++i) {
            dict(peers.v6 + i * PeerEndpoint::compact_v6_size, PeerEndpoint::compact_v6_size);
        }
        w.raw("e");
    }
    if (reply.zone.present) write_zone_key(w, reply.zone);
    w.raw("e");
    return w.size();
}

std::size_t encode_zone(std::span<char> out, const ZoneReply& zone, const PeerListBuffer& members) {
    Writer w(out);
    w.raw("d");
    write_zone_key(w, zone, &members);
    w.raw("e");
    return w.size();
}

std::size_t encode_failure(std::span<char> out, std::string_view reason) {
    Writer w(out);
    w.raw("d14:failure reason").bstring(reason).raw("e");
    return w.size();
}

std::size_t encode_scrape(std::span<char> out, std::span<const ScrapeEntry> entries) {
    Writer w(out);
    w.raw("d5:filesd");
    for (const ScrapeEntry& e : entries) {
        w.bstring(e.info_hash.data(), InfoHash::size_bytes);
        w.raw("d8:complete").bint(e.complete);
        w.raw("10:downloaded").bint(bencode_count(e.downloaded));
        w.raw("10:incomplete").bint(e.incomplete).raw("e");
    }
    w.raw("ee");
    return w.size();
}

std::size_t sort_unique(std::span<InfoHash> hashes) {
    std::sort(hashes.begin(), hashes.end());
    return static_cast<std::size_t>(std::unique(hashes.begin(), hashes.end()) - hashes.begin());
}

const char* status_text(int status) {
    switch (status) {
        case 200:
            return "OK";
        case 400:
            return "Bad Request";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 408:
            return "Request Timeout";
        case 414:
            return "URI Too Long";
        case 431:
            return "Request Header Fields Too Large";
        case 503:
            return "Service Unavailable";
        case 505:
            return "HTTP Version Not Supported";
        default:
            return "Error";
    }
}

std::size_t encode_response_head(std::span<char> out, int status, std::string_view content_type,
                                 std::size_t content_length, bool keep_alive,
                                 std::string_view extra_headers) {
    Writer w(out);
    w.raw("HTTP/1.1 ").number(static_cast<std::uint64_t>(status)).raw(" ").raw(status_text(status));
    w.raw("\r\nContent-Type: ").raw(content_type);
    w.raw("\r\nContent-Length: ").number(content_length);
    if (!extra_headers.empty())
        w.raw("\r\n").raw(extra_headers.substr(0, extra_headers.size() - 2));
    w.raw(keep_alive ? "\r\nConnection: keep-alive\r\n\r\n" : "\r\nConnection: close\r\n\r\n");
    return w.size();
}

}  // namespace aciswarm::tracker::http
