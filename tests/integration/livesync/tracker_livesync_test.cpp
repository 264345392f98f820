// Three aciswarm-tracker processes with livesync over IPv4 multicast, inside a
// network namespace this test process creates (the children inherit it), so
// multicast never leaves the machine.
#include <gtest/gtest.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <functional>
#include <initializer_list>
#include <libtorrent/bdecode.hpp>
#include <optional>
#include <regex>
#include <thread>

#include "common/url.hpp"
#include "tracker/livesync/auth.hpp"
#include "tracker/livesync/wire.hpp"

#include "tests/integration/livesync/private_netns.hpp"
#include "tests/integration/tracker/tracker_client.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

using namespace aciswarm;
using namespace aciswarm::test;

namespace {

struct Instance {
    Process proc;
    int http = 0;
    std::string base() const { return "http://127.0.0.1:" + std::to_string(http); }
};

Instance start_tracker(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> argv{bin("aciswarm-tracker"),  "--http=127.0.0.1:0",
                                  "--udp=127.0.0.1:0",      "--workers=1",
                                  "--locked=false",         "-v",
                                  "--sync-iface=127.0.0.1", "--sync-allow=127.0.0.0/8",
                                  "--sync-flush-delay=50ms"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    Instance t{Process::spawn(argv)};
    auto m = t.proc.wait_for_stderr(std::regex("listening http 127\\.0\\.0\\.1:([0-9]+)"));
    t.http = m ? std::stoi((*m)[1]) : 0;
    return t;
}

// Fails (fatally) naming the first instance that did not report an HTTP port.
void assert_listening(std::initializer_list<const Instance*> instances) {
    for (const Instance* t : instances)
        ASSERT_NE(t->http, 0) << t->proc.stderr_text();
}

InfoHash hash_of(std::uint8_t n) {
    InfoHash h;
    for (int i = 0; i < 20; ++i)
        h.data()[i] = static_cast<std::uint8_t>(n * 3 + i);
    return h;
}

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

struct ScrapeCounts {
    std::int64_t complete = 0;
    std::int64_t incomplete = 0;
    std::int64_t downloaded = 0;
    bool operator==(const ScrapeCounts&) const = default;
};

std::ostream& operator<<(std::ostream& os, const ScrapeCounts& s) {
    return os << "{complete " << s.complete << ", incomplete " << s.incomplete << ", downloaded "
              << s.downloaded << "}";
}

// One HTTP scrape of `h`; an unknown torrent reads as all zeros, a bad reply as nullopt.
std::optional<ScrapeCounts> scrape(HttpClient& http, const Instance& t, const InfoHash& h) {
    auto r = http.get(t.base() + "/scrape?info_hash=" + percent_encode(h.bytes()));
    if (r.status != 200) return std::nullopt;
    std::vector<char> storage(r.body.begin(), r.body.end());
    lt::error_code ec;
    auto root =
        lt::bdecode(lt::span<const char>(storage.data(), static_cast<int>(storage.size())), ec);
    if (ec || root.type() != lt::bdecode_node::dict_t) return std::nullopt;
    auto files = root.dict_find_dict("files");
    if (!files) return std::nullopt;
    auto entry = files.dict_find_dict(std::string(h.as_chars()));
    if (!entry) return ScrapeCounts{};
    return ScrapeCounts{entry.dict_find_int_value("complete"),
                        entry.dict_find_int_value("incomplete"),
                        entry.dict_find_int_value("downloaded")};
}

// Polls the scrape of `h` on `t` until `done` holds or `deadline` passes; returns the last
// counts seen (the caller asserts on them).
ScrapeCounts poll_scrape(HttpClient& http, const Instance& t, const InfoHash& h,
                         const std::function<bool(const ScrapeCounts&)>& done,
                         std::chrono::milliseconds deadline) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    ScrapeCounts last;
    for (;;) {
        if (auto s = scrape(http, t, h)) {
            last = *s;
            if (done(last)) return last;
        }
        if (std::chrono::steady_clock::now() >= until) return last;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));  // poll interval, not a wait
    }
}

// Each test runs in a network namespace of its own (its trackers inherit it).
class LivesyncTracker : public PrivateNetnsTest {};

