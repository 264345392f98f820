#include "agent/daemon/policy.hpp"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

namespace aciswarm::agent {
namespace {

using namespace std::chrono_literals;

TEST(SeedPolicy, ParsesEveryKindAndSpellsItBack) {
    const std::vector<std::pair<std::string, std::string>> cases{
        {"forever", "forever"},  {"none", "none"},      {"ratio=1.5", "ratio=1.5"},
        {"ratio=2", "ratio=2"},  {"for=24h", "for=1d"}, {"for=1h30m", "for=1h30m"},
        {"idle=15m", "idle=15m"}};
    for (const auto& [text, canonical] : cases) {
        auto p = SeedPolicy::parse(text);
        ASSERT_TRUE(p) << text << ": " << p.error().message;
        EXPECT_EQ(p->to_string(), canonical);
        auto again = SeedPolicy::parse(p->to_string());
        ASSERT_TRUE(again);
        EXPECT_EQ(*again, *p);
    }
    EXPECT_EQ(SeedPolicy::parse("for=24h")->duration, 24h);
    EXPECT_EQ(SeedPolicy::parse("idle=90s")->kind, SeedPolicy::Kind::idle);
    EXPECT_DOUBLE_EQ(SeedPolicy::parse("ratio=0.25")->ratio, 0.25);
}

TEST(SeedPolicy, RejectsBadInputNamingIt) {
    for (const char* text : {"", "always", "ratio=", "ratio=-1", "ratio=0", "ratio=abc", "ratio=1x",
                             "ratio=inf", "for=", "for=soon", "idle=0s", "for=-5m", "until=1h"}) {
        auto p = SeedPolicy::parse(text);
        ASSERT_FALSE(p) << text;
        EXPECT_NE(p.error().message.find(std::string("'") + text + "'"), std::string::npos)
            << p.error().message;
    }
}

class Evaluate : public ::testing::Test {
  protected:
    Clock::WallTime t0 = Clock::WallTime(std::chrono::hours(24 * 365 * 50));
    SeedProgress progress{t0, t0, 0, 1000};
};

TEST_F(Evaluate, ForeverNeverStops) {
    const auto d = evaluate_seed_policy(SeedPolicy::forever(), progress, t0 + 24h * 3650);
    EXPECT_TRUE(d.keep_seeding);
    EXPECT_FALSE(d.expires_at);
}

TEST_F(Evaluate, NoneStopsAtOnce) {
    EXPECT_FALSE(evaluate_seed_policy(SeedPolicy::none(), progress, t0).keep_seeding);
}

TEST_F(Evaluate, RatioStopsWhenUploadedReachesRatioTimesSize) {
    const auto p = SeedPolicy::ratio_of(1.5);
    progress.uploaded = 1499;
    EXPECT_TRUE(evaluate_seed_policy(p, progress, t0 + 1000h).keep_seeding);
    progress.uploaded = 1500;
    const auto d = evaluate_seed_policy(p, progress, t0);
    EXPECT_FALSE(d.keep_seeding);
    EXPECT_NE(d.reason.find("ratio 1.50"), std::string::npos) << d.reason;
}

TEST_F(Evaluate, ForStopsAfterTheDurationSinceSeedingStarted) {
    const auto p = SeedPolicy::for_(24h);
    EXPECT_TRUE(evaluate_seed_policy(p, progress, t0 + 24h - 1ms).keep_seeding);
    const auto d = evaluate_seed_policy(p, progress, t0 + 24h);
    EXPECT_FALSE(d.keep_seeding);
    ASSERT_TRUE(d.expires_at);
    EXPECT_EQ(*d.expires_at, t0 + 24h);
    // Peer activity does not extend for=.
    progress.last_peer_activity = t0 + 23h;
    EXPECT_FALSE(evaluate_seed_policy(p, progress, t0 + 24h).keep_seeding);
}

TEST_F(Evaluate, IdleStopsAfterNoPeerActivityForTheDuration) {
    const auto p = SeedPolicy::idle(30min);
    EXPECT_TRUE(evaluate_seed_policy(p, progress, t0 + 29min).keep_seeding);
    EXPECT_FALSE(evaluate_seed_policy(p, progress, t0 + 30min).keep_seeding);
    progress.last_peer_activity = t0 + 20min;  // a peer asked: the clock restarts
    EXPECT_TRUE(evaluate_seed_policy(p, progress, t0 + 49min).keep_seeding);
    const auto d = evaluate_seed_policy(p, progress, t0 + 50min);
    EXPECT_FALSE(d.keep_seeding);
    EXPECT_EQ(*d.expires_at, t0 + 50min);
}

TEST(SeedRatio, IsZeroForEmptyImages) {
    EXPECT_DOUBLE_EQ(seed_ratio(10, 0), 0.0);
    EXPECT_DOUBLE_EQ(seed_ratio(300, 100), 3.0);
}

}  // namespace
}  // namespace aciswarm::agent
