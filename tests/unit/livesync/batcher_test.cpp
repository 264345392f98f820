#include <gtest/gtest.h>

#include "tracker/livesync/batcher.hpp"

namespace aciswarm::livesync {
namespace {

using namespace std::chrono_literals;

LocalPeerChange change(std::uint8_t n, bool v6 = false) {
    LocalPeerChange c;
    for (std::size_t i = 0; i < InfoHash::size_bytes; ++i)
        c.info_hash.data()[i] = n;
    if (v6) {
        std::array<std::uint8_t, 16> a{0xfd};
        a[15] = n;
        c.peer = PeerEndpoint::v6(a, 6881);
    } else {
        c.peer = PeerEndpoint::v4({10, 0, 0, n}, 6881);
    }
    c.is_new_peer = true;
    return c;
}

std::vector<PeerRecord> records_of(PacketBuilder&& b) {
    auto bytes = std::move(b).finish(1, 1, 1);
    auto p = parse_packet(bytes);
    EXPECT_TRUE(p);
    return p ? std::get<std::vector<PeerRecord>>(p->body) : std::vector<PeerRecord>{};
}

TEST(LivesyncBatcher, FlushesAfterTheDelay) {
    ManualClock clock;
    PeerBatcher b({.flush_delay = 1000ms}, clock);
    EXPECT_FALSE(b.next_deadline());
    ASSERT_TRUE(b.add(change(1)));
    EXPECT_EQ(b.next_deadline(), clock.now() + 1000ms);
    clock.advance(999ms);
    EXPECT_TRUE(b.take_ready().empty());
    ASSERT_TRUE(b.add(change(2)));  // joins the same packet; deadline stays
    clock.advance(1ms);
    auto ready = b.take_ready();
    ASSERT_EQ(ready.size(), 1u);
    EXPECT_EQ(records_of(std::move(ready.front())).size(), 2u);
    EXPECT_FALSE(b.next_deadline());
}

TEST(LivesyncBatcher, SendsAFullPacketAtOnceAndNeverOverflows) {
    ManualClock clock;
    const std::size_t max = 200;  // (200 - 32) / 28 = 6 PEER4 records
    PeerBatcher b({.max_datagram = max, .flush_delay = 1h}, clock);
    for (std::uint8_t i = 1; i <= 13; ++i)
        ASSERT_TRUE(b.add(change(i)));
    EXPECT_TRUE(b.has_full());
    EXPECT_EQ(b.next_deadline(), clock.now());
    auto ready = b.take_ready();
    ASSERT_EQ(ready.size(), 2u);  // 12 records in 2 full packets, 1 still waiting
    for (auto& p : ready) {
        EXPECT_LE(p.size(), max);
        EXPECT_EQ(records_of(std::move(p)).size(), 6u);
    }
    auto rest = b.take_ready(/*force=*/true);
    ASSERT_EQ(rest.size(), 1u);
    EXPECT_EQ(records_of(std::move(rest.front())).size(), 1u);
}

TEST(LivesyncBatcher, TaggedPacketsLeaveRoomForTheTag) {
    ManualClock clock;
    PeerBatcher b({.max_datagram = 200, .tagged = true, .flush_delay = 1h}, clock);
    for (std::uint8_t i = 1; i <= 5; ++i)
        ASSERT_TRUE(b.add(change(i)));  // (200-32-16)/28 = 5
    auto ready = b.take_ready();
    ASSERT_EQ(ready.size(), 1u);
    EXPECT_LE(ready.front().size() + tag_size, 200u);
}

TEST(LivesyncBatcher, IPv4AndIPv6GoToSeparatePackets) {
    ManualClock clock;
    PeerBatcher b({}, clock);
    ASSERT_TRUE(b.add(change(1)));
    ASSERT_TRUE(b.add(change(2, true)));
    auto ready = b.take_ready(true);
    ASSERT_EQ(ready.size(), 2u);
    EXPECT_NE(ready[0].type(), ready[1].type());
}

TEST(LivesyncBatcher, SuppressesUnchangedReannouncesUntilTheResyncInterval) {
    ManualClock clock;
    PeerBatcher b({.resync_interval = 5min}, clock);
    auto c = change(1);
    ASSERT_TRUE(b.add(c));
    c.is_new_peer = false;
    EXPECT_FALSE(b.add(c));  // plain re-announce, nothing changed
    clock.advance(4min);
    EXPECT_FALSE(b.add(c));
    c.seeding = true;  // leecher -> seeder
    EXPECT_TRUE(b.add(c));
    EXPECT_FALSE(b.add(c));
    auto done = c;
    done.completed_first_time = true;
    EXPECT_TRUE(b.add(done));
    clock.advance(5min);
    EXPECT_TRUE(b.add(c));  // last synced long ago: refresh the receivers
    auto stop = c;
    stop.stopped = true;
    EXPECT_TRUE(b.add(stop));
    EXPECT_EQ(b.tracked_peers(), 0u);
    EXPECT_TRUE(b.add(c));  // after a stop the peer is unknown again

    auto ready = b.take_ready(true);
    ASSERT_EQ(ready.size(), 1u);
    auto recs = records_of(std::move(ready.front()));
    ASSERT_EQ(recs.size(), 6u);
    EXPECT_EQ(recs[0].flags, 0);
    EXPECT_EQ(recs[1].flags, peer_flags::seeding);
    EXPECT_EQ(recs[2].flags, peer_flags::seeding | peer_flags::complete);
    EXPECT_EQ(recs[3].flags, peer_flags::seeding);
    EXPECT_EQ(recs[4].flags, peer_flags::seeding | peer_flags::stopped);
    EXPECT_EQ(recs[5].flags, peer_flags::seeding);
}

TEST(LivesyncBatcher, ExpiredEntriesArePrunedAndTheTableIsBounded) {
    ManualClock clock;
    PeerBatcher b({.resync_interval = 1min, .max_tracked_peers = 3}, clock);
    for (std::uint8_t i = 1; i <= 5; ++i)
        ASSERT_TRUE(b.add(change(i)));
    EXPECT_EQ(b.tracked_peers(), 3u);
    clock.advance(2min);
    ASSERT_TRUE(b.add(change(9)));
    EXPECT_EQ(b.tracked_peers(), 1u);
}

TEST(LivesyncBatcher, ZonePlacedPeersGoInZonePacketsAndZoneChangesAreSynced) {
    ManualClock clock;
    PeerBatcher b({.flush_delay = 0ms}, clock);
    LocalPeerChange c = change(1);
    tracker::zones::MemberInfo info;
    info.zone = *tracker::zones::ZoneName::parse("a");
    info.aware = true;
    c.zone = info;
    ASSERT_TRUE(b.add(c));
    ASSERT_TRUE(b.add(change(2)));  // zone-blind: a PEER4 packet of its own
    auto ready = b.take_ready();
    ASSERT_EQ(ready.size(), 2u);
    EXPECT_EQ(ready[0].type(), PacketType::peer4);
    EXPECT_EQ(ready[1].type(), PacketType::peer4z);
    EXPECT_EQ(records_of(std::move(ready[1])).at(0).zone, info);
    // The same announce again is redundant; becoming a candidate is not (the other
    // instances must elect from the same data).
    c.is_new_peer = false;
    EXPECT_FALSE(b.add(c));
    info.candidate = true;
    c.zone = info;
    EXPECT_TRUE(b.add(c));
}

}  // namespace
}  // namespace aciswarm::livesync
