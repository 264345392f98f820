#include "tracker/web/rate_history.hpp"

#include <gtest/gtest.h>

namespace aciswarm::tracker::web {
namespace {

TEST(RateHistory, KeepsTheNewestCapacitySamplesOldestFirst) {
    RateHistory history(3);
    EXPECT_TRUE(history.samples().empty());
    for (std::int64_t t = 1; t <= 2; ++t)
        history.add(RateSample{t, 1.0, 2.0, 3});
    ASSERT_EQ(history.samples().size(), 2u);
    EXPECT_EQ(history.samples()[0].unix_time, 1);
    for (std::int64_t t = 3; t <= 7; ++t)
        history.add(RateSample{t, 1.0, 2.0, 3});
    const auto samples = history.samples();
    ASSERT_EQ(samples.size(), 3u);
    EXPECT_EQ(samples[0].unix_time, 5);
    EXPECT_EQ(samples[1].unix_time, 6);
    EXPECT_EQ(samples[2].unix_time, 7);
}

TEST(RateHistory, DefaultIsOneHourAtFiveSeconds) {
    EXPECT_EQ(RateHistory().capacity(), 3600u / 5);
}

}  // namespace
}  // namespace aciswarm::tracker::web
