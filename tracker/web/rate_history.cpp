#include "tracker/web/rate_history.hpp"

#include <algorithm>

namespace aciswarm::tracker::web {

RateHistory::RateHistory(std::size_t capacity) : ring_(std::max<std::size_t>(capacity, 1)) {}

void RateHistory::add(const RateSample& sample) {
    std::lock_guard lock(mutex_);
    ring_[next_] = sample;
    next_ = (next_ + 1) % ring_.size();
    count_ = std::min(count_ + 1, ring_.size());
}

std::vector<RateSample> RateHistory::samples() const {
    std::lock_guard lock(mutex_);
    std::vector<RateSample> out;
    out.reserve(count_);
    const std::size_t first = (next_ + ring_.size() - count_) % ring_.size();
    for (std::size_t i = 0; i < count_; ++i)
        out.push_back(ring_[(first + i) % ring_.size()]);
    return out;
}

}  // namespace aciswarm::tracker::web