TEST_F(LivesyncTracker, AnnounceOnAIsReturnedByBAndCAndStopPropagates) {
    Instance a = start_tracker();
    Instance b = start_tracker();
    Instance c = start_tracker();
    ASSERT_NO_FATAL_FAILURE(assert_listening({&a, &b, &c}));

    HttpClient http;
    const InfoHash h = hash_of(1);
    auto r = http.get(announce_url(a.base(), h, 7001, 100, "&compact=1"));
    ASSERT_EQ(r.status, 200) << r.body;
    const std::regex applied("livesync: applied 1 peer records");
    for (Instance* other : {&b, &c}) {
        ASSERT_TRUE(other->proc.wait_for_stderr(applied, std::chrono::seconds(2)))
            << "the announce on A did not reach another instance within 2 s\n"
            << other->proc.stderr_text() << "\nA:\n"
            << a.proc.stderr_text() << "\nreply: " << r.body;
        auto reply = http.get(announce_url(other->base(), h, 7002, 100, "&compact=1"));
        ASSERT_EQ(reply.status, 200);
        EXPECT_TRUE(contains(reply.body, PeerEndpoint::parse("127.0.0.1:7001")->compact()))
            << "A's peer missing from the reply";
    }
    // B's and C's own announces (port 7002) were synced back to A.
    EXPECT_TRUE(a.proc.wait_for_stderr(applied, std::chrono::seconds(2)));

    // Stopped propagates: after A's peer stops, B no longer returns it.
    r = http.get(announce_url(a.base(), h, 7001, 100, "&compact=1&event=stopped"));
    ASSERT_EQ(r.status, 200);
    // B may still have C's earlier record to log first: check after each applied packet.
    bool gone = false;
    for (int i = 0; i < 3 && !gone; ++i) {
        if (!b.proc.wait_for_stderr(applied, std::chrono::seconds(2))) break;
        auto after = http.get(announce_url(b.base(), h, 7004, 100, "&compact=1"));
        gone = !contains(after.body, PeerEndpoint::parse("127.0.0.1:7001")->compact());
    }
    EXPECT_TRUE(gone) << "A's stop did not reach B";

    auto metrics = http.get(b.base() + "/metrics");
    EXPECT_TRUE(contains(metrics.body, "aciswarm_tracker_livesync_accepted_total")) << metrics.body;
    EXPECT_TRUE(contains(metrics.body, "aciswarm_tracker_livesync_rejected_bad_tag_total 0"));
}

TEST_F(LivesyncTracker, CompletesPropagateOnce) {
    Instance a = start_tracker();
    Instance b = start_tracker();
    Instance c = start_tracker();
    ASSERT_NO_FATAL_FAILURE(assert_listening({&a, &b, &c}));

    HttpClient http;
    const InfoHash h = hash_of(3);
    ASSERT_EQ(http.get(announce_url(a.base(), h, 7001, 100, "&compact=1")).status, 200);
    ASSERT_EQ(http.get(announce_url(a.base(), h, 7001, 0, "&compact=1&event=completed")).status,
              200);
    const ScrapeCounts once{1, 0, 1};
    const auto is_once = [&](const ScrapeCounts& s) { return s == once; };
    EXPECT_EQ(poll_scrape(http, a, h, is_once, std::chrono::seconds(2)), once);
    for (Instance* other : {&b, &c})
        EXPECT_EQ(poll_scrape(http, *other, h, is_once, std::chrono::seconds(2)), once)
            << "the complete on A did not reach another instance once within 2 s\n"
            << other->proc.stderr_text();

    // The same peer completes again: no instance counts it twice. A marker leecher announced
    // afterwards is synced in the same or a later packet, so once B and C show the marker,
    // any record the repeat produced has been applied too.
    ASSERT_EQ(http.get(announce_url(a.base(), h, 7001, 0, "&compact=1&event=completed")).status,
              200);
    ASSERT_EQ(http.get(announce_url(a.base(), h, 7009, 100, "&compact=1")).status, 200);
    const ScrapeCounts with_marker{1, 1, 1};
    const auto has_marker = [](const ScrapeCounts& s) { return s.incomplete == 1; };
    EXPECT_EQ(poll_scrape(http, a, h, has_marker, std::chrono::seconds(2)), with_marker);
    for (Instance* other : {&b, &c})
        EXPECT_EQ(poll_scrape(http, *other, h, has_marker, std::chrono::seconds(2)), with_marker)
            << "a repeated completed announce changed the count, or the marker did not arrive\n"
            << other->proc.stderr_text();
}

