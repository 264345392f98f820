// WebSeedGate: when a download's web seeds join it (web_seed_gate.hpp).
#include "agent/engine/web_seed_gate.hpp"

#include <gtest/gtest.h>

#include "agent/engine/engine.hpp"

using namespace aciswarm;
using namespace aciswarm::engine;
using namespace std::chrono_literals;

namespace {
const Clock::SteadyTime t0{};
}

TEST(WebSeedGate, NoPeerByteForTheDelayOpensItOnce) {
    WebSeedGate g(3s);
    EXPECT_FALSE(g.observe(t0, 0));
    EXPECT_FALSE(g.observe(t0 + 2999ms, 0));
    EXPECT_FALSE(g.open());
    EXPECT_TRUE(g.observe(t0 + 3s, 0));
    EXPECT_TRUE(g.open());
    EXPECT_EQ(g.reason(), "no peer sent a byte in 3s");
    // Reported once; it stays open.
    EXPECT_FALSE(g.observe(t0 + 4s, 0));
    EXPECT_FALSE(g.observe(t0 + 5s, 1 << 20));
    EXPECT_TRUE(g.open());
}

TEST(WebSeedGate, APeerThatDeliversKeepsItClosed) {
    WebSeedGate g(3s);
    std::int64_t bytes = 0;
    for (auto t = 0ms; t < 60s; t += 250ms) {
        bytes += 16384;
        EXPECT_FALSE(g.observe(t0 + t, bytes)) << t.count();
    }
    EXPECT_FALSE(g.open());
    EXPECT_TRUE(g.reason().empty());
}

TEST(WebSeedGate, ASwarmThatStallsLaterOpensIt) {
    WebSeedGate g(3s);
    EXPECT_FALSE(g.observe(t0, 0));
    EXPECT_FALSE(g.observe(t0 + 1s, 5000));  // the seed delivered
    EXPECT_FALSE(g.observe(t0 + 3500ms, 5000));
    EXPECT_TRUE(g.observe(t0 + 4s, 5000));  // then nothing for 3 s
    EXPECT_EQ(g.reason(), "no byte from peers for 3s after 5000");
}

TEST(WebSeedGate, ZeroDelayOpensAtOnce) {
    WebSeedGate g(0ms);
    EXPECT_TRUE(g.observe(t0, 0));
}

TEST(WebSeedPolicy, ParsesAndNamesEveryPolicy) {
    for (auto p : {WebSeedPolicy::always, WebSeedPolicy::fallback}) {
        auto parsed = parse_web_seed_policy(web_seed_policy_name(p));
        ASSERT_TRUE(parsed);
        EXPECT_EQ(*parsed, p);
    }
    auto bad = parse_web_seed_policy("sometimes");
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("'sometimes'"), std::string::npos);
    EXPECT_EQ(EngineConfig{}.web_seed_policy, WebSeedPolicy::fallback);
}

TEST(EngineConfig, WebSeedRequestsAreShort) {
    // libtorrent's default (16 MiB) lets N nodes stream overlapping copies.
    EXPECT_EQ(describe_settings(EngineConfig{}).at("urlseed_max_request_bytes"), "1048576");
    EngineConfig c;
    c.web_seed_request_bytes = 131072;
    EXPECT_EQ(describe_settings(c).at("urlseed_max_request_bytes"), "131072");
}
