#include <gtest/gtest.h>

#include "common/clock.hpp"

namespace aciswarm {
namespace {

TEST(ManualClock, MovesOnlyWhenAdvanced) {
    ManualClock clock;
    const auto t0 = clock.now();
    const auto w0 = clock.wall_now();
    EXPECT_EQ(clock.now(), t0);
    clock.advance(std::chrono::seconds(120));
    EXPECT_EQ(clock.now() - t0, std::chrono::seconds(120));
    EXPECT_EQ(std::chrono::duration_cast<std::chrono::seconds>(clock.wall_now() - w0).count(), 120);
}

TEST(SystemClock, IsMonotonic) {
    SystemClock clock;
    const auto a = clock.now();
    const auto b = clock.now();
    EXPECT_LE(a, b);
}

}  // namespace
}  // namespace aciswarm
