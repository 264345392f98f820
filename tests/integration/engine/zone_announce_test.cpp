// Zone-aware swarms, the agent's announces (docs/zones.md, "Agent"): engines with zone
// settings announce to a real aciswarm-tracker, which places and elects them; its -v
// log names the zone and role it gave each announce. A candidate seed leads zone a; a
// follower downloading in zone a is told it follows, and still gets the image.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <regex>
#include <thread>
#include <vector>

#include "agent/engine/engine.hpp"
#include "common/clock.hpp"
#include "common/log.hpp"
#include "common/process_tls.hpp"
#include "tests/support/https_server.hpp"
#include "tests/support/process.hpp"
#include "tests/support/random_bytes.hpp"
#include "tests/support/temp_dir.hpp"
#include "torrent/torrent_file.hpp"

namespace aciswarm::engine {
namespace {

using namespace std::chrono_literals;

EngineConfig zone_config(std::string zone, bool candidate) {
    EngineConfig c;
    c.listen_interfaces = {"127.0.0.1:0"};
    c.local_service_discovery = false;
    c.zone.zone = std::move(zone);
    c.zone.leader_candidate = candidate;
    c.zone.upload_capacity = candidate ? 20u << 20 : 0;
    return c;
}

std::unique_ptr<Engine> start(EngineConfig config, Logger& log, const Clock& clock) {
    auto e = Engine::create(std::move(config), log, clock);
    EXPECT_TRUE(e) << e.error().message;
    return e ? std::move(e).value() : nullptr;
}

// Polls the torrent's status until the tracker's /zone answer gave it `role` (bounded).
Result<TorrentStatus> wait_for_role(Engine& engine, TorrentId id, ZoneRole role,
                                    std::chrono::milliseconds timeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        auto st = engine.status(id);
        if (!st || st->zone.role == role || std::chrono::steady_clock::now() > until) return st;
        std::this_thread::sleep_for(100ms);
    }
}

TEST(EngineZones, AnnouncesCarryTheZoneAndTheTrackerElects) {
    test::TempDir dir;
    auto tracker = test::Process::spawn({test::bin("aciswarm-tracker"), "--http=127.0.0.1:0",
                                         "--udp=127.0.0.1:0", "--locked=false", "--workers=1",
                                         "--interval=5", "--min-interval=1", "-v"});
    const int port = tracker.wait_for_listening("http", 20s);
    ASSERT_GT(port, 0) << tracker.stderr_text();
    const std::string announce = "http://127.0.0.1:" + std::to_string(port) + "/announce";

    const std::string content = test::random_bytes(512 * 1024 + 77, 17);
    test::write_file(dir / "seed" / "app.aci", content);
    auto created = torrent::create_torrent(dir / "seed" / "app.aci", {});
    ASSERT_TRUE(created) << created.error().message;

    Logger log{"zones-test", LogLevel::info};
    SystemClock clock;
    auto seeder = start(zone_config("a", true), log, clock);
    ASSERT_TRUE(seeder);
    auto seed = seeder->add_seed(
        {.torrent = created->bytes, .save_path = dir / "seed", .trackers = {announce}});
    ASSERT_TRUE(seed) << seed.error().message;
    EXPECT_TRUE(tracker.wait_for_stderr(std::regex("zone 'a' role leader"), 20s))
        << tracker.stderr_text();

    // A follower of zone a: the tracker names it so, and lists it a's leader.
    auto follower = start(zone_config("a", false), log, clock);
    ASSERT_TRUE(follower);
    auto download = follower->add_download(
        {.torrent = created->bytes, .save_path = dir / "down", .trackers = {announce}});
    ASSERT_TRUE(download) << download.error().message;
    EXPECT_TRUE(tracker.wait_for_stderr(std::regex("zone 'a' role follower"), 20s))
        << tracker.stderr_text();
    // Both learn their roles through GET /zone (docs/zones.md, "Learning the role").
    auto leader_status = wait_for_role(*seeder, *seed, ZoneRole::leader, 20s);
    ASSERT_TRUE(leader_status) << leader_status.error().message;
    EXPECT_EQ(leader_status->zone.role, ZoneRole::leader);
    EXPECT_EQ(leader_status->zone.zone, "a");
    auto follower_status = wait_for_role(*follower, *download, ZoneRole::follower, 20s);
    ASSERT_TRUE(follower_status) << follower_status.error().message;
    EXPECT_EQ(follower_status->zone.role, ZoneRole::follower);
    ASSERT_EQ(follower_status->zone.leaders.size(), 1u);
    EXPECT_EQ(follower_status->zone.leaders[0].port(), seeder->listen_port());
    auto done = follower->wait_finished(*download, 60s);
    ASSERT_TRUE(done) << done.error().message;
    EXPECT_EQ(test::read_file(dir / "down" / "app.aci"), content);
}

// --leader-timeout (docs/zones.md, "Leader timeout"): the zone's leader is alive but makes
// no progress (it has no source: no seed, no web seed), so its follower falls back to the
// web seed once the timeout passed, and finishes: a dead leader never stalls a zone.
TEST(EngineZones, AFollowerOfAStalledLeaderFinishesFromTheWebSeed) {
    test::TempDir dir;
    auto tracker = test::Process::spawn({test::bin("aciswarm-tracker"), "--http=127.0.0.1:0",
                                         "--udp=127.0.0.1:0", "--locked=false", "--workers=1",
                                         "--interval=5", "--min-interval=1"});
    const int port = tracker.wait_for_listening("http", 20s);
    ASSERT_GT(port, 0) << tracker.stderr_text();
    const std::string announce = "http://127.0.0.1:" + std::to_string(port) + "/announce";
    const std::string content = test::random_bytes(1024 * 1024 + 5, 23);
    test::write_file(dir / "seed" / "app.aci", content);
    auto created = torrent::create_torrent(dir / "seed" / "app.aci", {});
    ASSERT_TRUE(created) << created.error().message;
    auto ca = test::make_test_ca(dir / "ca");
    ASSERT_TRUE(ca);
    auto web_seed = test::HttpsServer::start(dir / "seed", *ca, dir / "nginx");
    ASSERT_TRUE(web_seed);
    // What the aciswarm binary does at start-up (the engine never sets it).
    ASSERT_TRUE(set_process_ca_file(ca->ca_cert.string(), "test CA"));

    SystemClock clock;
    auto leader = start(zone_config("a", true), Logger::null(), clock);
    ASSERT_TRUE(leader);
    auto stalled = leader->add_download(
        {.torrent = created->bytes, .save_path = dir / "leader", .trackers = {announce}});
    ASSERT_TRUE(stalled) << stalled.error().message;
    auto leader_status = wait_for_role(*leader, *stalled, ZoneRole::leader, 20s);
    ASSERT_TRUE(leader_status) << leader_status.error().message;
    ASSERT_EQ(leader_status->zone.role, ZoneRole::leader);

    std::mutex mu;
    std::vector<std::string> lines;
    Logger capture("follower", LogLevel::info, [&](LogLevel, std::string_view line) {
        std::lock_guard lock(mu);
        lines.emplace_back(line);
    });
    EngineConfig config = zone_config("a", false);
    config.ca_file = ca->ca_cert;
    config.zone.leader_timeout = 3s;
    auto follower = start(config, capture, clock);
    ASSERT_TRUE(follower);
    auto download = follower->add_download({.torrent = created->bytes,
                                            .save_path = dir / "follower",
                                            .web_seeds = {web_seed->url("app.aci")},
                                            .trackers = {announce}});
    ASSERT_TRUE(download) << download.error().message;
    auto done = follower->wait_finished(*download, 60s);
    ASSERT_TRUE(done) << done.error().message;
    EXPECT_EQ(test::read_file(dir / "follower" / "app.aci"), content);
    EXPECT_GE(done->bytes_from_web_seeds, static_cast<std::int64_t>(content.size()));
    EXPECT_EQ(done->bytes_from_peers, 0);
    EXPECT_EQ(done->zone.role, ZoneRole::follower);
    ASSERT_EQ(done->zone.leaders.size(), 1u);
    EXPECT_EQ(done->zone.leaders[0].port(), leader->listen_port());
    std::lock_guard lock(mu);
    const bool waited = std::any_of(lines.begin(), lines.end(), [](const std::string& l) {
        return l.find("web seed(s): no leader made progress for 3s") != std::string::npos;
    });
    EXPECT_TRUE(waited) << "the follower's gate did not wait for its leader";
}

}  // namespace
}  // namespace aciswarm::engine
