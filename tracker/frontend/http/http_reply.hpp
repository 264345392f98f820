// Bencoded tracker replies (BEP 3, 7, 23, 48) and the HTTP/1.1 response around
// them, written into a caller buffer. The reply shapes are fixed, so they are
// encoded by hand here (keys in sorted order, as bencode requires) instead of
// through libtorrent's entry tree: that keeps the announce hot path free of
// allocation. Pure functions; each returns the bytes written, or 0 when the
// buffer is too small.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "tracker/core/types.hpp"

namespace aciswarm::tracker::http {

// A bounded appender: writes stop (and ok() turns false) at the end of the buffer.
class Writer {
  public:
    explicit Writer(std::span<char> out) : out_(out) {}
    Writer& raw(std::string_view s);
    Writer& raw(const std::uint8_t* p, std::size_t n);
    Writer& number(std::uint64_t v);
    Writer& bstring(std::string_view s);  // "<len>:<bytes>"
    Writer& bstring(const std::uint8_t* p, std::size_t n);
    Writer& bint(std::int64_t v);  // "i<v>e"
    bool ok() const { return ok_; }
    std::size_t size() const { return ok_ ? pos_ : 0; }

  private:
    std::span<char> out_;
    std::size_t pos_ = 0;
    bool ok_ = true;
};

// d8:completei..e10:downloadedi..e10:incompletei..e8:intervali..e12:min intervali..e
//  5:peers<compact v4>6:peers6<compact v6>e ; with compact=false, "peers" is a list of
// {ip, port} dictionaries for both families (peer ids are not stored, so never sent).
// A zone-aware request (reply.zone.present) gets one more key, last in sorted order
// (docs/zones.md, "Reply"):
//   4:zoned7:leaders<compact v4>8:leaders6<compact v6>4:name<zone>4:role<role>e
// leaders: its zone's leaders, best first (BEP 23 compact form); name: the zone the
// tracker placed it in ("" : none); role: "leader", "follower" or "none".
std::size_t encode_announce(std::span<char> out, const AnnounceReply& reply,
                            const PeerListBuffer& peers, bool compact);

// GET /zone's reply: d4:zoned7:leaders..8:leaders6..4:name..4:role..ee, the announce
// reply's zone key alone (zone.present is ignored: always written). A follower's also
// has its zone's members, compact, after the leaders:
//   ..8:leaders6..7:members<compact v4>8:members6<compact v6>4:name..
std::size_t encode_zone(std::span<char> out, const ZoneReply& zone, const PeerListBuffer& members);

// d14:failure reason<len>:<reason>e
std::size_t encode_failure(std::span<char> out, std::string_view reason);

// d5:filesd20:<hash>d8:completei..e10:downloadedi..e10:incompletei..eee...ee
// Entries must be sorted by hash and distinct (see sort_unique_scrape).
std::size_t encode_scrape(std::span<char> out, std::span<const ScrapeEntry> entries);
std::size_t sort_unique(std::span<InfoHash> hashes);

// "HTTP/1.1 <status> <text>\r\nContent-Type: ..\r\nContent-Length: n\r\nConnection: ..\r\n\r\n"
std::size_t encode_response_head(std::span<char> out, int status, std::string_view content_type,
                                 std::size_t content_length, bool keep_alive,
                                 std::string_view extra_headers = {});
const char* status_text(int status);

}  // namespace aciswarm::tracker::http
