// The tracker's /cluster page with livesync on: two trackers sharing a key sync
// by unicast, a third with the wrong key sends to the second. The second's
// /web/cluster.json and /cluster list the first (packets accepted, the peer
// record its announce produced) and the third (auth failures, nothing
// accepted), each with its instance id and address. In a network namespace of
// the test's own (fixed livesync ports).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "tests/integration/livesync/private_netns.hpp"
#include "tests/integration/tracker/tracker_client.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace aciswarm::test {
namespace {

using namespace std::chrono_literals;

struct Tracker {
    Process proc;
    int http = 0;
    std::string instance = {};  // 16 hex digits, from its log
    std::string base() const { return "http://127.0.0.1:" + std::to_string(http); }
};

Tracker start(const std::filesystem::path& key, int self, int peer) {
    Tracker t{Process::spawn(
        {bin("aciswarm-tracker"), "--http=127.0.0.1:0", "--udp=127.0.0.1:0", "--workers=1",
         "--locked=false", "--state=off", "-v", "--sync-key=" + key.string(),
         "--sync-bind=127.0.0." + std::to_string(self) + ":9696",
         "--sync-peer=127.0.0." + std::to_string(peer) + ":9696", "--sync-flush-delay=50ms"})};
    auto http = t.proc.wait_for_stderr(std::regex("listening http 127\\.0\\.0\\.1:([0-9]+)"));
    t.http = http ? std::stoi((*http)[1]) : 0;
    const std::regex logged("livesync instance ([0-9a-f]{16})");
    std::smatch id;
    const std::string err = t.proc.stderr_text();
    if (std::regex_search(err, id, logged)) {
        t.instance = id[1];
    } else if (auto later = t.proc.wait_for_stderr(logged)) {
        t.instance = (*later)[1];
    }
    return t;
}

const nlohmann::json* instance_in(const nlohmann::json& cluster, const std::string& id) {
    for (const auto& i : cluster["instances"]) {
        if (i["instance_id"] == id) return &i;
    }
    return nullptr;
}

class ClusterPage : public PrivateNetnsTest {};

TEST_F(ClusterPage, ListsEveryInstanceHeardFromWithPacketsPeersAndAuthFailures) {
    TempDir dir;
    write_file(dir / "key", "a shared livesync test key\n");
    write_file(dir / "other", "not the key the others share\n");
    Tracker a = start(dir / "key", 1, 2);
    Tracker b = start(dir / "key", 2, 1);
    Tracker c = start(dir / "other", 3, 2);
    for (const Tracker* t : {&a, &b, &c}) {
        ASSERT_NE(t->http, 0) << t->proc.stderr_text();
        ASSERT_EQ(t->instance.size(), 16u) << t->proc.stderr_text();
    }
    HttpClient http;
    InfoHash h;
    h.data()[0] = 7;
    ASSERT_EQ(http.get(announce_url(a.base(), h, 7001, 100, "&compact=1")).status, 200);

    // Poll B's JSON until both rows show what was sent (each packet is UDP on loopback).
    nlohmann::json cluster;
    const nlohmann::json* row_a = nullptr;
    const nlohmann::json* row_c = nullptr;
    for (const auto until = std::chrono::steady_clock::now() + 10s;
         std::chrono::steady_clock::now() < until;
         std::this_thread::sleep_for(50ms)) {  // poll interval, not a synchronisation
        auto reply = http.get(b.base() + "/web/cluster.json");
        ASSERT_EQ(reply.status, 200);
        cluster = nlohmann::json::parse(reply.body);
        row_a = instance_in(cluster, a.instance);
        row_c = instance_in(cluster, c.instance);
        if (row_a && row_c && (*row_a)["peers_received"].get<int>() >= 1 &&
            (*row_c)["auth_failures"].get<int>() >= 1)
            break;
    }
    ASSERT_TRUE(row_a && row_c) << cluster.dump(1) << b.proc.stderr_text();
    EXPECT_EQ((*row_a)["address"], "127.0.0.1:9696");
    EXPECT_GE((*row_a)["packets"].get<int>(), 1);
    EXPECT_GE((*row_a)["peers_received"].get<int>(), 1) << cluster.dump(1);
    EXPECT_GE((*row_a)["accepted"]["peer"].get<int>(), 1);
    EXPECT_EQ((*row_a)["auth_failures"], 0);
    EXPECT_LT((*row_a)["last_packet_age"].get<double>(), 60);
    EXPECT_EQ((*row_c)["address"], "127.0.0.3:9696");
    EXPECT_GE((*row_c)["auth_failures"].get<int>(), 1) << cluster.dump(1);
    EXPECT_EQ((*row_c)["packets"], 0);
    EXPECT_EQ(instance_in(cluster, b.instance), nullptr);  // its own packets are not listed

    const std::string page = http.get(b.base() + "/cluster").body;
    EXPECT_NE(page.find("<td data-field=\"instance_id\">" + a.instance + "</td>"),
              std::string::npos)
        << page;
    EXPECT_NE(page.find("<td data-field=\"address\">127.0.0.3:9696</td>"), std::string::npos);
}

}  // namespace
}  // namespace aciswarm::test