TEST_F(LivesyncTracker, ScrapeCountsConvergeAfterALateStart) {
    const std::vector<std::string> fast{"--sync-beacon-after=50ms", "--sync-beacon-interval=100ms",
                                        "--sync-inquire-wait=150ms", "--sync-tell-backoff=500ms"};
    Instance a = start_tracker(fast);
    Instance b = start_tracker(fast);
    ASSERT_NE(a.http, 0) << a.proc.stderr_text();
    ASSERT_NE(b.http, 0) << b.proc.stderr_text();

    // A counts three completes on one torrent and one on another.
    HttpClient http;
    const InfoHash h1 = hash_of(4);
    const InfoHash h2 = hash_of(5);
    for (std::uint16_t port : {7001, 7002, 7003}) {
        ASSERT_EQ(http.get(announce_url(a.base(), h1, port, 100, "&compact=1")).status, 200);
        ASSERT_EQ(
            http.get(announce_url(a.base(), h1, port, 0, "&compact=1&event=completed")).status,
            200);
    }
    ASSERT_EQ(http.get(announce_url(a.base(), h2, 7004, 100, "&compact=1")).status, 200);
    ASSERT_EQ(http.get(announce_url(a.base(), h2, 7004, 0, "&compact=1&event=completed")).status,
              200);
    const auto downloaded_is = [](std::int64_t n) {
        return [n](const ScrapeCounts& s) { return s.downloaded == n; };
    };
    ASSERT_EQ(poll_scrape(http, a, h1, downloaded_is(3), std::chrono::seconds(2)).downloaded, 3);
    ASSERT_EQ(poll_scrape(http, a, h2, downloaded_is(1), std::chrono::seconds(2)).downloaded, 1);

    // B has them once A's peer packets went out: only then start C.
    ASSERT_EQ(poll_scrape(http, b, h1, downloaded_is(3), std::chrono::seconds(2)).downloaded, 3)
        << b.proc.stderr_text();
    ASSERT_EQ(poll_scrape(http, b, h2, downloaded_is(1), std::chrono::seconds(2)).downloaded, 1)
        << b.proc.stderr_text();

    // C starts after the completes were synced; peer sync never resends them (resync 5 min),
    // so only scrape sync (beacon -> inquire -> tell) can bring C's counts up.
    Instance c = start_tracker(fast);
    ASSERT_NE(c.http, 0) << c.proc.stderr_text();
    EXPECT_EQ(poll_scrape(http, c, h1, downloaded_is(3), std::chrono::seconds(10)).downloaded, 3)
        << "C did not converge to A's count\n"
        << c.proc.stderr_text();
    EXPECT_EQ(poll_scrape(http, c, h2, downloaded_is(1), std::chrono::seconds(10)).downloaded, 1)
        << c.proc.stderr_text();
    auto metrics = http.get(c.base() + "/metrics");
    EXPECT_TRUE(contains(metrics.body, "aciswarm_tracker_livesync_tells_applied_total "))
        << metrics.body;
    EXPECT_FALSE(contains(metrics.body, "aciswarm_tracker_livesync_tells_applied_total 0\n"))
        << metrics.body;
    // Peer sync never delivered those completes to C: its peer lists stay empty.
    EXPECT_EQ(scrape(http, c, h1)->complete, 0);
}

// Issue 14: a member that starts (or restarts) asks every other member for its scrape
// counts at once: with the default 30 min beacon delay it used to answer `downloaded 0`.
TEST_F(LivesyncTracker, AStartingMemberAsksForScrapeCountsAtOnce) {
    Instance a = start_tracker();  // default scrape timings: first beacon after 30 min
    ASSERT_NE(a.http, 0) << a.proc.stderr_text();
    HttpClient http;
    const InfoHash h = hash_of(9);
    for (std::uint16_t port : {7101, 7102}) {
        ASSERT_EQ(http.get(announce_url(a.base(), h, port, 0, "&compact=1&event=completed")).status,
                  200);
    }
    const auto downloaded_is = [](std::int64_t n) {
        return [n](const ScrapeCounts& s) { return s.downloaded == n; };
    };
    ASSERT_EQ(poll_scrape(http, a, h, downloaded_is(2), std::chrono::seconds(2)).downloaded, 2);
    // B starts after A counted the completes (as a member restarted later would).
    Instance b = start_tracker();
    ASSERT_NE(b.http, 0) << b.proc.stderr_text();
    EXPECT_EQ(poll_scrape(http, b, h, downloaded_is(2), std::chrono::seconds(5)).downloaded, 2)
        << "B did not get A's count at start\n"
        << b.proc.stderr_text();
    EXPECT_TRUE(a.proc.wait_for_stderr(std::regex("answered a scrape inquire with 1 torrents"),
                                       std::chrono::seconds(2)))
        << a.proc.stderr_text();
}

