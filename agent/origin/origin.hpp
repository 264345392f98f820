// The origin (`aciswarm origin`, issue 20): turns registry blobs into
// torrents. GET /metainfo/sha256:<hex>?ns=<registry>&repo=<name> answers the
// blob's .torrent; the first request for a digest pulls the blob from that
// upstream registry once (concurrent requests for it wait for that one pull),
// verifies it against the digest, makes its deterministic torrent
// (torrent/blob_torrent.hpp: every origin gets the same info hash), writes it
// where the tracker's whitelist reads it, and starts seeding it.
//
// Cache layout (--cache=DIR):
//   DIR/blobs/<hex>             the verified blob (the torrent's content)
//   DIR/torrents/<hex>.torrent  its .torrent
// Crash safety (kill -9): a blob appears at its name only verified and
// fsynced (oci::download_blob_to_file); the .torrent is written (temp, fsync,
// rename) only after its blob, so a .torrent always has its blob. Leftover
// "*.partial.*" files are removed at start-up; seed_cached() re-seeds and
// re-whitelists what the cache holds.
//
// Answers: 200 application/x-bittorrent; 400 for a bad path or digest or no
// repo; 404 for a registry that is not configured (at once, nothing is
// asked upstream) and for a blob upstream does not have; 502 with a one-line
// reason when the upstream fails or sends bytes that do not hash to the
// digest; 503 when --max-pulls different digests are being pulled already;
// 504 when the pull takes longer than --pull-timeout (it goes on; a later
// request gets the result).
//
// Threads: handle() and metainfo() are called from the HTTP server's
// connection threads at once; one mutex guards the in-flight table; a pull
// runs on the thread of its first request. The seed callback is called from
// those threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/log.hpp"
#include "common/result.hpp"
#include "oci/digest.hpp"
#include "oci/registry.hpp"

namespace aciswarm::agent::origin {

struct OriginConfig {
    std::filesystem::path cache_dir;
    std::filesystem::path whitelist_dir;  // "" = none
    std::vector<std::string> trackers;    // announce-list of every torrent made
    std::chrono::milliseconds pull_timeout{std::chrono::minutes(5)};
    std::size_t max_pulls = 8;  // different digests pulled at once
};

// Starts seeding a torrent whose content is `blob_dir`/<name>. The command
// hands it to the engine; tests record the calls.
using SeedFn =
    std::function<Status(const std::string& torrent, const std::filesystem::path& blob_dir)>;

struct OriginResponse {
    int status = 200;
    std::string body;
    std::string content_type = "text/plain; charset=utf-8";
};

// The digest of a "/metainfo/sha256:<hex>" path; pure.
Result<oci::Digest> parse_metainfo_path(std::string_view path);

class Origin {
  public:
    // `upstreams` by registry name as ?ns= names it ("docker.io", "127.0.0.1:5000").
    Origin(OriginConfig config, std::map<std::string, std::shared_ptr<oci::Registry>> upstreams,
           SeedFn seed, Logger& log);

    // Creates the cache folders, removes partial files, and seeds (and
    // whitelists) every cached torrent. Returns how many.
    Result<std::size_t> start();

    // The .torrent of a blob: from the cache, or pulled once (see the header).
    Result<std::string> metainfo(std::string_view ns, std::string_view repository,
                                 const oci::Digest& digest);

    // One GET: path without query, and the ns and repo query values.
    OriginResponse handle(std::string_view path, std::string_view ns, std::string_view repository);

    // Blobs pulled from an upstream so far (for tests and logs).
    std::uint64_t pulls() const;

  private:
    using Flight = std::shared_future<Result<std::string>>;
    Result<std::string> pull(oci::Registry& registry, std::string_view repository,
                             const oci::Digest& digest);
    Result<std::string> cached(const oci::Digest& digest) const;
    Status publish(const std::string& torrent, const oci::Digest& digest);

    OriginConfig config_;
    std::map<std::string, std::shared_ptr<oci::Registry>> upstreams_;
    SeedFn seed_;
    Logger& log_;
    mutable std::mutex mutex_;
    std::map<oci::Digest, Flight> flights_;
    std::uint64_t pulls_ = 0;
};

}  // namespace aciswarm::agent::origin
