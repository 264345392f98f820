// An injectable clock, so code with timeouts and expiry is tested without sleeping.
#pragma once

#include <atomic>
#include <chrono>

namespace aciswarm {

class Clock {
  public:
    using SteadyTime = std::chrono::steady_clock::time_point;
    using WallTime = std::chrono::system_clock::time_point;

    virtual ~Clock() = default;
    // Monotonic time for intervals, expiry and timeouts.
    virtual SteadyTime now() const = 0;
    // Calendar time for timestamps that are stored or shown.
    virtual WallTime wall_now() const = 0;
};

class SystemClock final : public Clock {
  public:
    SteadyTime now() const override { return std::chrono::steady_clock::now(); }
    WallTime wall_now() const override { return std::chrono::system_clock::now(); }
};

// A clock tests move by hand. Thread-safe: advance() may race with now().
class ManualClock final : public Clock {
  public:
    ManualClock();
    SteadyTime now() const override;
    WallTime wall_now() const override;
    void advance(std::chrono::nanoseconds by);

  private:
    std::atomic<std::int64_t> offset_ns_{0};
    SteadyTime steady_origin_;
    WallTime wall_origin_;
};

}  // namespace aciswarm
