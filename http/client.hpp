// The one libcurl client: page GETs (discovery pages, keys, .torrent and .asc
// files) and streamed downloads (an image over HTTPS when the swarm cannot
// serve it). Policy lives in ClientOptions: HTTPS only unless plain HTTP is
// allowed (redirects included: never from HTTPS to HTTP unless allowed), an
// optional CA file, connect / total / stall timeouts, a body cap, bounded
// redirects. It knows nothing of the store: a download writes through a sink
// and checks its first bytes through a callback.
// Thread ownership: one thread at a time per Client (it owns a curl easy
// handle); a download runs entirely on the calling thread. Nothing survives
// kill -9 here: the sink owns whatever was written.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "http/auth.hpp"

namespace aciswarm::http {

struct ClientOptions {
    bool allow_http = false;       // --insecure-options=http (rkt's)
    bool skip_tls_verify = false;  // --insecure-options=tls
    std::string ca_file;           // PEM bundle to trust instead of the system's; "" = system
    std::chrono::milliseconds connect_timeout{5000};
    std::chrono::milliseconds total_timeout{0};  // whole transfer; 0 = none
    // Abort when fewer than 1 byte/s arrive for this long (whole seconds, at
    // least 1); 0 = no stall limit.
    std::chrono::milliseconds stall_timeout{0};
    std::uint64_t max_body = 0;  // bytes per response body; 0 = unlimited
    long max_redirects = 10;
    std::string user_agent = "aciswarm";
    // Per-host credentials (auth.d, http/auth.hpp). configure_request
    // (client.cpp) is the one place that applies them: to the request URL's
    // host only, never after a redirect to another host (libcurl's
    // CURLOPT_UNRESTRICTED_AUTH stays off).
    Credentials credentials;
};

// Defaults for a page GET: small and quick (5 s to connect, 30 s in all, 1 MiB).
ClientOptions page_options();
// `base`'s scheme, TLS, identity, credentials and connect settings with a page GET's limits:
// what a download configuration uses for its discovery pages and metadata.
ClientOptions page_options(const ClientOptions& base);
// Defaults for an image download: slow links are fine while bytes flow
// (10 s to connect, no total limit, a 60 s stall limit, no size cap).
ClientOptions download_options();

// One response header; the name in lowercase, the value trimmed.
struct Header {
    std::string name;
    std::string value;
};

// A page GET's answer; any HTTP status, including 4xx and 5xx, is a response.
struct Response {
    std::string url;  // the final URL, after redirects
    long status = 0;  // HTTP status of the final response
    std::string body;
    std::string cache_control;  // the Cache-Control header of the final response, or ""
    std::string etag;           // the ETag header of the final response, or ""
    // Every header of the final response, in order (at most max_response_headers).
    std::vector<Header> headers;
    // The first header named `lowercase_name`, or "".
    std::string_view header(std::string_view lowercase_name) const;
};

inline constexpr std::size_t max_response_headers = 200;

// What one request sends beyond ClientOptions (send() and download()).
struct Request {
    enum class Method { get, head, post };
    Method method = Method::get;
    // "Name: value" lines added to the request (Accept, ...). A line holding
    // CR or LF is refused before anything is sent.
    std::vector<std::string> headers;
    // POST only: sent as application/x-www-form-urlencoded.
    std::string form_body;
    // Sent instead of the configured credentials for the URL's host (a bearer
    // token from a registry's token service), under the same rule: to the
    // request URL's host only, never after a redirect to another host.
    const HostCredentials* credentials = nullptr;
    // A 401 is a response (with its WWW-Authenticate header) instead of an
    // error, for the registry token flow.
    bool unauthorized_is_response = false;
};

// done, total (-1 when unknown), bytes/s over the download so far.
using ProgressFn = std::function<void(std::int64_t done, std::int64_t total, std::int64_t rate)>;
// Receives the body of a 2xx response in order; an error aborts the download.
using SinkFn = std::function<Status(std::string_view bytes)>;

// What one download must look like beyond ClientOptions.
struct DownloadCheck {
    // Why options.max_body, for the error: "the maximum image size, --max-image-size".
    std::string max_body_reason;
    // Called once with the first head_bytes bytes (fewer when the body is
    // shorter); an error refuses the download. Bytes reach the sink as they
    // arrive, so a refused download may have written up to head_bytes.
    std::size_t head_bytes = 0;
    std::function<Status(std::span<const std::uint8_t> head)> check_head;
};

class Client {
  public:
    explicit Client(ClientOptions options);
    ~Client();
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    const ClientOptions& options() const { return options_; }

    // Errors are transport failures (resolve, connect, TLS, timeout, too
    // large, too many redirects, a refused scheme), each naming the URL and the
    // cause, and HTTP 401 (Errc::permission: the host, and that no or wrong
    // credentials are configured for it); any other HTTP status is a response.
    Result<Response> get(const std::string& url);
    // get() with a method, headers and credentials of its own (Request). A HEAD
    // answers an empty body and the headers.
    Result<Response> send(const std::string& url, const Request& request);

    // GETs url into sink. Fails on a non-2xx status (Errc::not_found for 404,
    // Errc::permission for 401, as get() says it),
    // transport errors, a refused scheme (http:// without allow_http, or a
    // redirect from https to http), stop requested (Errc::cancelled), a body
    // over options.max_body (also refused from its Content-Length before any
    // byte is written: Errc::too_large), first bytes check.check_head refuses.
    // Errors name the URL. Returns the bytes written. `request` adds headers
    // and credentials; its method and unauthorized_is_response are not used.
    Result<std::uint64_t> download(const std::string& url, const SinkFn& sink,
                                   const ProgressFn& progress, std::stop_token stop,
                                   const DownloadCheck& check = {}, const Request& request = {});

  private:
    struct Handle;
    ClientOptions options_;
    std::unique_ptr<Handle> handle_;
};

}  // namespace aciswarm::http
