// Zone-aware swarms, the agent's announces (docs/zones.md, "Agent"): engines with zone
// settings announce to a real aciswarm-tracker, which places and elects them; its -v
// log names the zone and role it gave each announce. A candidate seed leads zone a; a
// follower downloading in zone a is told it follows, and still gets the image.
#include <gtest/gtest.h>

#include <memory>
#include <regex>

#include "agent/engine/engine.hpp"
#include "common/clock.hpp"
#include "common/log.hpp"
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
    auto done = follower->wait_finished(*download, 60s);
    ASSERT_TRUE(done) << done.error().message;
    EXPECT_EQ(test::read_file(dir / "down" / "app.aci"), content);
}

}  // namespace
}  // namespace aciswarm::engine
