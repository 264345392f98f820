// The mirror's request handling (docs/oci.md, "The agent as a containerd
// registry mirror"): a request's route (route.hpp) → what to answer, through a
// MirrorSource seam that resolves manifests and delivers verified blobs (the
// upstream registry and the swarm; tests use an in-memory fake).
//
// Every answer a source cannot give quickly is a 404 (nothing known) or a 503
// (anything else: upstream down, swarm too slow, too many requests at once):
// containerd then asks the next host of hosts.toml, the upstream registry, at
// once, so a broken agent never blocks a pull. `max_in_flight` requests run at
// once; one more is a 503 without asking the source.
//
// Blobs are served only as files whose sha256 the source checked against the
// digest: never a byte of an unverified blob as if complete.
//
// Threads: handle() is called from the HTTP server's connection threads, any
// number at once; Mirror's own state is atomics. Nothing survives kill -9
// (the blob cache is the source's).
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "agent/mirror/route.hpp"
#include "common/log.hpp"
#include "common/result.hpp"

namespace aciswarm::agent::mirror {

// What containerd sent besides the route: the headers a source may need.
struct MirrorRequest {
    bool head = false;
    std::string path;               // percent-decoded, without the query
    std::optional<std::string> ns;  // the ns query parameter
    std::string accept;             // Accept: the manifest media types wanted
    std::string authorization;      // the pull's own credentials ("" = anonymous)
};

// A manifest or index as the registry named it.
struct ManifestBlob {
    std::string media_type;
    oci::Digest digest;  // sha256 of `bytes` (Docker-Content-Digest)
    std::string bytes;
};

// A verified blob on disk, read-only from here on.
struct BlobFile {
    std::filesystem::path path;
    std::uint64_t size = 0;
};

// Where manifests and blobs come from. Thread-safe: called from any number of
// connection threads at once. Errors: Errc::not_found for "no such thing"
// (404), anything else is a 503; both let containerd go upstream.
class MirrorSource {
  public:
    virtual ~MirrorSource() = default;
    // A manifest by tag (always asked upstream: tags move) or by digest.
    virtual Result<ManifestBlob> manifest(const MirrorRoute& route,
                                          const MirrorRequest& request) = 0;
    // A blob by digest, verified; the route's digest is set.
    virtual Result<BlobFile> blob(const MirrorRoute& route, const MirrorRequest& request) = 0;
    // Blob bytes received so far by where they came from ("swarm", "upstream").
    virtual std::map<std::string, std::uint64_t> bytes_by_source() const { return {}; }
};

struct MirrorResponse {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;  // Content-Type among them
    std::string body;                                          // served unless `file` is set
    std::optional<BlobFile> file;                              // a verified blob, served from disk
    std::uint64_t content_length() const { return file ? file->size : body.size(); }
};

// Totals since the daemon started, for /metrics and `aciswarm status`.
struct MirrorCounters {
    std::uint64_t requests = 0;
    std::uint64_t manifests_served = 0;
    std::uint64_t blobs_served = 0;
    std::uint64_t bytes_served = 0;  // manifest and blob bytes sent to containerd
    std::uint64_t not_found = 0;     // 404: containerd went upstream
    std::uint64_t unavailable = 0;   // 503: source failed or too busy; containerd went upstream
    std::uint64_t refused = 0;       // 400/405: a request outside the API
    std::map<std::string, std::uint64_t> blob_bytes_by_source;  // MirrorSource::bytes_by_source
};

class Mirror {
  public:
    // `source` null: no source yet, every manifest and blob is a 404. Each
    // answer is logged at debug level ("mirror: GET <path> ns=<reg>: 404 ...").
    Mirror(std::shared_ptr<MirrorSource> source, std::size_t max_in_flight, Logger& log);

    MirrorResponse handle(const MirrorRequest& request);
    // A method other than GET and HEAD.
    MirrorResponse method_not_allowed();
    MirrorCounters counters() const;

  private:
    MirrorResponse route_and_answer(const MirrorRequest& request);
    MirrorResponse answer(const MirrorRoute& route, const MirrorRequest& request);
    MirrorResponse failed(const MirrorRoute& route, const Error& error);

    std::shared_ptr<MirrorSource> source_;
    std::size_t max_in_flight_;
    Logger& log_;
    std::atomic<std::size_t> in_flight_{0};
    std::atomic<std::uint64_t> requests_{0}, manifests_{0}, blobs_{0}, bytes_{0}, not_found_{0},
        unavailable_{0}, refused_{0};
};

}  // namespace aciswarm::agent::mirror
