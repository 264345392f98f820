// Three aciswarm-tracker processes with livesync over IPv4 multicast, inside a
// network namespace this test process creates (the children inherit it), so
// multicast never leaves the machine.
#include <gtest/gtest.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <regex>

#include "tests/integration/tracker/tracker_client.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

using namespace aciswarm;
using namespace aciswarm::test;

namespace {

bool enter_private_netns(std::string& why) {
    if (unshare(CLONE_NEWNET) != 0) {
        why = std::string("unshare(CLONE_NEWNET): ") + std::strerror(errno);
        return false;
    }
    for (std::vector<std::string> cmd : {std::vector<std::string>{"ip", "link", "set", "lo", "up"},
                                         {"ip", "link", "set", "lo", "multicast", "on"},
                                         {"ip", "route", "add", "224.0.0.0/4", "dev", "lo"}}) {
        auto r = run(cmd);
        if (r.status.code != 0) {
            why = "ip ...: " + r.err;
            return false;
        }
    }
    return true;
}

struct Instance {
    Process proc;
    int http = 0;
    std::string base() const { return "http://127.0.0.1:" + std::to_string(http); }
};

Instance start_tracker() {
    Instance t{Process::spawn({bin("aciswarm-tracker"), "--http=127.0.0.1:0", "--udp=127.0.0.1:0",
                               "--workers=1", "--locked=false", "-v", "--sync-iface=127.0.0.1",
                               "--sync-allow=127.0.0.0/8", "--sync-flush-delay=50ms"})};
    auto m = t.proc.wait_for_stderr(std::regex("listening http 127\\.0\\.0\\.1:([0-9]+)"));
    t.http = m ? std::stoi((*m)[1]) : 0;
    return t;
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

TEST(LivesyncTracker, AnnounceOnAIsReturnedByBAndCAndStopPropagates) {
    std::string why;
    if (!enter_private_netns(why)) {
        if (geteuid() != 0) GTEST_SKIP() << "needs root for a network namespace: " << why;
        FAIL() << why;
    }
    Instance a = start_tracker();
    Instance b = start_tracker();
    Instance c = start_tracker();
    ASSERT_NE(a.http, 0) << a.proc.stderr_text();
    ASSERT_NE(b.http, 0) << b.proc.stderr_text();
    ASSERT_NE(c.http, 0) << c.proc.stderr_text();

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

TEST(LivesyncTracker, UnicastWithKeySyncsIPv6PeersAndCountsForgedPackets) {
    std::string why;
    if (!enter_private_netns(why)) {
        if (geteuid() != 0) GTEST_SKIP() << "needs root for a network namespace: " << why;
        FAIL() << why;
    }
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
