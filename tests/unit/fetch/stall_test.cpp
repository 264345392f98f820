// StallWatch: a download that makes no progress for the timeout is a stall,
// before the first byte and after data arrived alike (ManualClock).
#include "agent/fetch/stall.hpp"

#include <gtest/gtest.h>

namespace aciswarm::agent::fetch {
namespace {

using namespace std::chrono_literals;

TEST(StallWatch, NothingEverArrivesIsAStallAfterTheTimeout) {
    ManualClock clock;
    StallWatch watch(30s, clock.now());
    clock.advance(29s);
    EXPECT_FALSE(watch.observe(clock.now(), {}));
    clock.advance(1s);
    EXPECT_TRUE(watch.observe(clock.now(), {}));
    EXPECT_FALSE(watch.any_data());
}

TEST(StallWatch, AStallAfterSomeDataArrivedIsDetected) {
    ManualClock clock;
    StallWatch watch(30s, clock.now());
    clock.advance(5s);
    EXPECT_FALSE(watch.observe(clock.now(), {.verified = 0, .received = 16384}));
    clock.advance(5s);
    EXPECT_FALSE(watch.observe(clock.now(), {.verified = 65536, .received = 65536}));
    EXPECT_TRUE(watch.any_data());
    const auto last = clock.now();
    // Half the image arrived, then nothing: 6 h would pass before; 30 s now.
    clock.advance(29s);
    EXPECT_FALSE(watch.observe(clock.now(), {.verified = 65536, .received = 65536}));
    clock.advance(1s);
    EXPECT_TRUE(watch.observe(clock.now(), {.verified = 65536, .received = 65536}));
    EXPECT_EQ(watch.last_progress(), last);
}

TEST(StallWatch, SlowButMovingIsNotAStall) {
    ManualClock clock;
    StallWatch watch(30s, clock.now());
    std::int64_t received = 0;
    for (int i = 0; i < 100; ++i) {  // 100 × 20 s = 33 min of slow progress
        clock.advance(20s);
        received += 1000;
        EXPECT_FALSE(watch.observe(clock.now(), {.verified = 0, .received = received}));
    }
}

TEST(StallWatch, ARecheckThatLowersVerifiedBytesIsNotProgress) {
    ManualClock clock;
    StallWatch watch(10s, clock.now());
    EXPECT_FALSE(watch.observe(clock.now(), {.verified = 100, .received = 100}));
    clock.advance(6s);
    EXPECT_FALSE(watch.observe(clock.now(), {.verified = 50, .received = 100}));
    clock.advance(4s);
    EXPECT_TRUE(watch.observe(clock.now(), {.verified = 100, .received = 100}));
}

}  // namespace
}  // namespace aciswarm::agent::fetch
