// WebSeedGate: when a download's web seeds join it (web_seed_gate.hpp).
#include "agent/engine/web_seed_gate.hpp"

#include <gtest/gtest.h>

#include <cstdint>

#include "agent/engine/engine.hpp"

using namespace aciswarm;
using namespace aciswarm::engine;
using namespace std::chrono_literals;

namespace {
const Clock::SteadyTime t0{};
}

using Action = WebSeedGate::Action;
constexpr std::int64_t MiB = 1 << 20;

TEST(WebSeedGate, NoPeerByteForTheDelayOpensIt) {
    WebSeedGate g(3s, 0ms, MiB);
    EXPECT_EQ(g.observe(t0, 0, false), Action::none);
    EXPECT_EQ(g.observe(t0 + 2999ms, 0, true), Action::none);
    EXPECT_FALSE(g.open());
    EXPECT_EQ(g.observe(t0 + 3s, 0, false), Action::add);
    EXPECT_TRUE(g.open());
    EXPECT_EQ(g.reason(), "no peer sent a byte in 3s");
    // Reported once; without a seed in the swarm it stays open however much peers send.
    EXPECT_EQ(g.observe(t0 + 4s, 0, false), Action::none);
    for (int i = 1; i <= 20; ++i)
        EXPECT_EQ(g.observe(t0 + 4s + i * 1s, i * 10 * MiB, false), Action::none) << i;
    EXPECT_TRUE(g.open());
}

TEST(WebSeedGate, APeerThatDeliversKeepsItClosed) {
    WebSeedGate g(3s, 0ms, MiB);
    std::int64_t bytes = 0;
    for (auto t = 0ms; t < 60s; t += 250ms) {
        bytes += 16384;
        EXPECT_EQ(g.observe(t0 + t, bytes, false), Action::none) << t.count();
    }
    EXPECT_FALSE(g.open());
    EXPECT_TRUE(g.reason().empty());
}

TEST(WebSeedGate, ASwarmThatStallsLaterOpensIt) {
    WebSeedGate g(3s, 0ms, MiB);
    EXPECT_EQ(g.observe(t0, 0, true), Action::none);
    EXPECT_EQ(g.observe(t0 + 1s, 5000, true), Action::none);  // the seed delivered
    EXPECT_EQ(g.observe(t0 + 3500ms, 5000, true), Action::none);
    EXPECT_EQ(g.observe(t0 + 4s, 5000, true), Action::add);  // then nothing for 3 s
    EXPECT_EQ(g.reason(), "no byte from peers for 3s after 5000");
}

TEST(WebSeedGate, ASeedThatStartsDeliveringClosesItAndAStallReopensIt) {
    // libtorrent's super-seeding seed idles ~10 s before its first piece.
    WebSeedGate g(2s, 0ms, MiB);
    EXPECT_EQ(g.observe(t0, 0, true), Action::none);
    EXPECT_EQ(g.observe(t0 + 2s, 0, true), Action::add);
    EXPECT_EQ(g.observe(t0 + 4s, 0, true), Action::none);  // a window with nothing from peers
    EXPECT_EQ(g.observe(t0 + 5s, MiB / 2, true), Action::none);
    EXPECT_EQ(g.observe(t0 + 6s, 2 * MiB, true), Action::remove);  // 2 MiB in the window
    EXPECT_FALSE(g.open());
    EXPECT_NE(g.reason().find("the swarm has a seed"), std::string::npos) << g.reason();
    EXPECT_EQ(g.observe(t0 + 7s, 3 * MiB, true), Action::none);
    EXPECT_EQ(g.observe(t0 + 8s, 3 * MiB, true), Action::none);
    EXPECT_EQ(g.observe(t0 + 9s, 3 * MiB, true), Action::add);  // stalled 2 s: back
    EXPECT_TRUE(g.open());
}

TEST(WebSeedGate, ItStaysOpenAtLeastMinOpen) {
    WebSeedGate g(2s, 10s, MiB);
    EXPECT_EQ(g.observe(t0, 0, true), Action::none);
    EXPECT_EQ(g.observe(t0 + 2s, 0, true), Action::add);
    // Nodes trade web seed pieces (2 MiB per window) while the seed idles.
    for (int i = 1; i <= 4; ++i)
        EXPECT_EQ(g.observe(t0 + 2s + i * 2s, i * 2 * MiB, true), Action::none) << i;
    EXPECT_EQ(g.observe(t0 + 12s, 10 * MiB, true), Action::remove);
}

