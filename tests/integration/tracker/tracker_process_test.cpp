// TrackerProcess driven without a real process: a ManualClock, scripted signals,
// loopback listeners on port 0. Proves the control loop's reload and scan paths
// that main() used to hide.
#include <gtest/gtest.h>

#include <signal.h>

#include <deque>
#include <filesystem>
#include <fstream>

#include "common/clock.hpp"
#include "tests/support/temp_dir.hpp"
#include "torrent/torrent_file.hpp"
#include "tracker/app/tracker_process.hpp"

using namespace aciswarm;
using namespace aciswarm::tracker;

namespace {

class ScriptedSignals final : public SignalSource {
  public:
    explicit ScriptedSignals(std::deque<std::optional<int>> script) : script_(std::move(script)) {}
    std::optional<int> wait(std::chrono::milliseconds, int /*wake_fd*/) override {
        if (script_.empty()) return SIGTERM;
        const std::optional<int> sig = script_.front();
        script_.pop_front();
        return sig;
    }

  private:
    std::deque<std::optional<int>> script_;
};

struct ProcessFixture {
    aciswarm::test::TempDir tmp;
    ManualClock clock;
    Logger log{"tracker-process-test", LogLevel::warn};

    std::filesystem::path torrents() const { return tmp.path() / "torrents"; }
    std::vector<std::string> args(std::initializer_list<std::string> extra) const {
        std::vector<std::string> all{"--http=127.0.0.1:0", "--udp=127.0.0.1:0", "--workers=1",
                                     "--dir=" + torrents().string(),
                                     "--pidfile=" + (tmp.path() / "pid").string()};
        all.insert(all.end(), extra.begin(), extra.end());
        return all;
    }
    std::unique_ptr<TrackerProcess> make_process(std::initializer_list<std::string> extra) {
        const auto process_args = args(extra);
        auto config = load_config(process_args);
        if (!config) {
            ADD_FAILURE() << config.error().message;
            return nullptr;
        }
        return std::make_unique<TrackerProcess>(process_args, std::move(*config), clock, log);
    }
    // Publishes one torrent into --dir (or its `folder`); returns the hash it is
    // announced under.
    InfoHash publish(const std::string& name, const std::string& folder = "") {
        const auto file = tmp.path() / name;
        std::ofstream(file) << "image bytes of " << name;
        auto created = torrent::create_torrent(file, {});
        EXPECT_TRUE(created) << created.error().message;
        std::ofstream(torrents() / folder / (name + ".torrent"), std::ios::binary)
            << created->bytes;
        return created->info_hashes.best();
    }
};

}  // namespace

TEST(TrackerProcess, SighupRereadsTheDirectoryAndSigtermStops) {
    ProcessFixture f;
    std::filesystem::create_directories(f.torrents());
    auto process = f.make_process({"--scan=false"});
    ASSERT_TRUE(process);
    ASSERT_TRUE(process->start());
    EXPECT_TRUE(std::filesystem::exists(f.tmp.path() / "pid"));

    const InfoHash hash = f.publish("app");
    EXPECT_FALSE(process->tracker().is_whitelisted(hash));
    ScriptedSignals signals({std::nullopt, SIGHUP});  // a quiet second, then SIGHUP, then SIGTERM
    process->run(signals);
    EXPECT_TRUE(process->tracker().is_whitelisted(hash));

    process->stop();
    EXPECT_FALSE(std::filesystem::exists(f.tmp.path() / "pid"));
}

TEST(TrackerProcess, ScansTheDirectoryOnItsIntervalByTheInjectedClock) {
    ProcessFixture f;
    std::filesystem::create_directories(f.torrents());
    auto process = f.make_process({"--scan-interval=5s", "--scan-watch=false"});
    ASSERT_TRUE(process);
    ASSERT_TRUE(process->start());

    const InfoHash hash = f.publish("app");
    f.clock.advance(std::chrono::seconds(4));
    process->tick();
    EXPECT_FALSE(process->tracker().is_whitelisted(hash));
    f.clock.advance(std::chrono::seconds(1));
    process->tick();
    EXPECT_TRUE(process->tracker().is_whitelisted(hash));
}

// --scan-watch: a .torrent written into --dir (or a folder created in it) is tracked
// at the next tick, long before --scan-interval; the clock does not move here.
TEST(TrackerProcess, AFileWrittenIntoTheDirectoryIsTrackedAtOnceThroughInotify) {
    ProcessFixture f;
    std::filesystem::create_directories(f.torrents());
    auto process = f.make_process({"--scan-interval=1h"});
    ASSERT_TRUE(process);
    ASSERT_TRUE(process->start());

    const InfoHash hash = f.publish("app");
    process->tick();
    EXPECT_TRUE(process->tracker().is_whitelisted(hash));

    // A new folder: its creation triggers the rescan that finds the file in it.
    std::filesystem::create_directories(f.torrents() / "linux" / "amd64");
    const InfoHash nested = f.publish("nested", "linux/amd64");
    process->tick();
    EXPECT_TRUE(process->tracker().is_whitelisted(nested));

    std::filesystem::remove(f.torrents() / "app.torrent");
    process->tick();
    EXPECT_FALSE(process->tracker().is_whitelisted(hash));
    process->stop();
}

TEST(TrackerProcess, AnUnreadableDirectoryFailsTheStartNamingTheOption) {
    ProcessFixture f;  // torrents() is never created
    auto process = f.make_process({"--scan=false"});
    ASSERT_TRUE(process);
    auto started = process->start();
    ASSERT_FALSE(started);
    EXPECT_EQ(started.error().message.rfind("--dir: ", 0), 0u) << started.error().message;
    EXPECT_FALSE(std::filesystem::exists(f.tmp.path() / "pid"));
}

// The state flush follows the injected clock: a completion reaches --state only once
// kStateFlushEvery has passed on the ManualClock (the kill -9 bound), and stop()
// writes the rest.
TEST(TrackerProcess, FlushesTheStateFileEveryFiveSecondsAndOnStop) {
    ProcessFixture f;
    std::filesystem::create_directories(f.torrents());
    const InfoHash hash = f.publish("app");
    const auto state_path = f.tmp.path() / "tracker.state";
    auto process = f.make_process({"--state=" + state_path.string()});
    ASSERT_TRUE(process);
    ASSERT_TRUE(process->start());
    const auto stored = [&]() -> std::uint64_t {
        auto file = state::StateFile::open(state_path, state::OpenMode::keep);
        if (!file) return 999;
        auto rows = file->load();
        if (!rows) return 998;
        for (const auto& row : *rows)
            if (row.info_hash == hash) return row.completed;
        return 0;
    };
    PeerListBuffer peers;
    FastRng rng(1);
    const auto complete = [&](std::uint8_t n) {
        AnnounceRequest r;
        r.info_hash = hash;
        r.peer = *PeerEndpoint::parse("10.0.0." + std::to_string(n) + ":6881");
        r.event = Event::completed;
        r.left = 0;
        return process->tracker().announce(r, peers, rng);
    };
    EXPECT_EQ(complete(1).status, AnnounceStatus::ok);
    f.clock.advance(kStateFlushEvery - std::chrono::seconds(1));
    process->tick();
    EXPECT_EQ(stored(), 0u);
    f.clock.advance(std::chrono::seconds(1));
    process->tick();
    EXPECT_EQ(stored(), 1u);
    EXPECT_EQ(complete(2).status, AnnounceStatus::ok);
    process->stop();
    EXPECT_EQ(stored(), 2u);
}
