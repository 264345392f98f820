// BlobFetcher: a blob into the cache once, however many pulls ask for it at
// once (single flight per digest), from the first BlobSource that has it, and
// an answer within a bound: a caller waits as long as the node's blob
// downloads keep receiving bytes, but once none arrived for `wait` it gets
// Errc::timeout (the mirror's 503, so containerd goes upstream at once) while
// the download goes on and fills the cache for the next pull. So N nodes
// starting together wait for a swarm that moves (a cold start), and a stuck
// one never blocks a pull. Progress is counted over all downloads, not per
// blob: BitTorrent's choking rotates peers every 15 s, so one blob of several
// may receive nothing for a while although the swarm is busy delivering the
// others (seen in bench/oci at N = 8 with 10 s per blob: four nodes went
// upstream); a blob that really stalls fails its source (the swarm's own
// stall bound) and the next source, upstream, takes over.
//
// Threads: get() from any number of threads; each download runs on its own
// thread, which ~BlobFetcher asks to stop and joins. What survives kill -9 is
// BlobCache's contract (whole verified blobs only).
#pragma once

#include <chrono>
#include <cstdint>
#include <future>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "agent/blobs/blob_cache.hpp"
#include "agent/blobs/blob_source.hpp"
#include "common/log.hpp"

namespace aciswarm::agent::blobs {

class BlobFetcher {
  public:
    BlobFetcher(BlobCache cache, std::vector<std::shared_ptr<BlobSource>> sources, Logger& log);
    ~BlobFetcher();
    BlobFetcher(const BlobFetcher&) = delete;
    BlobFetcher& operator=(const BlobFetcher&) = delete;

    // The verified blob from the cache, fetched first when absent.
    // Errc::timeout once no download received a byte for `wait`; a source's error
    // when every source failed.
    Result<CachedBlob> get(const BlobKey& key, std::chrono::milliseconds wait);
    // Bytes each source delivered into the cache, by BlobSource::name().
    std::map<std::string, std::uint64_t> bytes_by_source() const;

  private:
    std::shared_future<Status> start(const BlobKey& key);
    Status run_sources(const BlobKey& key, std::stop_token stop, BlobProgress& progress);

    BlobCache cache_;
    std::vector<std::shared_ptr<BlobSource>> sources_;
    Logger& log_;
    mutable std::mutex mutex_;
    std::map<oci::Digest, std::shared_future<Status>> in_flight_;
    BlobProgress progress_{0};  // bytes every download received so far
    std::map<std::string, std::uint64_t> bytes_by_source_;
    struct Worker {
        std::shared_future<Status> done;
        std::jthread thread;
    };
    std::list<Worker> workers_;
};

}  // namespace aciswarm::agent::blobs
