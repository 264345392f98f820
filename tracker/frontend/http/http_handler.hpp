// The HTTP frontend's mapping onto the protocol-neutral core: a parsed request
// head and its source in, a response out. /announce and /scrape are the tracker
// protocol (parse_*_query -> Tracker -> encode_*); any other path goes to the
// routes the caller passes (the server's /stats and /metrics, and the place for
// non-tracker pages such as a web interface), then 404. No sockets: the server
// frames requests, calls handle_request() and writes the response.
//
// Thread-safety: a Context (its peer buffer and RNG) belongs to one worker
// thread; the Tracker may be shared; routes are called on worker threads.
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/log.hpp"
#include "common/peer_endpoint.hpp"
#include "tracker/core/tracker.hpp"
#include "tracker/frontend/http/http_request.hpp"

namespace aciswarm::tracker::http {

// What a request was, for the server's counters.
enum class RequestKind : std::uint8_t { announce, scrape, other };

struct Response {
    int status = 200;
    std::string_view content_type = "text/plain";
    RequestKind kind = RequestKind::other;
    bool failed = false;  // a failure reply or an HTTP error
    // Header lines ("Name: value\r\n" each) added to the response head; static
    // text (e.g. the web pages' Content-Security-Policy).
    std::string_view extra_headers;
    // The body: `area_size` bytes at the start of the caller's body area, or
    // `owned_body` when it may not fit there (full scrape, routes).
    bool in_area = false;
    std::size_t area_size = 0;
    std::string owned_body;

    std::string_view body(std::span<const char> area) const {
        return in_area ? std::string_view(area.data(), area_size) : std::string_view(owned_body);
    }
};

// A response with a body of its own (for routes).
Response text_response(int status, std::string_view content_type, std::string body);

// Serves a path outside the tracker protocol, or returns nullopt to pass it on.
using Route = std::function<std::optional<Response>(const RequestHead&, const PeerEndpoint&)>;

struct Context {
    Tracker& tracker;
    PeerListBuffer& peers;  // scratch for the selected peers
    FastRng& rng;
    std::span<const Route> routes;
    Logger* verbose_log = nullptr;  // one debug line per request when set
};

// `source` is the normalized remote address. Announce and scrape bodies go to
// `body_area` (encoders need at most the largest announce reply).
Response handle_request(const RequestHead& head, const PeerEndpoint& source,
                        std::span<char> body_area, Context& context);

}  // namespace aciswarm::tracker::http
