// Issue 13, tracker items 13 and 14, as an attacker would try them against the real
// binary on loopback: /stats and /metrics flooded while 200 000 swarms are held, and
// thousands of idle connections from one address. Each test asserts the bound through
// /proc and that an announce from someone else is answered within 1 s meanwhile.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "common/url.hpp"

#include "tests/support/process.hpp"
#include "tracker_binary.hpp"
#include "tracker_client.hpp"

using namespace aciswarm;
using namespace aciswarm::test;
using namespace std::chrono_literals;

namespace {

InfoHash numbered_hash(std::uint32_t i) {
    InfoHash h;
    for (int k = 0; k < 20; ++k)
        h.data()[k] = static_cast<std::uint8_t>((i * 2654435761u) >> ((k % 4) * 8)) ^
                      static_cast<std::uint8_t>(k * 37);
    h.data()[16] = static_cast<std::uint8_t>(i >> 24);
    h.data()[17] = static_cast<std::uint8_t>(i >> 16);
    h.data()[18] = static_cast<std::uint8_t>(i >> 8);
    h.data()[19] = static_cast<std::uint8_t>(i);
    return h;
}

std::vector<std::uint8_t> udp_announce(std::uint64_t conn, std::uint32_t tx, const InfoHash& h,
                                       std::uint16_t port, std::uint64_t left) {
    std::vector<std::uint8_t> p;
    put_be(p, conn, 8);
    put_be(p, 1, 4);
    put_be(p, tx, 4);
    p.insert(p.end(), h.bytes().begin(), h.bytes().end());
    p.resize(p.size() + 20, 'L');
    put_be(p, 0, 8);
    put_be(p, left, 8);
    put_be(p, 0, 8);
    put_be(p, 0, 4);
    put_be(p, 0, 4);
    put_be(p, 0, 4);
    put_be(p, 0, 4);  // numwant 0: the load loop needs no peer lists
    put_be(p, port, 2);
    return p;
}

// Announces `count` distinct info hashes (one peer each, every even one seeding) over UDP,
// 64 in flight, re-sending what got no answer. Bounded: at most 5 tries per window.
// Returns how many were acknowledged.
std::size_t populate(int udp_port, std::uint32_t count) {
    UdpClient u("127.0.0.1", udp_port);
    auto conn = u.connect();
    if (!conn) return 0;
    std::size_t acknowledged = 0;
    constexpr std::uint32_t window = 64;
    std::vector<std::uint8_t> buf(2048);
    for (std::uint32_t base = 0; base < count; base += window) {
        const std::uint32_t n = std::min(window, count - base);
        std::vector<bool> done(n, false);
        std::uint32_t left = n;
        for (int attempt = 0; attempt < 5 && left > 0; ++attempt) {
            for (std::uint32_t k = 0; k < n; ++k) {
                if (done[k]) continue;
                const std::uint32_t i = base + k;
                const auto p = udp_announce(*conn, i, numbered_hash(i),
                                            static_cast<std::uint16_t>(1000 + i % 60000),
                                            i % 2 == 0 ? 0 : 1000);
                [[maybe_unused]] auto sent = ::send(u.fd(), p.data(), p.size(), 0);
            }
            for (;;) {
                pollfd pf{u.fd(), POLLIN, 0};
                if (::poll(&pf, 1, 1000) <= 0) break;  // a lost datagram: re-send the rest
                const ssize_t got = ::recv(u.fd(), buf.data(), buf.size(), 0);
                if (got < 20) continue;
                std::vector<std::uint8_t> r(buf.begin(), buf.begin() + got);
                const std::uint32_t tx = be32(r, 4);
                if (be32(r, 0) != 1 || tx < base || tx >= base + n || done[tx - base]) continue;
                done[tx - base] = true;
                ++acknowledged;
                if (--left == 0) break;
            }
        }
    }
    return acknowledged;
}

nlohmann::json stats_of(const TrackerBinary& t) {
    auto r = http_get_from("127.0.0.1", "127.0.0.1", t.http4, "/stats", 10s);
    if (!r) return {};
    const auto body = r->find("\r\n\r\n");
    return nlohmann::json::parse(r->substr(body + 4), nullptr, false);
}

// An announce from `source` answered within 1 s (HTTP, fresh connection) with a peer list.
bool announce_answered(const std::string& source, int port, std::uint16_t i) {
    const std::string target = "/announce?info_hash=" + percent_encode(numbered_hash(7).bytes()) +
                               "&peer_id=ABCDEFGHIJKLMNOPQRST&port=" + std::to_string(20000 + i) +
                               "&left=5&compact=1";
    auto r = http_get_from(source, source == "::1" ? "::1" : "127.0.0.1", port, target, 1s);
    return r && r->rfind("HTTP/1.1 200", 0) == 0 && r->find("5:peers") != std::string::npos;
}

bool udp_connect_answered(const TrackerBinary& t) {
    UdpClient u("127.0.0.1", t.udp4);
    std::vector<std::uint8_t> p;
    put_be(p, 0x41727101980ULL, 8);
    put_be(p, 0, 4);
    put_be(p, 4242, 4);
    auto r = u.request(p, 1s);
    return r && r->size() == 16 && be32(*r, 0) == 0;
}

std::size_t count_of(const std::string& haystack, const std::string& needle) {
    std::size_t n = 0;
    for (auto at = haystack.find(needle); at != std::string::npos;
         at = haystack.find(needle, at + 1))
        ++n;
    return n;
}

}  // namespace

