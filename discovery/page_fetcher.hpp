// The transport seam of discovery: a PageFetcher GETs one URL. The walk
// (discover.hpp) only talks to this interface, so unit tests use an in-memory
// fake and the agent uses CurlFetcher (curl_fetcher.hpp).
#pragma once

#include <string>
#include <string_view>

#include "common/result.hpp"

namespace aciswarm::discovery {

struct FetchResponse {
    std::string url;  // the final URL, after redirects
    long status = 0;  // HTTP status of the final response (any, including 4xx and 5xx)
    std::string body;
    std::string cache_control;  // the Cache-Control header of the final response, or ""
    std::string etag;           // the ETag header of the final response, or ""
};

// Errors are transport failures only (resolve, connect, TLS, timeout, too large,
// too many redirects, a refused scheme); an HTTP error status is a response.
// Error messages name the URL and the cause.
class PageFetcher {
  public:
    virtual ~PageFetcher() = default;
    virtual Result<FetchResponse> get(const std::string& url) = 0;
};

}  // namespace aciswarm::discovery
