// Streams an HTTPS response body into a file in the store's staging area: the
// plain download rkt does, used when an image has no torrent or the swarm gives
// nothing within --swarm-timeout. The transfer is the one HTTP client's
// (http/client.hpp); this file adds what the store knows: the image size cap,
// the archive magic and the final sync.
// Thread ownership: a call runs entirely on the calling thread.
#pragma once

#include <cstdint>
#include <stop_token>
#include <string>

#include "agent/store/store.hpp"
#include "common/result.hpp"
#include "http/client.hpp"

namespace aciswarm::agent::fetch {

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

// GETs url into `file` (appending at its current offset, normally empty) and
// syncs it. Fails as http::Client::download does (the cap is limits.max_bytes,
// not options.max_body; the first bytes must be an image when
// limits.aci_magic). Errors name the URL. Returns the bytes written.
Result<std::uint64_t> https_download(const std::string& url, store::StagingFile& file,
                                     const http::ClientOptions& options,
                                     const http::ProgressFn& progress, std::stop_token stop,
                                     const DownloadLimits& limits = {});

}  // namespace aciswarm::agent::fetch