// Item 13: with 1 M swarms, pipelined /stats on 4 connections stalled every worker for
// 15 s (each request summed every swarm). Now one request costs O(shards): 800 of them
// over 200 000 swarms take well under a second of the tracker's CPU, the numbers are right,
// and UDP connect and HTTP announce stay answered within 1 s while they run.
TEST(TrackerAttack, StatsFloodWithManySwarmsCostsLittleAndAnnouncesStayAnswered) {
    constexpr std::uint32_t swarms = 200'000;
    auto t = start_tracker_binary({"--locked=false", "--max-torrents=300000"});
    ASSERT_GT(t.udp4, 0) << t.proc.stderr_text();
    ASSERT_EQ(populate(t.udp4, swarms), swarms);
    const auto j = stats_of(t);
    ASSERT_TRUE(j.is_object());
    EXPECT_EQ(j["torrents"], swarms);
    EXPECT_EQ(j["seeders"], swarms / 2);
    EXPECT_EQ(j["leechers"], swarms / 2);
    EXPECT_EQ(j["peers"]["ipv4"], swarms);
    EXPECT_EQ(j["peers"]["ipv6"], 0);

    constexpr int connections = 4;
    constexpr int rounds = 2;
    constexpr int pipelined = 100;
    const std::uint64_t cpu_before = cpu_ticks(t.proc.pid());
    std::atomic<int> answered{0};
    std::atomic<int> flooding{connections};
    std::vector<std::thread> flood;
    for (int c = 0; c < connections; ++c) {
        flood.emplace_back([&] {
            const int fd = tcp_connect("127.0.0.1", t.http4);
            for (int round = 0; fd >= 0 && round < rounds; ++round) {
                std::string requests;
                for (int k = 0; k < pipelined; ++k) {
                    requests += k % 2 ? "GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n"
                                      : "GET /stats HTTP/1.1\r\nHost: t\r\n\r\n";
                }
                if (::send(fd, requests.data(), requests.size(), MSG_NOSIGNAL) < 0) break;
                std::string replies;
                const auto until = std::chrono::steady_clock::now() + 60s;  // bounded
                while (count_of(replies, "HTTP/1.1 200") < pipelined &&
                       std::chrono::steady_clock::now() < until) {
                    pollfd pf{fd, POLLIN, 0};
                    if (::poll(&pf, 1, 1000) <= 0) continue;
                    char buf[65536];
                    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
                    if (n <= 0) break;
                    replies.append(buf, static_cast<std::size_t>(n));
                }
                answered += static_cast<int>(count_of(replies, "HTTP/1.1 200"));
            }
            if (fd >= 0) ::close(fd);
            --flooding;
        });
    }
    int probes = 0;
    int late = 0;
    while (flooding.load() > 0 || probes < 3) {
        ++probes;
        if (!udp_connect_answered(t)) ++late;
        if (!announce_answered("127.0.0.1", t.http4, static_cast<std::uint16_t>(probes))) {
            ++late;
        }
        if (probes >= 200) break;  // bounded
    }
    for (auto& th : flood)
        th.join();
    const std::uint64_t cpu = cpu_ticks(t.proc.pid()) - cpu_before;
    EXPECT_EQ(answered.load(), connections * rounds * pipelined);
    EXPECT_EQ(late, 0) << "of " << probes << " probes (UDP connect + HTTP announce)";
    // 800 /stats + /metrics plus the probes: under 1 s of CPU (the old per-request walk
    // over 200 000 swarms cost several seconds).
    EXPECT_LT(cpu, static_cast<std::uint64_t>(sysconf(_SC_CLK_TCK)))
        << "tracker CPU ticks for the flood";
    // The announces of the probes are counted too: the values stay exact.
    const auto after = stats_of(t);
    EXPECT_EQ(after["torrents"], swarms);
    EXPECT_EQ(after["leechers"], swarms / 2 + static_cast<std::uint32_t>(probes));
}

