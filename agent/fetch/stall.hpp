#pragma once
// Decides when a swarm download has stalled: no progress for a timeout, at any
// point of the download (before the first byte and after some data arrived
// alike). Progress is any growth of the verified bytes or of the payload
// received (from peers or web seeds), so a slow but moving download with big
// pieces is not a stall.
//
// Pure logic over snapshots with the caller's clock readings (Clock::now(),
// ManualClock in tests). Owned by the thread running the fetch.
#include <chrono>
#include <cstdint>

#include "common/clock.hpp"

namespace aciswarm::agent::fetch {

struct DownloadCounters {
    std::int64_t verified = 0;  // bytes that passed their hash check
    std::int64_t received = 0;  // payload bytes received from any source
};

class StallWatch {
  public:
    StallWatch(std::chrono::milliseconds timeout, Clock::SteadyTime start)
        : timeout_(timeout), last_progress_(start) {}

    // One snapshot. Returns true once nothing grew for the timeout.
    bool observe(Clock::SteadyTime now, const DownloadCounters& counters);

    // When the last progress was seen (the start before any).
    Clock::SteadyTime last_progress() const { return last_progress_; }
    // Whether any byte has arrived so far.
    bool any_data() const { return best_.verified > 0 || best_.received > 0; }

  private:
    std::chrono::milliseconds timeout_;
    Clock::SteadyTime last_progress_;
    DownloadCounters best_{};
};

}  // namespace aciswarm::agent::fetch
