// Livesync between three in-process instances over real UDP sockets, inside a
// network namespace this test process creates (unshare), so multicast never
// leaves the machine: lo is brought up with multicast routes on it.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.hpp"
#include "tests/integration/livesync/fake_swarm.hpp"
#include "tests/integration/livesync/private_netns.hpp"
#include "tests/support/process.hpp"
#include "tracker/livesync/livesync.hpp"

namespace aciswarm::livesync {
namespace {

using namespace std::chrono_literals;
using test::FakeSwarm;

InfoHash hash_of(std::uint8_t n) {
    InfoHash h;
    for (std::size_t i = 0; i < InfoHash::size_bytes; ++i)
        h.data()[i] = static_cast<std::uint8_t>(n * 7 + i);
    return h;
}

SyncKey key_of(char c) {
    return *SyncKey::from_bytes(std::vector<std::uint8_t>(32, static_cast<std::uint8_t>(c)));
}

struct Node {
    FakeSwarm swarm;
    std::unique_ptr<LiveSync> sync;
};

// IPv6 tests need the veth pair: lo does not loop IPv6 multicast back.
class LivesyncSockets : public aciswarm::test::PrivateNetnsTest {
  protected:
    LivesyncSockets() : PrivateNetnsTest(/*ipv6_veth=*/true) {}

    LiveSyncConfig multicast_config(bool v6) {
        LiveSyncConfig c;
        if (v6) {
            c.group = *PeerEndpoint::parse("[ff02::4242]:9696");
            c.iface = "fd00:4242::1";
            c.allow = {*Cidr::parse("fd00:4242::/64")};
        } else {
            c.iface = "127.0.0.1";
            c.allow = {*Cidr::parse("127.0.0.0/8")};
        }
        c.flush_delay = 20ms;
        return c;
    }

    LiveSyncConfig unicast_config(int self, int count) {
        LiveSyncConfig c;
        c.bind = PeerEndpoint::v4({127, 0, 0, static_cast<std::uint8_t>(self)}, 9696);
        for (int i = 1; i <= count; ++i) {
            if (i != self) c.peers.push_back("127.0.0." + std::to_string(i) + ":9696");
        }
        c.key = key_of('k');
        c.flush_delay = 20ms;
        return c;
    }

    void start(Node& n, LiveSyncConfig config) {
        auto s = LiveSync::start(std::move(config), n.swarm, clock_, log_);
        ASSERT_TRUE(s) << s.error().message;
        n.sync = std::move(*s);
    }

