#include <gtest/gtest.h>

#include "common/duration.hpp"

namespace aciswarm {
namespace {

using std::chrono::milliseconds;

TEST(Duration, ParsesUnitsAndCombinations) {
    EXPECT_EQ(*parse_duration("90"), milliseconds(90'000));
    EXPECT_EQ(*parse_duration("250ms"), milliseconds(250));
    EXPECT_EQ(*parse_duration("15m"), milliseconds(15 * 60'000));
    EXPECT_EQ(*parse_duration("24h"), milliseconds(24LL * 3'600'000));
    EXPECT_EQ(*parse_duration("7d"), milliseconds(7LL * 86'400'000));
    EXPECT_EQ(*parse_duration("1h30m"), milliseconds(90 * 60'000));
}

TEST(Duration, RejectsBadInputNamingIt) {
    for (std::string_view bad : {"", "h", "10x", "-5s", "1h30", "99999999999999999999d", "1.5h"}) {
        auto r = parse_duration(bad);
        ASSERT_FALSE(r) << bad;
        EXPECT_NE(r.error().message.find("'" + std::string(bad) + "'"), std::string::npos)
            << r.error().message;
    }
}

TEST(Duration, FormatsShortestExact) {
    EXPECT_EQ(format_duration(milliseconds(0)), "0s");
    EXPECT_EQ(format_duration(milliseconds(5'400'000)), "1h30m");
    EXPECT_EQ(format_duration(milliseconds(86'400'000 + 1)), "1d1ms");
    EXPECT_EQ(*parse_duration(format_duration(milliseconds(123'456'789))),
              milliseconds(123'456'789));
}

}  // namespace
}  // namespace aciswarm
