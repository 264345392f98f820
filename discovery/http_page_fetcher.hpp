// PageFetcher over the one HTTP client (http/client.hpp): its ClientOptions set
// the scheme policy, CA file, timeouts, the byte cap per page and redirects.
// Thread ownership: one thread at a time per HttpPageFetcher (its Client owns a
// curl easy handle, reused across pages for the connection cache).
#pragma once

#include <string>
#include <utility>

#include "discovery/page_fetcher.hpp"
#include "http/client.hpp"

namespace aciswarm::discovery {

class HttpPageFetcher final : public PageFetcher {
  public:
    explicit HttpPageFetcher(http::ClientOptions options) : client_(std::move(options)) {}

    Result<FetchResponse> get(const std::string& url) override { return client_.get(url); }

  private:
    http::Client client_;
};

}  // namespace aciswarm::discovery
