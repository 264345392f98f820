// HTTP/1.1 request heads and tracker query strings (BEP 3 announce, BEP 48
// scrape). Pure functions over bytes: no I/O, no allocation on success.
//
// Request head layout (RFC 9112), byte offsets relative to the buffer start:
//   0          request line  "GET SP target SP HTTP/1.x CRLF"
//   ...        header lines  "Name: value CRLF", any number
//   head_size-2 CRLF          end of head; a body is not accepted (GET only)
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "common/info_hash.hpp"
#include "common/result.hpp"
#include "tracker/core/types.hpp"

namespace aciswarm::tracker::http {

inline constexpr std::size_t kMaxRequestHead = 4096;  // request line + headers, bytes

struct RequestHead {
    std::string_view method;
    std::string_view path;      // "/announce"
    std::string_view query;     // after '?', still percent-encoded
    bool keep_alive = true;     // HTTP/1.1 default unless "Connection: close"
    std::size_t head_size = 0;  // bytes consumed, including the final CRLF CRLF
};

// Errors carry the HTTP status to answer with.
struct HeadError {
    int status = 400;         // 400, 405, 414/431 (too large), 505
    std::string_view reason;  // static text naming what failed
};

// complete: head parsed; incomplete: need more bytes; error: answer `error` and close.
struct HeadParse {
    enum class State { complete, incomplete, error } state = State::incomplete;
    RequestHead head;
    HeadError error;
};

// Parses the head at the start of `buffer` (pipelined requests may follow it).
HeadParse parse_request_head(std::string_view buffer, std::size_t max_head = kMaxRequestHead);

struct AnnounceParams {
    InfoHash info_hash;
    PeerId peer_id;
    std::uint16_t port = 0;
    std::uint64_t uploaded = 0;
    std::uint64_t downloaded = 0;
    std::uint64_t left = 1;  // absent: assume a leecher
    Event event = Event::none;
    std::int64_t numwant = -1;  // absent or negative: the tracker's default
    bool compact = true;        // BEP 23; compact=0 asks for the dictionary form
    bool no_peer_id = false;
    std::uint32_t key = 0;
    // zone=NAME, leader=candidate|none, up=, down= (docs/zones.md); aware when zone=
    // or leader= is given.
    ZoneAnnounce zone;
};

// Parses an announce query. Required: info_hash (20 bytes), peer_id (20 bytes), port.
// Unknown keys are ignored; numwant is clamped to [-1, 2^31). A bad zone= or leader=
// fails the announce (the agent is misconfigured, better said than ignored).
Result<AnnounceParams> parse_announce_query(std::string_view query);

// Parses a /zone query (docs/zones.md, "Learning the role"): the announce's keys,
// of which info_hash and port are required (the tracker keys a peer by its address
// and port; peer_id and the rest are accepted and ignored).
Result<AnnounceParams> parse_zone_query(std::string_view query);

// Parses a scrape query: every info_hash value into out; returns how many (0: none given).
// Fails on a bad info_hash or more than out.size() of them.
Result<std::size_t> parse_scrape_query(std::string_view query, std::span<InfoHash> out);

}  // namespace aciswarm::tracker::http