    SystemClock clock_;
    Logger log_{"livesync-test", LogLevel::warn};
};

LocalPeerChange announce(std::uint8_t torrent, const PeerEndpoint& peer) {
    LocalPeerChange c;
    c.info_hash = hash_of(torrent);
    c.peer = peer;
    c.is_new_peer = true;
    return c;
}

void peers_propagate(std::array<Node, 3>& nodes, const PeerEndpoint& peer) {
    auto& [a, b, c] = nodes;
    const InfoHash h = hash_of(1);
    const auto has_peer = [&](FakeSwarm& s, bool seeding) {
        return s.wait_for(
            [&](const auto& t) {
                auto it = t.find(h);
                if (it == t.end()) return false;
                auto p = it->second.peers.find(peer);
                return p != it->second.peers.end() && p->second == seeding;
            },
            2s);
    };
    a.sync->on_local_peer_change(announce(1, peer));
    EXPECT_TRUE(has_peer(b.swarm, false)) << "B did not get the peer within 2 s";
    EXPECT_TRUE(has_peer(c.swarm, false)) << "C did not get the peer within 2 s";

    // Completed: seeding on B and C, counted once each.
    auto done = announce(1, peer);
    done.is_new_peer = false;
    done.seeding = true;
    done.completed_first_time = true;
    a.sync->on_local_peer_change(done);
    EXPECT_TRUE(has_peer(b.swarm, true));
    EXPECT_TRUE(has_peer(c.swarm, true));
    EXPECT_EQ(b.swarm.downloaded(h), 1u);
    EXPECT_EQ(c.swarm.downloaded(h), 1u);
    // A plain re-announce is not re-sent, so the complete is never counted twice.
    auto again = done;
    again.completed_first_time = false;
    a.sync->on_local_peer_change(again);
    EXPECT_EQ(a.sync->counters().peers_suppressed.load(), 1u);

    // Stopped propagates.
    auto stop = again;
    stop.stopped = true;
    a.sync->on_local_peer_change(stop);
    for (FakeSwarm* s : {&b.swarm, &c.swarm}) {
        EXPECT_TRUE(s->wait_for(
            [&](const auto& t) {
                auto it = t.find(h);
                return it != t.end() && !it->second.peers.contains(peer);
            },
            2s))
            << "stop did not propagate";
        EXPECT_EQ(s->downloaded(h), 1u);
    }
    // Receivers never rebroadcast: A applied nothing, and B and C queued no peer
    // record. They did send their start INQUIRE, and may have answered another's start
    // INQUIRE with a TELL when it arrived after A's peer (the order of start-up packets
    // is the scheduler's), so their packet count is not a fixed number.
    EXPECT_EQ(a.swarm.applied(), 0u);
    EXPECT_EQ(b.sync->counters().peers_queued.load(), 0u);
    EXPECT_EQ(c.sync->counters().peers_queued.load(), 0u);
    EXPECT_GE(b.sync->counters().sent.load(), 1u);
    EXPECT_GE(c.sync->counters().sent.load(), 1u);
    EXPECT_GT(a.sync->counters().sent.load(), 0u);
}

TEST_F(LivesyncSockets, MulticastIPv4PeersStoppedAndCompletesPropagate) {
    std::array<Node, 3> nodes;
    for (auto& n : nodes)
        ASSERT_NO_FATAL_FAILURE(start(n, multicast_config(false)));
    peers_propagate(nodes, PeerEndpoint::v4({10, 1, 2, 3}, 6881));
    // The sender hears its own multicast and drops it by instance id; it accepted the
    // start inquires of the other two (and any TELL they answered a later inquire with).
    EXPECT_GT(nodes[0].sync->counters().own.load(), 0u);
    EXPECT_GE(nodes[0].sync->counters().accepted.load(), 2u);
}

TEST_F(LivesyncSockets, MulticastIPv6GroupSyncsIPv6Peers) {
    std::array<Node, 3> nodes;
    for (auto& n : nodes)
        ASSERT_NO_FATAL_FAILURE(start(n, multicast_config(true)));
    peers_propagate(nodes, *PeerEndpoint::parse("[2001:db8::7]:51413"));
}

TEST_F(LivesyncSockets, UnicastWithKeyAndIPv6Peers) {
    std::array<Node, 3> nodes;
    for (int i = 0; i < 3; ++i)
        ASSERT_NO_FATAL_FAILURE(start(nodes[i], unicast_config(i + 1, 3)));
    peers_propagate(nodes, *PeerEndpoint::parse("[2001:db8::9]:6881"));
}

// A raw sender standing in for a fourth instance or an attacker.
class RawSender {
  public:
    explicit RawSender(std::array<std::uint8_t, 4> from) {
        fd_ = socket(AF_INET, SOCK_DGRAM, 0);
        sockaddr_storage ss{};
        const auto len = PeerEndpoint::v4(from, 0).to_sockaddr(ss);
        EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&ss), static_cast<socklen_t>(len)), 0);
    }
    ~RawSender() { ::close(fd_); }
    void send(std::span<const std::uint8_t> bytes, const PeerEndpoint& to) {
        sockaddr_storage ss{};
        const auto len = to.to_sockaddr(ss);
        ASSERT_EQ(::sendto(fd_, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&ss),
                           static_cast<socklen_t>(len)),
                  static_cast<ssize_t>(bytes.size()));
    }

  private:
    int fd_ = -1;
};

std::vector<std::uint8_t> peer_packet(Sealer& sealer, std::uint8_t torrent) {
    PacketBuilder b(PacketType::peer4, default_max_datagram, sealer.tagged());
    EXPECT_TRUE(
        b.add_peer(PeerRecord{hash_of(torrent), PeerEndpoint::v4({10, 9, 9, torrent}, 1), 0, {}}));
    return sealer.seal(std::move(b));
}

