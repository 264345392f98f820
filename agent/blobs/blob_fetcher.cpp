#include "agent/blobs/blob_fetcher.hpp"

namespace aciswarm::agent::blobs {

BlobFetcher::BlobFetcher(BlobCache cache, std::vector<std::shared_ptr<BlobSource>> sources,
                         Logger& log)
    : cache_(std::move(cache)), sources_(std::move(sources)), log_(log) {}

BlobFetcher::~BlobFetcher() {
    std::list<Worker> workers;
    {
        std::lock_guard lock(mutex_);
        workers.swap(workers_);
    }
    for (Worker& w : workers)
        w.thread.request_stop();
    // jthreads join as the list goes.
}

Result<CachedBlob> BlobFetcher::get(const BlobKey& key, std::chrono::milliseconds wait) {
    if (auto hit = cache_.find(key.digest)) return *hit;
    const std::shared_future<Status> done = start(key);
    std::uint64_t seen = progress_.load();
    while (done.wait_for(wait) != std::future_status::ready) {
        const std::uint64_t now = progress_.load();
        if (now == seen) {
            return make_error(Errc::timeout,
                              key.digest.to_string() + ": no download received a byte for " +
                                  std::to_string(wait.count()) + " ms (still fetching)");
        }
        seen = now;
    }
    if (Status s = done.get(); !s) return s.error();
    if (auto hit = cache_.find(key.digest)) return *hit;
    return make_error(Errc::internal, key.digest.to_string() + ": fetched but not in the cache");
}

std::shared_future<Status> BlobFetcher::start(const BlobKey& key) {
    std::lock_guard lock(mutex_);
    // Threads that finished are joined here (their results were taken).
    workers_.remove_if([](const Worker& w) {
        return w.done.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
    });
    if (auto it = in_flight_.find(key.digest); it != in_flight_.end()) return it->second;
    auto promise = std::make_shared<std::promise<Status>>();
    std::shared_future<Status> done = promise->get_future().share();
    in_flight_.emplace(key.digest, done);
    workers_.push_back({done, std::jthread([this, key, promise](std::stop_token stop) {
                            Status s = run_sources(key, stop, progress_);
                            {
                                std::lock_guard done_lock(mutex_);
                                in_flight_.erase(key.digest);
                            }
                            promise->set_value(std::move(s));
                        })});
    return done;
}

Status BlobFetcher::run_sources(const BlobKey& key, std::stop_token stop, BlobProgress& progress) {
    Error last = make_error(Errc::not_found, key.digest.to_string() + ": no blob source");
    for (const auto& source : sources_) {
        auto size = source->fetch(key, cache_.path(key.digest), stop, progress);
        if (size) {
            log_.debug("blob ", key.digest.to_string(), ": ", *size, " bytes from ",
                       source->name());
            std::lock_guard lock(mutex_);
            bytes_by_source_[std::string(source->name())] += *size;
            return {};
        }
        log_.debug("blob ", key.digest.to_string(), " from ", source->name(), ": ",
                   size.error().message);
        last = size.error();
        if (stop.stop_requested()) break;
    }
    return last;
}

std::map<std::string, std::uint64_t> BlobFetcher::bytes_by_source() const {
    std::lock_guard lock(mutex_);
    return bytes_by_source_;
}

}  // namespace aciswarm::agent::blobs
