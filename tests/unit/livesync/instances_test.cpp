#include "tracker/livesync/instances.hpp"

#include <gtest/gtest.h>

#include "tests/unit/livesync/sealed_packets.hpp"

namespace aciswarm::livesync {
namespace {

using namespace std::chrono_literals;

using test_packets::beacon_from;
using test_packets::key_of;

PeerEndpoint address(std::uint8_t last) {
    return PeerEndpoint::v4({127, 0, 0, last}, 9696);
}

std::vector<std::uint8_t> peers_from(Sealer& sealer, std::size_t count) {
    PacketBuilder b(PacketType::peer4, default_max_datagram, sealer.tagged());
    for (std::size_t i = 0; i < count; ++i) {
        InfoHash h;
        h.data()[0] = static_cast<std::uint8_t>(i);
        PeerRecord record;
        record.info_hash = h;
        record.peer = PeerEndpoint::v4({127, 0, 0, 9}, 7000);
        EXPECT_TRUE(b.add_peer(record));
    }
    return sealer.seal(std::move(b));
}

// One receiving instance (id 1, key 'k'): every datagram goes through its filter, then the table.
struct Receiver {
    ManualClock clock;
    Counters counters;
    ReceiveFilter filter{{.self = 1, .key = key_of('k')}, clock, counters};
    InstanceTable table;
    explicit Receiver(std::size_t max_rows = 256) : table(clock, max_rows) {}

    Verdict receive(const std::vector<std::uint8_t>& datagram, const PeerEndpoint& from) {
        Received r = filter.check(datagram, from);
        table.note(r, datagram, from);
        return r.verdict;
    }
};

TEST(InstanceTable, OneRowPerInstanceWithPacketsPeersAndAuthFailures) {
    Receiver rx;
    Sealer a(2, key_of('k'), rx.clock);
    Sealer wrong_key(3, key_of('x'), rx.clock);
    ASSERT_EQ(rx.receive(peers_from(a, 5), address(2)), Verdict::accepted);
    ASSERT_EQ(rx.receive(beacon_from(a), address(2)), Verdict::accepted);
    ASSERT_EQ(rx.receive(beacon_from(wrong_key), address(3)), Verdict::bad_tag);
    rx.clock.advance(3s);
    ASSERT_EQ(rx.receive(beacon_from(wrong_key), address(3)), Verdict::bad_tag);
    const std::vector<std::uint8_t> garbage(40, 0xee);
    ASSERT_EQ(rx.receive(garbage, address(4)), Verdict::malformed);  // names no instance

    const auto rows = rx.table.rows();
    ASSERT_EQ(rows.size(), 2u);
    const InstanceRow& newest = rows[0];  // most recently heard first
    EXPECT_EQ(newest.instance, 3u);
    EXPECT_EQ(newest.address, address(3));
    EXPECT_EQ(newest.auth_failures, 2u);
    EXPECT_EQ(newest.packets, 0u);
    const InstanceRow& synced = rows[1];
    EXPECT_EQ(synced.instance, 2u);
    EXPECT_EQ(synced.packets, 2u);
    EXPECT_EQ(synced.peer_packets, 1u);
    EXPECT_EQ(synced.beacons, 1u);
    EXPECT_EQ(synced.peers_received, 5u);
    EXPECT_EQ(synced.auth_failures, 0u);
    EXPECT_EQ(newest.last_packet - synced.last_packet, 3s);
}

TEST(InstanceTable, ReplaysAndStalePacketsCountOnTheirSendersRow) {
    Receiver rx;
    Sealer a(2, key_of('k'), rx.clock);
    const auto packet = beacon_from(a);
    ASSERT_EQ(rx.receive(packet, address(2)), Verdict::accepted);
    ASSERT_EQ(rx.receive(packet, address(2)), Verdict::replay);
    ManualClock past;
    Sealer old(2, key_of('k'), past);
    rx.clock.advance(5min);
    ASSERT_EQ(rx.receive(beacon_from(old), address(2)), Verdict::stale);
    const auto rows = rx.table.rows();
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].packets, 1u);
    EXPECT_EQ(rows[0].replayed, 1u);
    EXPECT_EQ(rows[0].stale, 1u);
}

TEST(InstanceTable, ForgedIdsCannotPushRealInstancesOut) {
    Receiver rx(2);
    Sealer a(2, key_of('k'), rx.clock);
    ASSERT_EQ(rx.receive(beacon_from(a), address(2)), Verdict::accepted);
    for (InstanceId id = 10; id < 20; ++id) {
        Sealer forger(id, key_of('x'), rx.clock);
        rx.clock.advance(1s);
        ASSERT_EQ(rx.receive(beacon_from(forger), address(5)), Verdict::bad_tag);
    }
    auto rows = rx.table.rows();
    ASSERT_EQ(rows.size(), 2u);  // the real instance and the first forged id, no more
    EXPECT_EQ(rows[1].instance, 2u);
    EXPECT_EQ(rows[0].instance, 10u);
    // A new real instance takes the row of one that was never accepted.
    Sealer b(4, key_of('k'), rx.clock);
    ASSERT_EQ(rx.receive(beacon_from(b), address(4)), Verdict::accepted);
    rows = rx.table.rows();
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0].instance, 4u);
    EXPECT_EQ(rows[1].instance, 2u);
}

}  // namespace
}  // namespace aciswarm::livesync
