// The transport seam of discovery: a PageFetcher GETs one URL. The walk
// (discover.hpp) only talks to this interface, so unit tests use an in-memory
// fake and the agent uses HttpPageFetcher (http_page_fetcher.hpp).
#pragma once

#include <string>
#include <string_view>

#include "common/result.hpp"
#include "http/client.hpp"

namespace aciswarm::discovery {

// The final URL after redirects, the HTTP status of the final response (any,
// including 4xx and 5xx), its body, Cache-Control and ETag ("" when absent).
using FetchResponse = http::Response;

// Errors are transport failures only (resolve, connect, TLS, timeout, too large,
// too many redirects, a refused scheme); an HTTP error status is a response.
// Error messages name the URL and the cause.
class PageFetcher {
  public:
    virtual ~PageFetcher() = default;
    virtual Result<FetchResponse> get(const std::string& url) = 0;
};

}  // namespace aciswarm::discovery