TEST(WebSeedGate, ASlowSwarmDoesNotCloseIt) {
    WebSeedGate g(2s, 0ms, MiB);
    EXPECT_EQ(g.observe(t0, 0, true), Action::none);
    EXPECT_EQ(g.observe(t0 + 2s, 0, true), Action::add);
    std::int64_t bytes = 0;
    for (int i = 1; i <= 30; ++i) {
        bytes += 100000;  // 100 kB/s from peers: under 1 MiB per 2 s window
        EXPECT_EQ(g.observe(t0 + 2s + i * 1s, bytes, true), Action::none) << i;
    }
}

TEST(WebSeedGate, ZeroDelayOpensAtOnce) {
    WebSeedGate g(0ms, 0ms, MiB);
    EXPECT_EQ(g.observe(t0, 0, false), Action::add);
}

TEST(WebSeedUse, ParsesAndNamesEveryValue) {
    for (auto p : {WebSeedUse::always, WebSeedUse::fallback}) {
        auto parsed = parse_web_seed_use(web_seed_use_name(p));
        ASSERT_TRUE(parsed);
        EXPECT_EQ(*parsed, p);
    }
    auto bad = parse_web_seed_use("sometimes");
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("'sometimes'"), std::string::npos);
    EXPECT_EQ(EngineConfig{}.web_seed_use, WebSeedUse::fallback);
}

TEST(EngineConfig, WebSeedRequestsAreShort) {
    // libtorrent's default (16 MiB) lets N nodes stream overlapping copies.
    EXPECT_EQ(describe_settings(EngineConfig{}).at("urlseed_max_request_bytes"), "1048576");
    EngineConfig c;
    c.web_seed_request_bytes = 131072;
    EXPECT_EQ(describe_settings(c).at("urlseed_max_request_bytes"), "131072");
}

// --leader-timeout (docs/zones.md): a follower's gate stays shut while a leader of
// its zone makes progress, and follows the rules above once none did for the timeout.
TEST(WebSeedGate, AFollowerWaitsForAProgressingLeaderThenFallsBack) {
    WebSeedGate g(2s, 0ms, MiB, 10s);
    std::int64_t leader = 0;
    for (auto t = 0ms; t <= 30s; t += 1s) {
        if (t < 20s) leader += 3;  // the leader announces pieces, sends nothing to us yet
        g.note_leaders(t0 + t, leader);
        const Action a = g.observe(t0 + t, 0, true);
        if (t < 29s) {
            EXPECT_EQ(a, Action::none) << t.count();
        } else if (t == 29s) {
            // Last progress at 19 s; 10 s later the plain gate opens at once, as no
            // peer byte came for far more than its delay.
            EXPECT_EQ(a, Action::add);
            EXPECT_EQ(g.reason(), "no leader made progress for 10s, and no peer sent a byte in 2s");
        }
    }
    EXPECT_TRUE(g.open());
}

TEST(WebSeedGate, ANewLeaderStartsANewWaitAndNoLeaderMeansThePlainGate) {
    WebSeedGate g(2s, 0ms, MiB, 10s);
    g.note_leaders(t0, 500);
    EXPECT_TRUE(g.waiting_for_leader(t0 + 9s));
    EXPECT_FALSE(g.waiting_for_leader(t0 + 10s));
    g.note_leaders(t0 + 10s, 0);  // a re-election: another leader, another count
    EXPECT_TRUE(g.waiting_for_leader(t0 + 19s));
    EXPECT_EQ(g.observe(t0 + 19s, 0, false), Action::none);
    g.note_leaders(t0 + 19s, std::nullopt);  // the zone lost its last leader
    EXPECT_FALSE(g.waiting_for_leader(t0 + 19s));
    EXPECT_EQ(g.observe(t0 + 20s, 0, false), Action::none);
    EXPECT_EQ(g.observe(t0 + 21s, 0, false), Action::add);
    EXPECT_EQ(g.reason(), "no peer sent a byte in 2s");
}

TEST(WebSeedGate, ALeaderTimeoutOfZeroIsThePlainGate) {
    WebSeedGate g(2s, 0ms, MiB, 0ms);
    g.note_leaders(t0, 1);
    EXPECT_FALSE(g.waiting_for_leader(t0));
    EXPECT_EQ(g.observe(t0, 0, false), Action::none);
    EXPECT_EQ(g.observe(t0 + 2s, 0, false), Action::add);
}

