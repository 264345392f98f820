// Cache-Control max-age for discovery pages.
#include <gtest/gtest.h>

#include "discovery/cache_control.hpp"

namespace aciswarm::discovery {
namespace {

using std::chrono::seconds;

TEST(DiscoveryCacheControl, MaxAge) {
    EXPECT_EQ(parse_max_age("max-age=300"), seconds(300));
    EXPECT_EQ(parse_max_age("public, Max-Age=60 , must-revalidate"), seconds(60));
    EXPECT_EQ(parse_max_age("max-age=\"120\""), seconds(120));
    EXPECT_EQ(parse_max_age("max-age=0"), seconds(0));
}

TEST(DiscoveryCacheControl, NoCacheWins) {
    EXPECT_EQ(parse_max_age("max-age=300, no-cache"), seconds(0));
    EXPECT_EQ(parse_max_age("NO-STORE"), seconds(0));
}

TEST(DiscoveryCacheControl, NoneOrMalformed) {
    EXPECT_EQ(parse_max_age(""), std::nullopt);
    EXPECT_EQ(parse_max_age("private"), std::nullopt);
    EXPECT_EQ(parse_max_age("max-age"), std::nullopt);
    EXPECT_EQ(parse_max_age("max-age=-1"), std::nullopt);
    EXPECT_EQ(parse_max_age("max-age=1x"), std::nullopt);
    EXPECT_EQ(parse_max_age("max-age=99999999999999999999"), std::nullopt);
    EXPECT_EQ(parse_max_age("s-maxage=10"), std::nullopt);
}

}  // namespace
}  // namespace aciswarm::discovery
