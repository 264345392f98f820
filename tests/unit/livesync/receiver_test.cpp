#include <gtest/gtest.h>

#include "tests/support/temp_dir.hpp"
#include "tests/unit/livesync/sealed_packets.hpp"
#include "tracker/livesync/auth.hpp"
#include "tracker/livesync/receiver.hpp"

namespace aciswarm::livesync {
namespace {

using namespace std::chrono_literals;

using test_packets::beacon_from;
using test_packets::key_of;

const PeerEndpoint source = PeerEndpoint::v4({127, 0, 0, 2}, 9696);

TEST(LivesyncKey, LoadsAFileAndRejectsShortKeys) {
    test::TempDir dir;
    test::write_file(dir / "key", "0123456789abcdef0123\n");
    auto k = SyncKey::load(dir / "key");
    ASSERT_TRUE(k) << k.error().message;
    test::write_file(dir / "short", "tooshort\n");
    auto s = SyncKey::load(dir / "short");
    ASSERT_FALSE(s);
    EXPECT_NE(s.error().message.find("short"), std::string::npos);
    EXPECT_NE(s.error().message.find("at least 16"), std::string::npos);
    EXPECT_FALSE(SyncKey::load(dir / "missing"));
    // The trailing newline is not part of the key.
    std::string raw = "0123456789abcdef0123";
    auto direct = SyncKey::from_bytes(
        std::span(reinterpret_cast<const std::uint8_t*>(raw.data()), raw.size()));
    const std::vector<std::uint8_t> msg = {1, 2, 3};
    EXPECT_EQ(k->tag(msg), direct->tag(msg));
}

TEST(LivesyncKey, TagIsTruncatedHmacSha256) {
    // RFC 4231 test case 2: key "Jefe" is too short for SyncKey, so use case 1's shape:
    // HMAC-SHA256(key = 0x0b * 20, "Hi There") = b0344c61d8db38535ca8afceaf0bf12b...
    std::vector<std::uint8_t> key(20, 0x0b);
    const std::string msg = "Hi There";
    auto k = SyncKey::from_bytes(key);
    ASSERT_TRUE(k);
    const auto t = k->tag(std::span(reinterpret_cast<const std::uint8_t*>(msg.data()), msg.size()));
    const std::array<std::uint8_t, 16> want = {0xb0, 0x34, 0x4c, 0x61, 0xd8, 0xdb, 0x38, 0x53,
                                               0x5c, 0xa8, 0xaf, 0xce, 0xaf, 0x0b, 0xf1, 0x2b};
    EXPECT_EQ(t, want);
}

TEST(LivesyncInstanceId, ComesFromTheOsRandomSource) {
    auto a = random_instance_id();
    auto b = random_instance_id();
    ASSERT_TRUE(a && b);
    EXPECT_NE(*a, 0u);
    EXPECT_NE(*a, *b);  // 2^-64 chance of a false failure
}

TEST(LivesyncCidr, MatchesRanges) {
    auto c = Cidr::parse("10.1.0.0/16");
    ASSERT_TRUE(c);
    EXPECT_TRUE(c->contains(PeerEndpoint::v4({10, 1, 200, 3}, 1)));
    EXPECT_FALSE(c->contains(PeerEndpoint::v4({10, 2, 0, 1}, 1)));
    auto mapped = PeerEndpoint::parse("[::ffff:10.1.2.3]:5");
    ASSERT_TRUE(mapped);
    EXPECT_TRUE(c->contains(*mapped));
    auto one = Cidr::parse("127.0.0.1");
    ASSERT_TRUE(one);
    EXPECT_TRUE(one->contains(PeerEndpoint::v4({127, 0, 0, 1}, 1)));
    EXPECT_FALSE(one->contains(PeerEndpoint::v4({127, 0, 0, 2}, 1)));
    auto v6 = Cidr::parse("fd00::/8");
    ASSERT_TRUE(v6);
    EXPECT_TRUE(v6->contains(*PeerEndpoint::parse("[fd12::1]:1")));
    EXPECT_FALSE(v6->contains(*PeerEndpoint::parse("[fe80::1]:1")));
    EXPECT_FALSE(v6->contains(PeerEndpoint::v4({10, 0, 0, 1}, 1)));
    auto odd = Cidr::parse("10.0.0.0/9");
    ASSERT_TRUE(odd);
    EXPECT_TRUE(odd->contains(PeerEndpoint::v4({10, 127, 0, 1}, 1)));
    EXPECT_FALSE(odd->contains(PeerEndpoint::v4({10, 128, 0, 1}, 1)));
    EXPECT_FALSE(Cidr::parse("10.0.0.0/33"));
    EXPECT_FALSE(Cidr::parse("10.0.0.0/"));
    auto bad = Cidr::parse("nonsense/8");
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("nonsense"), std::string::npos);
}

struct LivesyncReceive : ::testing::Test {
    ManualClock clock;
    Counters counters;
};

TEST_F(LivesyncReceive, KeyedAcceptsGoodTagsAndCountsEveryRejection) {
    ReceiveFilter filter({.self = 1, .key = key_of('k')}, clock, counters);
    Sealer peer(2, key_of('k'), clock);
    Sealer forger(2, key_of('x'), clock);
    Sealer keyless(3, std::nullopt, clock);

    auto good = beacon_from(peer);
    EXPECT_EQ(filter.check(good, source).verdict, Verdict::accepted);
    EXPECT_EQ(counters.accepted, 1u);
    EXPECT_EQ(filter.check(good, source).verdict, Verdict::replay);  // same bytes again
    EXPECT_EQ(counters.rejected_replay, 1u);

    EXPECT_EQ(filter.check(beacon_from(forger), source).verdict, Verdict::bad_tag);
    EXPECT_EQ(filter.check(beacon_from(keyless), source).verdict, Verdict::bad_tag);
    auto flipped = beacon_from(peer);
    flipped[0x20] ^= 1;  // body changed after tagging
    EXPECT_EQ(filter.check(flipped, source).verdict, Verdict::bad_tag);
    EXPECT_EQ(counters.rejected_bad_tag, 3u);

    auto truncated = beacon_from(peer);
    truncated.pop_back();
    EXPECT_EQ(filter.check(truncated, source).verdict, Verdict::malformed);
    std::vector<std::uint8_t> oversize(default_max_datagram + 1, 0);
    EXPECT_EQ(filter.check(oversize, source, default_max_datagram).verdict, Verdict::malformed);
    EXPECT_EQ(counters.rejected_malformed, 2u);

    Sealer self(1, key_of('k'), clock);
    EXPECT_EQ(filter.check(beacon_from(self), source).verdict, Verdict::own);
    EXPECT_EQ(counters.own, 1u);
    EXPECT_EQ(counters.accepted, 1u);
}

TEST_F(LivesyncReceive, ForgedPacketsDoNotMoveTheReplayWindow) {
    ReceiveFilter filter({.self = 1, .key = key_of('k')}, clock, counters);
    Sealer peer(2, key_of('k'), clock);
    Sealer forger(2, key_of('x'), clock);
    // The forger burns sequence numbers 1..100 under the peer's id.
    for (int i = 0; i < 100; ++i)
        (void)filter.check(beacon_from(forger), source);
    EXPECT_EQ(counters.rejected_bad_tag, 100u);
    EXPECT_EQ(filter.check(beacon_from(peer), source).verdict, Verdict::accepted);
}

TEST_F(LivesyncReceive, ReplayWindowAcceptsReorderingButNotRepeats) {
    ReceiveFilter filter({.self = 1, .key = key_of('k')}, clock, counters);
    Sealer peer(2, key_of('k'), clock);
    std::vector<std::vector<std::uint8_t>> packets;
    for (int i = 0; i < 100; ++i)
        packets.push_back(beacon_from(peer));  // seq 1..100
    // Arrive out of order: 50, then 20..49 (within the 64 window), then 51..100.
    EXPECT_EQ(filter.check(packets[49], source).verdict, Verdict::accepted);
    for (int i = 19; i < 49; ++i)
        EXPECT_EQ(filter.check(packets[i], source).verdict, Verdict::accepted);
    for (int i = 50; i < 100; ++i)
        EXPECT_EQ(filter.check(packets[i], source).verdict, Verdict::accepted);
    // Every repeat is a replay, and so is anything older than the window.
    EXPECT_EQ(filter.check(packets[99], source).verdict, Verdict::replay);
    EXPECT_EQ(filter.check(packets[60], source).verdict, Verdict::replay);
    EXPECT_EQ(filter.check(packets[5], source).verdict, Verdict::replay);  // 95 behind
    EXPECT_EQ(counters.accepted, 81u);
    EXPECT_EQ(counters.rejected_replay, 3u);
}

TEST_F(LivesyncReceive, StalePacketsAreDroppedByTimestamp) {
    ReceiveFilter filter({.self = 1, .key = key_of('k'), .max_age = 30s}, clock, counters);
    Sealer peer(2, key_of('k'), clock);
    auto old = beacon_from(peer);
    clock.advance(31s);
    EXPECT_EQ(filter.check(old, source).verdict, Verdict::stale);
    EXPECT_EQ(counters.rejected_stale, 1u);
    // A sender whose clock runs ahead by more than max_age is stale too.
    ManualClock ahead;
    ahead.advance(31s + 31s + 31s);
    Sealer future(3, key_of('k'), ahead);
    EXPECT_EQ(filter.check(beacon_from(future), source).verdict, Verdict::stale);
    EXPECT_EQ(counters.rejected_stale, 2u);
    // Within the window both ways is fine.
    ManualClock near;
    near.advance(31s + 10s);
    Sealer close(4, key_of('k'), near);
    EXPECT_EQ(filter.check(beacon_from(close), source).verdict, Verdict::accepted);
}

TEST_F(LivesyncReceive, WithoutAKeyOnlyAllowedSendersAreAccepted) {
    ReceiveFilter filter({.self = 1, .allow = {*Cidr::parse("127.0.0.0/8")}}, clock, counters);
    Sealer peer(2, std::nullopt, clock);
    EXPECT_EQ(filter.check(beacon_from(peer), source).verdict, Verdict::accepted);
    EXPECT_EQ(filter.check(beacon_from(peer), PeerEndpoint::v4({192, 0, 2, 1}, 9696)).verdict,
              Verdict::not_allowed);
    EXPECT_EQ(counters.rejected_not_allowed, 1u);
    // A keyed sender is a configuration mismatch, not silently accepted.
    Sealer keyed(3, key_of('k'), clock);
    EXPECT_EQ(filter.check(beacon_from(keyed), source).verdict, Verdict::bad_tag);
    // No key and no allow list: nobody.
    ReceiveFilter closed({.self = 1}, clock, counters);
    EXPECT_EQ(closed.check(beacon_from(peer), source).verdict, Verdict::not_allowed);
}

TEST_F(LivesyncReceive, SenderTableIsBounded) {
    ReceiveFilter filter({.self = 1, .key = key_of('k'), .max_senders = 4}, clock, counters);
    for (InstanceId id = 10; id < 30; ++id) {
        Sealer s(id, key_of('k'), clock);
        EXPECT_EQ(filter.check(beacon_from(s), source).verdict, Verdict::accepted);
        clock.advance(1ms);
        EXPECT_LE(filter.tracked_senders(), 4u);
    }
    EXPECT_EQ(counters.accepted, 20u);
}

// A key holder's packet with any sequence number (re-tagged with the key).
std::vector<std::uint8_t> with_sequence(std::vector<std::uint8_t> packet, const SyncKey& key,
                                        std::uint64_t sequence) {
    for (int i = 0; i < 8; ++i)
        packet[0x10 + i] = static_cast<std::uint8_t>(sequence >> (56 - 8 * i));
    const auto tag = key.tag(std::span(packet.data(), packet.size() - tag_size));
    std::copy(tag.begin(), tag.end(), packet.end() - tag_size);
    return packet;
}

// Issue 13 item 16: a key holder elsewhere pushed instance 2's window to 2^63 by claiming
// its id; every real packet of instance 2 was then dropped as a replay.
TEST_F(LivesyncReceive, ReplayWindowIsBoundToTheSendersAddress) {
    ReceiveFilter filter({.self = 1, .key = key_of('k')}, clock, counters);
    Sealer victim(2, key_of('k'), clock);
    EXPECT_EQ(filter.check(beacon_from(victim), source).verdict, Verdict::accepted);
    const PeerEndpoint elsewhere = PeerEndpoint::v4({127, 0, 0, 9}, 9696);
    Sealer claimer(2, key_of('k'), clock);
    auto pushed = with_sequence(beacon_from(claimer), key_of('k'), std::uint64_t{1} << 63);
    (void)filter.check(pushed, elsewhere);
    for (int i = 0; i < 10; ++i)
        EXPECT_EQ(filter.check(beacon_from(victim), source).verdict, Verdict::accepted) << i;
}

TEST_F(LivesyncReceive, SequenceJumpIsBounded) {
    ReceiveFilter filter({.self = 1, .key = key_of('k'), .max_age = 30s}, clock, counters);
    Sealer peer(2, key_of('k'), clock);
    EXPECT_EQ(filter.check(beacon_from(peer), source).verdict, Verdict::accepted);  // seq 1
    // Even from the sender's own address a key holder cannot jump the window far ahead.
    auto far = with_sequence(beacon_from(peer), key_of('k'), 1 + (std::uint64_t{1} << 16) + 2);
    EXPECT_EQ(filter.check(far, source).verdict, Verdict::replay);
    EXPECT_EQ(filter.check(beacon_from(peer), source).verdict, Verdict::accepted);  // seq 3
    auto near = with_sequence(beacon_from(peer), key_of('k'), 3 + (std::uint64_t{1} << 16));
    EXPECT_EQ(filter.check(near, source).verdict, Verdict::accepted);
    // A window quiet for longer than max_age may restart anywhere (after a long partition).
    clock.advance(31s);
    Sealer later(2, key_of('k'), clock);
    auto restart = with_sequence(beacon_from(later), key_of('k'), std::uint64_t{1} << 40);
    EXPECT_EQ(filter.check(restart, source).verdict, Verdict::accepted);
}

TEST(LivesyncPeers, SyncedPeersAreHeldToWhatAnAnnounceCouldProduce) {
    const PeerEndpoint remote_sender = PeerEndpoint::v4({10, 0, 0, 2}, 9696);
    const PeerEndpoint local_sender = PeerEndpoint::v4({127, 0, 0, 2}, 9696);
    auto refusal = [](const char* peer, const PeerEndpoint& sender) {
        return synced_peer_refusal(*PeerEndpoint::parse(peer), sender);
    };
    for (const char* ok : {"10.1.2.3:6881", "192.0.2.7:1", "[2001:db8::1]:6881", "[fd00::5]:80"}) {
        EXPECT_EQ(refusal(ok, remote_sender), "") << ok;
    }
    const std::vector<std::pair<const char*, const char*>> refused = {
        {"10.1.2.3:0", "port 0"},         {"0.0.0.0:6881", "unspecified"},
        {"0.1.2.3:6881", "unspecified"},  {"255.255.255.255:6881", "broadcast"},
        {"224.0.0.1:6881", "multicast"},  {"239.255.255.250:1900", "multicast"},
        {"240.0.0.1:6881", "reserved"},   {"169.254.169.254:80", "link-local"},
        {"[::]:6881", "unspecified"},     {"[ff02::1]:6881", "multicast"},
        {"[fe80::1]:6881", "link-local"}, {"[::ffff:224.0.0.1]:6881", "multicast"},
        {"127.0.0.1:6881", "loopback"},   {"[::1]:6881", "loopback"},
    };
    for (const auto& [peer, why] : refused) {
        EXPECT_NE(refusal(peer, remote_sender).find(why), std::string::npos) << peer;
    }
    // Loopback peers are what an announce to a tracker on the same host produces.
    EXPECT_EQ(refusal("127.0.0.1:6881", local_sender), "");
    EXPECT_EQ(refusal("[::1]:6881",
                      PeerEndpoint::v6({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 9696)),
              "");
}

TEST(LivesyncKey, WarnsWhenOthersCanReadTheKeyFile) {
    test::TempDir dir;
    test::write_file(dir / "key", "0123456789abcdef0123\n");
    std::filesystem::permissions(
        dir / "key", std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
                         std::filesystem::perms::group_read | std::filesystem::perms::others_read);
    const auto warning = key_file_exposure(dir / "key");
    EXPECT_NE(warning.find((dir / "key").string()), std::string::npos) << warning;
    EXPECT_NE(warning.find("0644"), std::string::npos) << warning;
    std::filesystem::permissions(
        dir / "key", std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    EXPECT_EQ(key_file_exposure(dir / "key"), "");
}

TEST(LivesyncCounters, PrometheusLinesNameEveryRejection) {
    Counters c;
    c.rejected_bad_tag = 3;
    const auto text = c.prometheus("x_");
    EXPECT_NE(text.find("x_rejected_bad_tag_total 3\n"), std::string::npos);
    for (const char* name : {"accepted_total", "sent_total", "rejected_replay_total",
                             "rejected_stale_total", "peers_applied_total", "peers_refused_total",
                             "rejected_malformed_total", "rejected_not_allowed_total"}) {
        EXPECT_NE(text.find(std::string("x_") + name + " 0\n"), std::string::npos) << name;
    }
}

}  // namespace
}  // namespace aciswarm::livesync
