// The last hour of tracker rates for the web page's charts: a fixed ring of
// samples in memory (the control loop adds one every sample interval; at 5 s,
// 720 samples are one hour). Nothing survives a restart.
//
// Thread-safety: add() from the control loop, samples() from any HTTP worker;
// a mutex guards the ring (held for a copy of at most `capacity` samples).
#pragma once

#include <cstddef>
#include <mutex>
#include <vector>

#include "tracker/web/snapshot.hpp"

namespace aciswarm::tracker::web {

class RateHistory {
  public:
    explicit RateHistory(std::size_t capacity = 720);

    void add(const RateSample& sample);
    // Oldest first; at most capacity().
    std::vector<RateSample> samples() const;
    std::size_t capacity() const { return ring_.size(); }

  private:
    mutable std::mutex mutex_;
    std::vector<RateSample> ring_;
    std::size_t next_ = 0;   // where the next sample goes
    std::size_t count_ = 0;  // samples held, <= capacity
};

}  // namespace aciswarm::tracker::web
