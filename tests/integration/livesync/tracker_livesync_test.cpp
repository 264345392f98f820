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

TEST(TrackerLivesync, AnnounceOnAIsReturnedByBAndCAndStopPropagates) {
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

}  // namespace