TEST_F(LivesyncSockets, ForgedTruncatedOversizeReplayedAndWrongKeyPacketsAreCounted) {
    Node b;
    ASSERT_NO_FATAL_FAILURE(start(b, unicast_config(2, 3)));
    const PeerEndpoint to = PeerEndpoint::v4({127, 0, 0, 2}, 9696);
    RawSender raw({127, 0, 0, 1});
    Sealer good(0x4444, key_of('k'), clock_);
    Sealer wrong(0x5555, key_of('x'), clock_);
    Sealer keyless(0x6666, std::nullopt, clock_);
    ManualClock past;  // 2026-01-01, far from now
    Sealer stale(0x7777, key_of('k'), past);

    const auto first = peer_packet(good, 1);
    raw.send(first, to);
    raw.send(first, to);                    // replayed
    raw.send(peer_packet(wrong, 2), to);    // wrong key
    raw.send(peer_packet(keyless, 3), to);  // forged: no tag
    auto forged = peer_packet(good, 4);
    forged[0x20 + 20] ^= 0xff;  // address changed after tagging
    raw.send(forged, to);
    auto truncated = peer_packet(good, 5);
    truncated.resize(truncated.size() - 3);
    raw.send(truncated, to);
    std::vector<std::uint8_t> oversize(2000, 0);
    raw.send(oversize, to);
    raw.send(peer_packet(stale, 6), to);
    // A last good packet: once it is applied, everything before it was handled.
    raw.send(peer_packet(good, 7), to);
    ASSERT_TRUE(b.swarm.wait_for([](const auto& t) { return t.contains(hash_of(7)); }, 5s));

    const auto& c = b.sync->counters();
    EXPECT_EQ(c.accepted.load(), 2u);
    EXPECT_EQ(c.rejected_replay.load(), 1u);
    EXPECT_EQ(c.rejected_bad_tag.load(), 3u);
    EXPECT_EQ(c.rejected_malformed.load(), 2u);
    EXPECT_EQ(c.rejected_stale.load(), 1u);
    EXPECT_EQ(b.swarm.applied(), 2u);
    for (std::uint8_t t : {2, 3, 4, 5, 6})
        EXPECT_EQ(b.swarm.downloaded(hash_of(t)), 0u);
    EXPECT_FALSE(b.swarm.peer_seeding(hash_of(2), PeerEndpoint::v4({10, 9, 9, 2}, 1)));
    const auto metrics = b.sync->metrics();
    EXPECT_NE(metrics.find("aciswarm_tracker_livesync_rejected_bad_tag_total 3"), std::string::npos)
        << metrics;
}

TEST_F(LivesyncSockets, WithoutAKeyOnlyAllowedSendersAreApplied) {
    Node b;
    auto config = unicast_config(2, 3);
    config.key.reset();
    config.allow = {*Cidr::parse("127.0.0.1/32")};
    ASSERT_NO_FATAL_FAILURE(start(b, config));
    const PeerEndpoint to = PeerEndpoint::v4({127, 0, 0, 2}, 9696);
    Sealer s(0x4444, std::nullopt, clock_);
    RawSender outsider({127, 0, 0, 9});
    outsider.send(peer_packet(s, 1), to);
    RawSender member({127, 0, 0, 1});
    member.send(peer_packet(s, 2), to);
    ASSERT_TRUE(b.swarm.wait_for([](const auto& t) { return t.contains(hash_of(2)); }, 5s));
    EXPECT_EQ(b.sync->counters().rejected_not_allowed.load(), 1u);
    EXPECT_EQ(b.swarm.peer_seeding(hash_of(1), PeerEndpoint::v4({10, 9, 9, 1}, 1)), std::nullopt);
}

TEST_F(LivesyncSockets, ScrapeCountsConvergeAfterALateStart) {
    std::array<Node, 3> nodes;
    auto& [a, b, c] = nodes;
    // A has 40 torrents with counts; B knows one count better than A.
    for (std::uint8_t i = 1; i <= 40; ++i)
        a.swarm.set_downloaded(hash_of(i), i * 10u);
    b.swarm.set_downloaded(hash_of(3), 999);
    const auto fast = [](LiveSyncConfig cfg) {
        cfg.scrape = {.beacon_after = 50ms,
                      .beacon_interval = 100ms,
                      .inquire_wait = 150ms,
                      .tell_backoff = 500ms};
        return cfg;
    };
    ASSERT_NO_FATAL_FAILURE(start(a, fast(unicast_config(1, 3))));
    ASSERT_NO_FATAL_FAILURE(start(b, fast(unicast_config(2, 3))));
    // C starts later and empty; B (1 torrent) and C both want A's counts.
    ASSERT_NO_FATAL_FAILURE(start(c, fast(unicast_config(3, 3))));
    const auto converged = [&](FakeSwarm& s) {
        return s.wait_for(
            [&](const auto& t) {
                for (std::uint8_t i = 1; i <= 40; ++i) {
                    auto it = t.find(hash_of(i));
                    const std::uint64_t want = i == 3 ? 999 : i * 10u;
                    if (it == t.end() || it->second.downloaded != want) return false;
                }
                return true;
            },
            10s);
    };
    EXPECT_TRUE(converged(c.swarm)) << "C did not get A's and B's counts";
    EXPECT_TRUE(converged(b.swarm)) << "B did not get A's counts";
    EXPECT_TRUE(converged(a.swarm)) << "A did not learn B's larger count";
    EXPECT_GT(c.sync->counters().tells_applied.load(), 0u);
}

}  // namespace
}  // namespace aciswarm::livesync
