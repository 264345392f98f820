// --state with the real aciswarm-tracker binary on loopback (port 0): completed counts
// survive SIGTERM (written on stop) and kill -9 (written every 5 s: the test waits,
// with a deadline, until the file holds them, then kills), an unusable state file is
// refused with one line naming it, and --state-reset starts empty.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <libtorrent/bdecode.hpp>
#include <libtorrent/create_torrent.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "common/url.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"
#include "torrent/torrent_file.hpp"
#include "tracker/state/state_file.hpp"
#include "tracker_client.hpp"

using namespace aciswarm;
using namespace aciswarm::test;

namespace {

struct StateFixture {
    TempDir dir;
    InfoHash hash;

    StateFixture() {
        std::filesystem::create_directories(dir / "torrents");
        write_file(dir / "image.aci", std::string(40000, 'i'));
        auto created = torrent::create_torrent(dir / "image.aci", {});
        EXPECT_TRUE(created) << created.error().message;
        write_file(dir / "torrents" / "image.torrent", created->bytes);
        hash = created->info_hashes.best();
    }
    std::filesystem::path state() const { return dir / "tracker.state"; }

    std::vector<std::string> argv(const std::vector<std::string>& extra) const {
        std::vector<std::string> a = {bin("aciswarm-tracker"),
                                      "--http=127.0.0.1:0",
                                      "--udp=127.0.0.1:0",
                                      "--workers=1",
                                      "--dir=" + (dir / "torrents").string(),
                                      "--state=" + state().string()};
        a.insert(a.end(), extra.begin(), extra.end());
        return a;
    }
};

struct Running {
    Process proc;
    std::string base;
};

Running start(const StateFixture& f, const std::vector<std::string>& extra = {}) {
    Running r{Process::spawn(f.argv(extra)), ""};
    r.base = "http://127.0.0.1:" + std::to_string(r.proc.wait_for_listening("http"));
    return r;
}

std::int64_t scraped_downloaded(const Running& t, const InfoHash& hash) {
    HttpClient c;
    const auto reply = c.get(t.base + "/scrape?info_hash=" + percent_encode(hash.bytes()));
    std::vector<char> storage(reply.body.begin(), reply.body.end());
    lt::error_code ec;
    auto node =
        lt::bdecode(lt::span<const char>(storage.data(), static_cast<int>(storage.size())), ec);
    if (ec) return -1;
    auto entry = node.dict_find_dict("files").dict_find_dict(std::string(hash.as_chars()));
    return entry ? entry.dict_find_int_value("downloaded", -1) : -1;
}

void complete_peers(const Running& t, const InfoHash& hash, int count) {
    HttpClient c;
    for (int i = 0; i < count; ++i) {
        const auto port = static_cast<std::uint16_t>(7000 + i);
        const auto reply = c.get(announce_url(t.base, hash, port, 0, "&event=completed"));
        ASSERT_EQ(reply.body.find("failure"), std::string::npos) << reply.body;
    }
}

// What the state file holds for `hash`, read by a second SQLite connection (WAL
// lets it read while the tracker writes); nullopt while it cannot be opened.
std::optional<std::uint64_t> stored(const StateFixture& f) {
    auto file = tracker::state::StateFile::open(f.state(), tracker::state::OpenMode::keep);
    if (!file) return std::nullopt;
    auto rows = file->load();
    if (!rows) return std::nullopt;
    for (const auto& row : *rows)
        if (row.info_hash == f.hash) return row.completed;
    return 0;
}

}  // namespace

TEST(TrackerState, CountsSurviveSigterm) {
    StateFixture f;
    {
        auto t = start(f);
        complete_peers(t, f.hash, 3);
        EXPECT_EQ(scraped_downloaded(t, f.hash), 3);
        t.proc.signal(SIGTERM);
        auto st = t.proc.wait(10s);
        ASSERT_TRUE(st && st->exited() && st->code == 0);
    }
    auto t = start(f);  // the count is in the core before the listeners bind
    EXPECT_EQ(scraped_downloaded(t, f.hash), 3);
    complete_peers(t, f.hash, 1);  // new peers count on top of the restored count
    EXPECT_EQ(scraped_downloaded(t, f.hash), 4);
}

// kill -9 loses at most the last flush interval (5 s): once the file holds the
// count (polled with a deadline, never slept for), a kill -9 keeps it.
TEST(TrackerState, CountsSurviveKill9UpToTheLastFlush) {
    StateFixture f;
    {
        auto t = start(f);
        complete_peers(t, f.hash, 2);
        const auto deadline = std::chrono::steady_clock::now() + 20s;
        while (stored(f) != std::optional<std::uint64_t>(2) &&
               std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(100ms);  // poll interval, not a synchronisation
        }
        ASSERT_EQ(stored(f), std::optional<std::uint64_t>(2)) << "no flush within 20 s";
        t.proc.signal(SIGKILL);
        auto st = t.proc.wait(10s);
        ASSERT_TRUE(st && st->signal == SIGKILL);
    }
    auto t = start(f);
    EXPECT_EQ(scraped_downloaded(t, f.hash), 2);
}

TEST(TrackerState, ACorruptStateFileIsRefusedUnlessReset) {
    StateFixture f;
    write_file(f.state(), std::string(8192, 'x'));
    const auto refused = run(f.argv({}), {}, 30s);
    EXPECT_EQ(refused.status.code, 1);
    EXPECT_NE(refused.err.find(f.state().string()), std::string::npos) << refused.err;
    // One line says it all: the file, the reason, the way out.
    std::size_t naming = 0;
    std::istringstream lines(refused.err);
    for (std::string line; std::getline(lines, line);) {
        if (line.find(f.state().string()) == std::string::npos) continue;
        ++naming;
        EXPECT_NE(line.find("error: state file"), std::string::npos) << line;
        EXPECT_NE(line.find("--state-reset"), std::string::npos) << line;
    }
    EXPECT_EQ(naming, 1u) << refused.err;

    auto t = start(f, {"--state-reset"});
    EXPECT_EQ(scraped_downloaded(t, f.hash), 0);
    complete_peers(t, f.hash, 1);
    EXPECT_EQ(scraped_downloaded(t, f.hash), 1);
}

TEST(TrackerState, ResetDiscardsAGoodFileToo) {
    StateFixture f;
    {
        auto t = start(f);
        complete_peers(t, f.hash, 2);
        t.proc.signal(SIGTERM);
        ASSERT_TRUE(t.proc.wait(10s));
    }
    auto t = start(f, {"--state-reset"});
    EXPECT_EQ(scraped_downloaded(t, f.hash), 0);
}
