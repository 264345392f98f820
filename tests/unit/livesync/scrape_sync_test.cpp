#include <gtest/gtest.h>

#include "tracker/livesync/scrape_sync.hpp"

namespace aciswarm::livesync {
namespace {

using namespace std::chrono_literals;

constexpr InstanceId self = 1;

struct LivesyncScrape : ::testing::Test {
    ManualClock clock;
    ScrapeSync sync{ScrapeSyncConfig{}, self, clock};  // the seed's timings: 30m, 5m, 6m, 5m
    std::optional<Inquire> start_inquire;
    // The first tick asks everyone for counts (tested below); the tests start after it.
    void SetUp() override { start_inquire = sync.tick(0).inquire; }
};

// Issue 14: a restarted member asks for the counts at once, not after 30 min.
TEST_F(LivesyncScrape, InquiresEveryoneOnceAtStart) {
    ASSERT_TRUE(start_inquire);
    EXPECT_EQ(start_inquire->target, inquire_everyone);
    EXPECT_FALSE(sync.tick(0).inquire);
    ScrapeSync fresh{ScrapeSyncConfig{}, 7, clock};
    EXPECT_EQ(fresh.next_deadline(), clock.now());
}

TEST_F(LivesyncScrape, AnswersStartInquiresAtMostOncePerInterval) {
    EXPECT_TRUE(sync.on_inquire(2, Inquire{inquire_everyone}));
    clock.advance(9s);
    EXPECT_FALSE(sync.on_inquire(3, Inquire{inquire_everyone}));
    clock.advance(1s);
    EXPECT_TRUE(sync.on_inquire(3, Inquire{inquire_everyone}));
    // Independent of the answers to inquires for this instance.
    EXPECT_TRUE(sync.on_inquire(3, Inquire{self}));
}

TEST_F(LivesyncScrape, BeaconsEveryFiveMinutesAfterThirtyMinutesUptime) {
    EXPECT_FALSE(sync.tick(10).beacon);
    clock.advance(29min + 59s);
    EXPECT_FALSE(sync.tick(10).beacon);
    EXPECT_EQ(sync.next_deadline(), clock.now() + 1s);
    clock.advance(1s);
    auto a = sync.tick(10);
    ASSERT_TRUE(a.beacon);
    EXPECT_EQ(a.beacon->torrent_count, 10u);
    EXPECT_FALSE(sync.tick(10).beacon);
    clock.advance(5min - 1ms);
    EXPECT_FALSE(sync.tick(11).beacon);
    clock.advance(1ms);
    ASSERT_TRUE(sync.tick(11).beacon);
    // A late loop sends one beacon, not a burst.
    clock.advance(17min);
    EXPECT_TRUE(sync.tick(11).beacon);
    EXPECT_FALSE(sync.tick(11).beacon);
}

TEST_F(LivesyncScrape, InquiresTheInstanceWithMostTorrentsAfterWaitingARound) {
    sync.on_beacon(2, Beacon{20}, 10);  // exactly twice: not more than twice
    EXPECT_EQ(sync.state(), ScrapeSync::State::idle);
    sync.on_beacon(2, Beacon{21}, 10);
    EXPECT_EQ(sync.state(), ScrapeSync::State::collecting);
    EXPECT_EQ(sync.candidate(), 2u);
    clock.advance(2min);
    sync.on_beacon(3, Beacon{500}, 10);
    sync.on_beacon(4, Beacon{300}, 10);
    EXPECT_EQ(sync.candidate(), 3u);
    clock.advance(4min - 1ms);  // 6 minutes after the first qualifying beacon, less 1 ms
    EXPECT_FALSE(sync.tick(10).inquire);
    clock.advance(1ms);
    auto a = sync.tick(10);
    ASSERT_TRUE(a.inquire);
    EXPECT_EQ(a.inquire->target, 3u);
    EXPECT_EQ(sync.state(), ScrapeSync::State::idle);
    EXPECT_FALSE(sync.tick(10).inquire);
}

TEST_F(LivesyncScrape, AnEmptyInstanceInquires) {
    sync.on_beacon(2, Beacon{1}, 0);
    EXPECT_EQ(sync.state(), ScrapeSync::State::collecting);
    ScrapeSync other{ScrapeSyncConfig{}, self, clock};
    other.on_beacon(2, Beacon{0}, 0);
    EXPECT_EQ(other.state(), ScrapeSync::State::idle);
}

TEST_F(LivesyncScrape, BacksOffAfterSeeingATell) {
    sync.on_beacon(2, Beacon{100}, 1);
    ASSERT_EQ(sync.state(), ScrapeSync::State::collecting);
    clock.advance(1min);
    sync.on_tell(4);  // someone else's scrape sync is going on (t = 1 min)
    EXPECT_EQ(sync.state(), ScrapeSync::State::idle);
    clock.advance(3min);  // t = 4 min: the dropped round never inquires
    EXPECT_FALSE(sync.tick(1).inquire);
    // Beacons within 5 minutes of the tell are ignored.
    sync.on_beacon(2, Beacon{100}, 1);
    EXPECT_EQ(sync.state(), ScrapeSync::State::idle);
    clock.advance(2min);  // t = 6 min: 5 minutes after the tell
    sync.on_beacon(2, Beacon{100}, 1);
    EXPECT_EQ(sync.state(), ScrapeSync::State::collecting);
}

TEST_F(LivesyncScrape, OwnPacketsAreIgnored) {
    sync.on_beacon(self, Beacon{100}, 1);
    EXPECT_EQ(sync.state(), ScrapeSync::State::idle);
    sync.on_beacon(2, Beacon{100}, 1);
    sync.on_tell(self);
    EXPECT_EQ(sync.state(), ScrapeSync::State::collecting);
}

TEST_F(LivesyncScrape, AnswersInquiresForItselfAtMostOncePerBackoff) {
    EXPECT_FALSE(sync.on_inquire(2, Inquire{99}));  // for someone else
    EXPECT_TRUE(sync.on_inquire(2, Inquire{self}));
    clock.advance(4min);
    EXPECT_FALSE(sync.on_inquire(3, Inquire{self}));
    clock.advance(1min);
    EXPECT_TRUE(sync.on_inquire(3, Inquire{self}));
}

TEST(LivesyncScrapeTimings, EveryTimingIsConfigurable) {
    ManualClock clock;
    ScrapeSync sync({.beacon_after = 100ms,
                     .beacon_interval = 50ms,
                     .inquire_wait = 30ms,
                     .tell_backoff = 20ms},
                    self, clock);
    EXPECT_TRUE(sync.tick(1).inquire);  // the start inquire
    clock.advance(100ms);
    EXPECT_TRUE(sync.tick(1).beacon);
    clock.advance(50ms);
    EXPECT_TRUE(sync.tick(1).beacon);
    sync.on_beacon(2, Beacon{9}, 1);
    clock.advance(30ms);
    auto a = sync.tick(1);
    ASSERT_TRUE(a.inquire);
    EXPECT_EQ(a.inquire->target, 2u);
    sync.on_tell(2);
    sync.on_beacon(2, Beacon{9}, 1);
    EXPECT_EQ(sync.state(), ScrapeSync::State::idle);
    clock.advance(20ms);
    sync.on_beacon(2, Beacon{9}, 1);
    EXPECT_EQ(sync.state(), ScrapeSync::State::collecting);
}

}  // namespace
}  // namespace aciswarm::livesync
