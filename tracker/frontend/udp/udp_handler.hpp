// The BEP 15 frontend's mapping onto the protocol-neutral core: one datagram
// and its source in, the reply bytes out (or nothing). parse_request ->
// connection-id check -> Tracker::announce / scrape -> encode_*. No sockets:
// the server only receives, calls handle() and sends what it wrote.
//
// Thread-safety: a Context (its peer buffer and RNG) belongs to one worker
// thread; the Tracker and ConnectionIds it points to may be shared.
#pragma once

#include <cstdint>
#include <span>

#include "common/log.hpp"
#include "common/peer_endpoint.hpp"
#include "tracker/core/tracker.hpp"
#include "tracker/frontend/udp/connection_id.hpp"

namespace aciswarm::tracker::udp {

struct Context {
    Tracker& tracker;
    ConnectionIds& connection_ids;
    PeerListBuffer& peers;  // scratch for the selected peers
    FastRng& rng;
    Logger* verbose_log = nullptr;  // one debug line per request when set
};

// What a datagram was, for the server's counters.
enum class RequestKind : std::uint8_t { invalid, connect, announce, scrape };

struct Handled {
    RequestKind kind = RequestKind::invalid;
    bool failed = false;   // dropped, or answered with an error packet
    std::size_t size = 0;  // reply bytes written to `reply`; 0: send nothing
};

// `from` is the normalized source address; `v6` whether the socket is IPv6 (the
// reply carries peers of that family only). `reply` holds at least kMaxReply bytes.
Handled handle(std::span<const std::uint8_t> datagram, const PeerEndpoint& from, bool v6,
               std::span<std::uint8_t> reply, Context& context);

}  // namespace aciswarm::tracker::udp
