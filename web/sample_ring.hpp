// The last N samples of something a page charts (the tracker's rates, the
// agent's transfer rates): a fixed ring in memory that the owner's loop adds to
// at its sampling interval (at 5 s, 720 samples are one hour). Nothing
// survives a restart.
//
// Thread-safety: add() from one thread, samples() from any; a mutex guards the
// ring (held for a copy of at most `capacity` samples).
#pragma once

#include <algorithm>
#include <cstddef>
#include <mutex>
#include <vector>

namespace aciswarm::web {

template <class Sample>
class SampleRing {
  public:
    explicit SampleRing(std::size_t capacity = 720) : ring_(std::max<std::size_t>(capacity, 1)) {}

    void add(const Sample& sample) {
        std::lock_guard lock(mutex_);
        ring_[next_] = sample;
        next_ = (next_ + 1) % ring_.size();
        count_ = std::min(count_ + 1, ring_.size());
    }

    // Oldest first; at most capacity().
    std::vector<Sample> samples() const {
        std::lock_guard lock(mutex_);
        std::vector<Sample> out;
        out.reserve(count_);
        const std::size_t first = (next_ + ring_.size() - count_) % ring_.size();
        for (std::size_t i = 0; i < count_; ++i)
            out.push_back(ring_[(first + i) % ring_.size()]);
        return out;
    }

    std::size_t capacity() const { return ring_.size(); }

  private:
    mutable std::mutex mutex_;
    std::vector<Sample> ring_;
    std::size_t next_ = 0;   // where the next sample goes
    std::size_t count_ = 0;  // samples held, <= capacity
};

}  // namespace aciswarm::web
