#include "agent/engine/stuck_pieces.hpp"

#include <gtest/gtest.h>

using namespace aciswarm;
using namespace aciswarm::engine;
using namespace std::chrono_literals;

namespace {
const Clock::SteadyTime t0{};
}

TEST(StuckPieceDetector, PiecesStuckPastTheTimeoutWithoutProgressTriggerOnce) {
    StuckPieceDetector d(10s);
    EXPECT_FALSE(d.observe(t0, {9, 10, 11}, 1000));
    EXPECT_FALSE(d.observe(t0 + 5s, {9, 10, 11}, 1000));
    EXPECT_FALSE(d.observe(t0 + 9s, {9, 10, 11}, 1000));
    EXPECT_TRUE(d.observe(t0 + 10s, {9, 10, 11}, 1000));
    // Starts over: another full timeout before the next recheck.
    EXPECT_FALSE(d.observe(t0 + 11s, {9, 10, 11}, 1000));
    EXPECT_FALSE(d.observe(t0 + 20s, {9, 10, 11}, 1000));
    EXPECT_TRUE(d.observe(t0 + 21s, {9, 10, 11}, 1000));
}

TEST(StuckPieceDetector, ProgressRestartsTheWindow) {
    StuckPieceDetector d(10s);
    EXPECT_FALSE(d.observe(t0, {3}, 1000));
    EXPECT_FALSE(d.observe(t0 + 8s, {3}, 2000));  // other pieces passed: hashing is alive
    EXPECT_FALSE(d.observe(t0 + 15s, {3}, 2000));
    EXPECT_TRUE(d.observe(t0 + 18s, {3}, 2000));
}

TEST(StuckPieceDetector, PiecesThatPassOrChangeAreNotStuck) {
    StuckPieceDetector d(10s);
    EXPECT_FALSE(d.observe(t0, {1}, 0));
    EXPECT_FALSE(d.observe(t0 + 6s, {2}, 0));   // 1 left the set, 2 is new
    EXPECT_FALSE(d.observe(t0 + 12s, {2}, 0));  // 2 stuck only since 6 s
    EXPECT_TRUE(d.observe(t0 + 16s, {2}, 0));
}

TEST(StuckPieceDetector, OnlyPiecesStuckTheWholeWindowCount) {
    StuckPieceDetector d(10s);
    EXPECT_FALSE(d.observe(t0, {1, 2}, 0));
    EXPECT_FALSE(d.observe(t0 + 5s, {2, 3}, 0));  // 2 remains from the start
    EXPECT_TRUE(d.observe(t0 + 10s, {2, 3}, 0));
}

TEST(StuckPieceDetector, NothingUnverifiedNeverTriggers) {
    StuckPieceDetector d(1s);
    for (int i = 0; i < 5; ++i)
        EXPECT_FALSE(d.observe(t0 + std::chrono::seconds(10 * i), {}, 0));
}
