// Streams an HTTPS response body into a file in the store's staging area
// (libcurl): the plain download rkt does, used when an image has no torrent or
// the swarm gives nothing within --swarm-timeout.
// Thread ownership: a call runs entirely on the calling thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <stop_token>
#include <string>

#include "agent/store/store.hpp"
#include "common/result.hpp"

namespace aciswarm::agent::fetch {

struct HttpsOptions {
    bool allow_http = false;       // --insecure-options=http
    bool skip_tls_verify = false;  // --insecure-options=tls
    std::string ca_file;           // PEM bundle to trust instead of the system's
    std::chrono::milliseconds connect_timeout{10000};
    // Abort when fewer than 1 byte/s arrive for this long.
    std::chrono::milliseconds stall_timeout{60000};
    long max_redirects = 10;
    std::string user_agent = "aciswarm";
};

// What one download may be: a server that streams for ever or sends a page
// instead of an image is cut off at the first byte over max_bytes, or after
// the first bytes when they are not an image archive.
struct DownloadLimits {
    std::uint64_t max_bytes = 0;  // 0: unlimited
    // Why max_bytes, for the error: "the maximum image size, --max-image-size".
    std::string max_reason;
    // The first bytes must be gzip, bzip2, xz, zstd or tar (appc::check_aci_magic).
    bool aci_magic = false;
};

// done, total (-1 when unknown), bytes/s over the download so far.
using HttpsProgressFn =
    std::function<void(std::int64_t done, std::int64_t total, std::int64_t rate)>;

// GETs url into `file` (appending at its current offset, normally empty).
// Fails on a non-2xx status, transport errors, a refused scheme (http:// without
// allow_http, or a redirect from https to http), or stop requested
// (Errc::cancelled), a body over limits.max_bytes (also refused from its
// Content-Length before any byte is written: Errc::too_large), first bytes
// that are not an image (limits.aci_magic). Errors name the URL. Returns the
// bytes written.
Result<std::uint64_t> https_download(const std::string& url, store::StagingFile& file,
                                     const HttpsOptions& options, const HttpsProgressFn& progress,
                                     std::stop_token stop, const DownloadLimits& limits = {});

}  // namespace aciswarm::agent::fetch
