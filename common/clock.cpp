#include "common/clock.hpp"

namespace aciswarm {

// Starts at a fixed, arbitrary point so tests are reproducible.
ManualClock::ManualClock()
    : steady_origin_(std::chrono::hours(1000)),
      wall_origin_(std::chrono::sys_days(std::chrono::year(2026) / 1 / 1)) {}

Clock::SteadyTime ManualClock::now() const {
    return steady_origin_ + std::chrono::nanoseconds(offset_ns_.load());
}

Clock::WallTime ManualClock::wall_now() const {
    return wall_origin_ + std::chrono::duration_cast<WallTime::duration>(
                              std::chrono::nanoseconds(offset_ns_.load()));
}

void ManualClock::advance(std::chrono::nanoseconds by) {
    offset_ns_ += by.count();
}

}  // namespace aciswarm
