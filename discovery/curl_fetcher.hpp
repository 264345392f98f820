// PageFetcher over libcurl: HTTPS only unless insecure HTTP is allowed, optional
// CA file, connect and total timeouts, a byte cap per page, bounded redirects
// (never from HTTPS to HTTP unless insecure HTTP is allowed).
// Thread ownership: one thread at a time per CurlFetcher (it owns a curl easy handle).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "discovery/page_fetcher.hpp"

namespace aciswarm::discovery {

struct TransportOptions {
    bool allow_http = false;       // rkt's --insecure-options=http
    bool skip_tls_verify = false;  // rkt's --insecure-options=tls
    std::string ca_file;           // PEM bundle to trust instead of the system's; "" = system
    std::chrono::milliseconds connect_timeout{5000};
    std::chrono::milliseconds total_timeout{30000};
    std::size_t max_body = 1024 * 1024;  // bytes per page
    long max_redirects = 10;
    std::string user_agent = "aciswarm";
};

class CurlFetcher final : public PageFetcher {
  public:
    explicit CurlFetcher(TransportOptions options);
    ~CurlFetcher() override;
    CurlFetcher(const CurlFetcher&) = delete;
    CurlFetcher& operator=(const CurlFetcher&) = delete;

    Result<FetchResponse> get(const std::string& url) override;

  private:
    struct Handle;
    TransportOptions options_;
    std::unique_ptr<Handle> handle_;
};

}  // namespace aciswarm::discovery