// Item 14: 4096 idle TCP connections from one address filled the global cap and 19 of 20
// legitimate requests were reset. Now one address holds at most
// --max-connections-per-address, the reserve stays for others, and silent connections
// are closed after --first-request-timeout.
TEST(TrackerAttack, IdleConnectionsFromOneAddressLeaveRoomForOthers) {
    rlimit nofile{};
    ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &nofile), 0);
    const rlim_t want = std::min<rlim_t>(nofile.rlim_max, 8192);
    if (nofile.rlim_cur < want) {
        nofile.rlim_cur = want;
        ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &nofile), 0);
    }
    constexpr int attackers = 2000;
    ASSERT_GT(want, static_cast<rlim_t>(attackers + 200)) << "nofile hard limit too low";
    // The tracker inherits the raised limit.
    auto t = start_tracker_binary(
        {"--locked=false", "--max-connections=1024"});  // --first-request-timeout: default 3 s
    ASSERT_GT(t.http4, 0) << t.proc.stderr_text();
    std::vector<int> idle;
    for (int i = 0; i < attackers; ++i) {
        const int fd = tcp_connect_from("127.0.0.2", "127.0.0.1", t.http4);
        if (fd >= 0) idle.push_back(fd);
    }
    EXPECT_GT(idle.size(), 1000u);
    // Legitimate requests from other addresses while the idle connections are open.
    int ok = 0;
    for (std::uint16_t i = 0; i < 20; ++i) {
        ok += announce_answered(i % 2 ? "127.0.0.1" : "127.0.0.3", t.http4, i);
    }
    for (std::uint16_t i = 20; i < 25; ++i)
        ok += announce_answered("::1", t.http6, i);
    EXPECT_EQ(ok, 25);
    const auto j = stats_of(t);
    ASSERT_TRUE(j.is_object());
    // One address holds at most 128; the 25 legitimate clients have closed
    // theirs, but a slow tracker (ASan, a loaded machine) may not have reaped
    // every one yet, and the /stats request is open. The rejected count below
    // is the exact per-address check.
    EXPECT_LE(j["connections"].get<int>(), 128 + 25 + 1) << "one address holds at most 128";
    EXPECT_GE(j["connections_rejected"].get<int>(), attackers - 128 - 1);
    // Memory stays bounded while the attack runs.
    EXPECT_LT(status_kb(t.proc.pid(), "VmRSS"), 128u * 1024u);
    // A connection that never sends is closed after --first-request-timeout (3 s).
    int closed = 0;
    for (int fd : idle) {
        auto eof = read_until_eof(fd, 8s);  // bounded: the timeout plus the sweep's second
        closed += eof && eof->empty();
        if (closed >= 3) break;
    }
    EXPECT_EQ(closed, 3);
    for (int fd : idle)
        ::close(fd);
}