// Issue 13 item 16: a livesync sender could inject peers no announce could produce (port 0,
// 0.0.0.0, broadcast, multicast, link-local), and peers_applied counted refused records.
TEST_F(LivesyncTracker, SyncedPeersAreCheckedLikeAnnouncesAndOnlyAppliedOnesCounted) {
    Instance a = start_tracker();
    ASSERT_NE(a.http, 0) << a.proc.stderr_text();
    const InfoHash h = hash_of(11);
    // A sender in --sync-allow (127.0.0.0/8, no key) with one good and eight bad peers.
    SystemClock clock;  // the tracker checks the packet's timestamp against its own clock
    livesync::Sealer sealer(0x1234, std::nullopt, clock);
    const auto packet = [&](livesync::PacketType type, const std::vector<const char*>& peers) {
        livesync::PacketBuilder b(type, livesync::default_max_datagram, false);
        for (const char* p : peers) {
            EXPECT_TRUE(b.add_peer(livesync::PeerRecord{h, *PeerEndpoint::parse(p), 0, {}})) << p;
        }
        return sealer.seal(std::move(b));
    };
    const auto v4 = packet(livesync::PacketType::peer4,
                           {"127.0.0.5:7001", "127.0.0.6:0", "0.0.0.0:7002", "255.255.255.255:7003",
                            "224.1.1.1:7004", "169.254.1.1:7005"});
    const auto v6 =
        packet(livesync::PacketType::peer6, {"[ff02::1]:7006", "[fe80::1]:7007", "[::]:7008"});
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in group{};
    group.sin_family = AF_INET;
    group.sin_port = htons(9696);
    group.sin_addr.s_addr = inet_addr("224.0.42.5");
    in_addr lo{};
    lo.s_addr = inet_addr("127.0.0.1");
    ::setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &lo, sizeof lo);
    for (const auto* d : {&v4, &v6}) {
        ASSERT_EQ(::sendto(fd, d->data(), d->size(), 0, reinterpret_cast<sockaddr*>(&group),
                           sizeof group),
                  static_cast<ssize_t>(d->size()));
    }
    ::close(fd);
    const auto missing =
        a.proc.wait_for_stderr_all({std::regex("applied 1 peer records .*refused 5"),
                                    std::regex("applied 0 peer records .*refused 3")},
                                   std::chrono::seconds(2));
    EXPECT_TRUE(missing.empty()) << a.proc.stderr_text();
    HttpClient http;
    auto metrics = http.get(a.base() + "/metrics");
    EXPECT_TRUE(contains(metrics.body, "aciswarm_tracker_livesync_peers_applied_total 1\n"))
        << metrics.body;
    EXPECT_TRUE(contains(metrics.body, "aciswarm_tracker_livesync_peers_refused_total 8\n"))
        << metrics.body;
    // Only the good peer is handed out.
    auto reply = http.get(announce_url(a.base(), h, 7009, 100, "&compact=1&numwant=50"));
    EXPECT_TRUE(
        contains(reply.body, "5:peers6:" + PeerEndpoint::parse("127.0.0.5:7001")->compact()))
        << reply.body;
    EXPECT_EQ(scrape(http, a, h)->incomplete, 2);  // the synced peer and the announcer
}

// Zones (docs/zones.md): `count` instances with the same zones, each candidate announced to
// a different instance; every instance must name the same leader to its own followers, and
// the same successor once that leader stops.
void expect_instances_elect_the_same_leaders(std::size_t count) {
    std::vector<Instance> instances;
    for (std::size_t i = 0; i < count; ++i)
        instances.push_back(start_tracker({"--zone=a=127.0.1.0/24", "--zone=b=127.0.2.0/24"}));
    for (const Instance& t : instances)
        ASSERT_NE(t.http, 0) << t.proc.stderr_text();
    const InfoHash h = hash_of(21);
    const auto announce = [&](std::size_t instance, const std::string& source, std::uint16_t port,
                              const std::string& extra) {
        return announce_from(source, instances[instance % count].http,
                             announce_url("", h, port, 100, extra));
    };
    ASSERT_TRUE(announce(0, "127.0.1.1", 7001, "&leader=candidate&up=1000000"));
    ASSERT_TRUE(announce(1, "127.0.1.2", 7002, "&leader=candidate&up=4000000"));
    ASSERT_TRUE(announce(2, "127.0.1.3", 7003, "&leader=candidate&up=2000000"));
    ASSERT_TRUE(announce(1, "127.0.2.1", 7011, "&leader=candidate&up=100"));
    // Each instance's own follower in a (and in b) sees the zone's leader.
    const auto leaders_seen = [&](std::size_t i, const std::string& source,
                                  const PeerEndpoint& expected) {
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(3);
        std::vector<PeerEndpoint> last;
        for (;;) {
            const auto port = static_cast<std::uint16_t>(7200 + i);
            if (auto body = announce(i, source, port, "&leader=none")) {
                if (auto reply = parse_zone_reply(*body)) last = reply->leaders;
            }
            if (last == std::vector<PeerEndpoint>{expected}) return last;
            if (std::chrono::steady_clock::now() >= until) return last;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));  // poll interval
        }
    };
    const auto a_leader = *PeerEndpoint::parse("127.0.1.2:7002");
    const auto b_leader = *PeerEndpoint::parse("127.0.2.1:7011");
    for (std::size_t i = 0; i < count; ++i) {
        EXPECT_EQ(leaders_seen(i, "127.0.1." + std::to_string(10 + i), a_leader),
                  std::vector<PeerEndpoint>{a_leader})
            << "instance " << i << "\n"
            << instances[i].proc.stderr_text();
        EXPECT_EQ(leaders_seen(i, "127.0.2." + std::to_string(10 + i), b_leader),
                  std::vector<PeerEndpoint>{b_leader})
            << "instance " << i;
    }
    // a's leader stops (on the instance it announced to): every instance re-elects 7003.
    ASSERT_TRUE(announce(1, "127.0.1.2", 7002, "&leader=candidate&up=4000000&event=stopped"));
    const auto successor = *PeerEndpoint::parse("127.0.1.3:7003");
    for (std::size_t i = 0; i < count; ++i) {
        EXPECT_EQ(leaders_seen(i, "127.0.1." + std::to_string(10 + i), successor),
                  std::vector<PeerEndpoint>{successor})
            << "instance " << i << "\n"
            << instances[i].proc.stderr_text();
    }
}