TEST(WebSeedGate, ATrackerWithoutASeedOpensItAtOnce) {
    WebSeedGate g(2s, 10s, MiB);
    EXPECT_EQ(g.observe(t0, 0, false), Action::none);
    EXPECT_EQ(g.open_without_seed(t0 + 300ms), Action::add);
    EXPECT_TRUE(g.open());
    EXPECT_EQ(g.reason(), "the tracker lists no seed");
    EXPECT_EQ(g.open_without_seed(t0 + 600ms), Action::none);  // reported once
    // A seed that shows up later closes it as usual, after min_open.
    EXPECT_EQ(g.observe(t0 + 10s, 0, true), Action::none);
    EXPECT_EQ(g.observe(t0 + 12500ms, 2 * MiB, true), Action::remove);
}

TEST(WebSeedGate, AFollowerWaitingForItsLeadersStaysClosedWithoutASeed) {
    WebSeedGate g(2s, 0ms, MiB, 10s);
    g.note_leaders(t0, 0);
    EXPECT_EQ(g.open_without_seed(t0 + 1s), Action::none);
    EXPECT_FALSE(g.open());
}

TEST(WebSeedGate, OnlySuperSeedsNeedsEverySeedToBeASuperSeedingAciswarmSeed) {
    EXPECT_TRUE(only_super_seeds({.tracker_complete = 1, .listed_seeds = 0, .super_seeds = 1}));
    EXPECT_TRUE(only_super_seeds({.tracker_complete = 2, .listed_seeds = 0, .super_seeds = 2}));
    // No tracker answer yet, or no seed at all: open_without_seed's case, not this one.
    EXPECT_FALSE(only_super_seeds({.tracker_complete = -1, .listed_seeds = 0, .super_seeds = 1}));
    EXPECT_FALSE(only_super_seeds({.tracker_complete = 0, .listed_seeds = 0, .super_seeds = 0}));
    // The super-seeding seed's handshake has not arrived yet.
    EXPECT_FALSE(only_super_seeds({.tracker_complete = 1, .listed_seeds = 0, .super_seeds = 0}));
    // Another seed (a node that finished) sends at once: the ordinary wait applies.
    EXPECT_FALSE(only_super_seeds({.tracker_complete = 2, .listed_seeds = 0, .super_seeds = 1}));
    EXPECT_FALSE(only_super_seeds({.tracker_complete = 1, .listed_seeds = 1, .super_seeds = 1}));
}

TEST(WebSeedGate, ASuperSeedingEverseedAloneOpensItAtOnceAndItClosesAsUsual) {
    WebSeedGate g(2s, 10s, MiB);
    EXPECT_EQ(g.observe(t0, 0, true), Action::none);
    // The tracker counts the everseed before its handshake says it super-seeds.
    EXPECT_EQ(g.open_for_super_seeds(t0 + 200ms, {.tracker_complete = 1, .super_seeds = 0}),
              Action::none);
    EXPECT_FALSE(g.open());
    EXPECT_EQ(g.open_for_super_seeds(t0 + 400ms, {.tracker_complete = 1, .super_seeds = 1}),
              Action::add);
    EXPECT_TRUE(g.open());
    EXPECT_EQ(g.reason(), "every seed (1) is a super-seeding aciswarm seed, silent for ~10 s");
    EXPECT_EQ(g.open_for_super_seeds(t0 + 600ms, {.tracker_complete = 1, .super_seeds = 1}),
              Action::none);  // reported once
    // Once the seed delivers, it closes after min_open as before.
    EXPECT_EQ(g.observe(t0 + 10s, 0, true), Action::none);
    EXPECT_EQ(g.observe(t0 + 12500ms, 2 * MiB, true), Action::remove);
    // The seed is still the only one, but it has started: no reopening at once.
    EXPECT_EQ(g.open_for_super_seeds(t0 + 13s, {.tracker_complete = 1, .super_seeds = 1}),
              Action::none);
    EXPECT_FALSE(g.open());
    // A later stall reopens it the ordinary way.
    EXPECT_EQ(g.observe(t0 + 15s, 2 * MiB, true), Action::add);
}

TEST(WebSeedGate, AFollowerWaitingForItsLeadersIgnoresASuperSeedingSeed) {
    WebSeedGate g(2s, 0ms, MiB, 10s);
    g.note_leaders(t0, 0);
    EXPECT_EQ(g.open_for_super_seeds(t0 + 1s, {.tracker_complete = 1, .super_seeds = 1}),
              Action::none);
    EXPECT_FALSE(g.open());
}