TEST_F(LivesyncTracker, TwoInstancesElectTheSameLeaders) {
    expect_instances_elect_the_same_leaders(2);
}

TEST_F(LivesyncTracker, ThreeInstancesElectTheSameLeaders) {
    expect_instances_elect_the_same_leaders(3);
}

TEST_F(LivesyncTracker, UnicastWithKeySyncsIPv6PeersAndCountsForgedPackets) {
    TempDir dir;
    write_file(dir / "key", "a shared livesync test key\n");
    const auto spawn = [&](int self) {
        Instance t{Process::spawn(
            {bin("aciswarm-tracker"), "--http=[::1]:0", "--udp=127.0.0.1:0", "--workers=1",
             "--locked=false", "-v", "--sync-key=" + (dir / "key").string(),
             "--sync-bind=127.0.0." + std::to_string(self) + ":9696", "--sync-peer=127.0.0.1:9696",
             "--sync-peer=127.0.0.2:9696", "--sync-flush-delay=50ms"})};
        auto m = t.proc.wait_for_stderr(std::regex("listening http \\[::1\\]:([0-9]+)"));
        t.http = m ? std::stoi((*m)[1]) : 0;
        return t;
    };
    Instance a = spawn(1);
    Instance b = spawn(2);
    ASSERT_NE(a.http, 0) << a.proc.stderr_text();
    ASSERT_NE(b.http, 0) << b.proc.stderr_text();
    const auto base = [](const Instance& t) { return "http://[::1]:" + std::to_string(t.http); };

    HttpClient http;
    const InfoHash h = hash_of(2);
    ASSERT_EQ(http.get(announce_url(base(a), h, 7001, 100, "&compact=1")).status, 200);
    ASSERT_TRUE(b.proc.wait_for_stderr(std::regex("livesync: applied 1 peer records"),
                                       std::chrono::seconds(2)))
        << b.proc.stderr_text();
    auto reply = http.get(announce_url(base(b), h, 7002, 100, "&compact=1"));
    EXPECT_TRUE(contains(reply.body, PeerEndpoint::parse("[::1]:7001")->compact()))
        << "A's IPv6 peer missing from B's reply";

    // A datagram without a valid tag is dropped and counted.
    std::string forged(64, 'x');
    forged.replace(0, 8, std::string("ASLS\x01\x01\x00\x00", 8));
    UdpClient raw("127.0.0.2", 9696);
    raw.send_only(std::vector<std::uint8_t>(forged.begin(), forged.end()));
    ASSERT_TRUE(b.proc.wait_for_stderr(std::regex("livesync: dropped packet .*malformed"),
                                       std::chrono::seconds(2)));
    auto metrics = http.get(base(b) + "/metrics");
    EXPECT_TRUE(contains(metrics.body, "aciswarm_tracker_livesync_rejected_malformed_total "))
        << metrics.body;
    EXPECT_FALSE(contains(metrics.body, "aciswarm_tracker_livesync_rejected_malformed_total 0"));
}

}  // namespace
