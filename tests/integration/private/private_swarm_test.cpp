// Private swarms (issue 21), end to end in a network namespace this test
// creates ("apsw<pid>"): aciswarm publish --private → aciswarm-tracker --keys
// → the everseed (aciswarm seed --tracker-key) → aciswarm fetch of the .torrent
// with and without a key. Nothing serves the web seed's host, so the everseed
// is the only source: a node the tracker refuses gets no peer and no byte.
// Also: a key removed from the file + SIGHUP locks its node out, the private
// flag survives publish → fetch → store, no key reaches a log, and a daemon whose
// tracker-key changed announces with the new one after SIGHUP.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "agent/store/store.hpp"
#include "common/clock.hpp"
#include "common/log.hpp"
#include "tests/support/aci_builder.hpp"
#include "tests/support/nginx.hpp"
#include "tests/support/process.hpp"
#include "tests/support/random_bytes.hpp"
#include "tests/support/temp_dir.hpp"
#include "torrent/torrent_file.hpp"

namespace aciswarm::test {
namespace {

namespace fs = std::filesystem;

const std::string kEverseedKey = "everseed-key-0123456789";
const std::string kNodeKey = "node-b-key-abcdefghijkl";

class PrivateSwarm : public ::testing::Test {
  protected:
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "needs root (ip netns)";
        ASSERT_EQ(ns_.create("127.0.0.1 registry.test\n"), "");
        fs::create_directories(registry_);
        write_file(keys_, "# test keys\n" + kEverseedKey + "\n" + kNodeKey + "\n");
        tracker_ = Process::spawn(
            ns_.exec({bin("aciswarm-tracker"), "--http=127.0.0.1:0", "--udp=127.0.0.1:0",
                      "--dir=" + registry_.string(), "--keys=" + keys_.string(),
                      "--scan-interval=1", "--interval=5", "--min-interval=1", "-v"}));
        tracker_port_ = tracker_->wait_for_listening("http", 20s);
        ASSERT_GT(tracker_port_, 0) << tracker_->stderr_text();
    }

    // Publishes registry.test/app:1.0 --private; returns the .torrent's path.
    fs::path publish() {
        AciSpec spec = simple_aci("registry.test/app", "private", AciCompression::none,
                                  {{"version", "1.0"}, {"os", "linux"}, {"arch", "amd64"}});
        spec.files.push_back({"rootfs/data.bin", random_bytes(512 * 1024, 21)});
        const fs::path aci = write_aci(dir_ / "app.aci", spec);
        auto r = run({bin("aciswarm"), "publish", aci.string(), "--private",
                      "--tracker=http://127.0.0.1:" + std::to_string(tracker_port_) + "/announce",
                      "--webseed-base=https://registry.test/", "--out=" + registry_.string()},
                     {}, 120s);
        EXPECT_EQ(r.status.code, 0) << r.err;
        image_id_ = line_value(r.out, "image-id");
        return registry_ / "linux/amd64/registry.test/app-1.0.torrent";
    }

    void start_everseed() {
        ASSERT_TRUE(
            tracker_->wait_for_stderr(std::regex("whitelist: [1-9][0-9]* info hashes"), 20s))
            << tracker_->stderr_text();
        everseed_ = Process::spawn(ns_.exec(
            {bin("aciswarm"), "seed", "--dir=" + registry_.string(), "--listen=127.0.0.1:0",
             "--lsd=false", "--scan-interval=200ms", "--tracker-key=" + kEverseedKey}));
        ASSERT_TRUE(everseed_->wait_for_stderr(std::regex("seeding .*app-1\\.0\\.aci"), 60s))
            << everseed_->stderr_text();
    }

    RunResult fetch(const fs::path& torrent, const fs::path& store,
                    std::vector<std::string> extra) {
        std::vector<std::string> argv{bin("aciswarm"),
                                      "fetch",
                                      "--store=" + store.string(),
                                      "--listen=127.0.0.1:0",
                                      "--lsd=false",
                                      "--no-progress",
                                      "--full",
                                      "--no-https-fallback",
                                      "--no-daemon",
                                      "--swarm-timeout=4s",
                                      "--insecure-options=image",
                                      "-v"};
        argv.insert(argv.end(), extra.begin(), extra.end());
        argv.push_back(torrent.string());
        RunResult r = run(ns_.exec(argv), {}, 120s);
        outputs_ += r.out + r.err;
        return r;
    }

    std::string all_logs() {
        std::string out = outputs_;
        for (auto* p : {&tracker_, &everseed_}) {
            if (*p) {
                (*p)->running();
                out += (*p)->stderr_text() + (*p)->stdout_text();
            }
        }
        return out;
    }

    TempDir dir_;
    const fs::path registry_ = dir_ / "registry";
    const fs::path keys_ = dir_ / "tracker.keys";
    NetNs ns_{"apsw" + std::to_string(::getpid())};
    std::optional<Process> tracker_;
    std::optional<Process> everseed_;
    int tracker_port_ = 0;
    std::string image_id_;
    std::string outputs_;
};

TEST_F(PrivateSwarm, OnlyKeyedNodesGetPeersAndAKeyRemovedLocksItsNodeOut) {
    const fs::path torrent = publish();
    auto published = torrent::parse_torrent(read_file(torrent));
    ASSERT_TRUE(published) << published.error().message;
    EXPECT_TRUE(published->private_torrent);
    start_everseed();

    // No key: the tracker refuses every announce; no peer, no byte.
    auto none = fetch(torrent, dir_ / "store-none", {});
    EXPECT_NE(none.status.code, 0) << none.err;
    EXPECT_TRUE(std::regex_search(none.err, std::regex("admits only keyed nodes"))) << none.err;
    EXPECT_LE(fetch_byte_sources(none.err).first, 0) << none.err;
    EXPECT_FALSE(fs::exists(dir_ / "store-none" / "blobs") &&
                 !fs::is_empty(dir_ / "store-none" / "blobs"));

    // A wrong key: the same.
    auto wrong = fetch(torrent, dir_ / "store-wrong", {"--tracker-key=not-a-key-0123456789"});
    EXPECT_NE(wrong.status.code, 0) << wrong.err;

    // The node's key: the everseed delivers every byte.
    const fs::path store = dir_ / "store-keyed";
    auto keyed = fetch(torrent, store, {"--tracker-key=" + kNodeKey});
    ASSERT_EQ(keyed.status.code, 0) << keyed.err << all_logs();
    EXPECT_EQ(keyed.out, image_id_ + "\n");
    EXPECT_GT(fetch_byte_sources(keyed.err).first, 512 * 1024) << keyed.err;
    // The private flag survived publish → fetch → the store's copy (what seeding uses).
    SystemClock clock;
    Logger quiet("test", LogLevel::error);
    auto opened = agent::store::Store::open(store, clock, quiet);
    ASSERT_TRUE(opened) << opened.error().message;
    auto record = opened->find_by_name("registry.test/app");
    ASSERT_TRUE(record) << record.error().message;
    auto stored = torrent::parse_torrent(record->torrent);
    ASSERT_TRUE(stored) << stored.error().message;
    EXPECT_TRUE(stored->private_torrent);

    // The node's key removed, SIGHUP: its next announce is refused.
    write_file(keys_, kEverseedKey + "\n");
    tracker_->signal(SIGHUP);
    ASSERT_TRUE(tracker_->wait_for_stderr(std::regex("keys: 1 key\\(s\\) from"), 10s))
        << tracker_->stderr_text();
    auto removed = fetch(torrent, dir_ / "store-removed", {"--tracker-key=" + kNodeKey});
    EXPECT_NE(removed.status.code, 0) << removed.err;
    EXPECT_LE(fetch_byte_sources(removed.err).first, 0) << removed.err;

    // No key in any output or log, the tracker's verbose log included.
    const std::string logs = all_logs();
    EXPECT_EQ(logs.find(kNodeKey), std::string::npos)
        << logs.substr(logs.find(kNodeKey) - std::min<std::size_t>(logs.find(kNodeKey), 300), 400);
    EXPECT_EQ(logs.find(kEverseedKey), std::string::npos);
    EXPECT_EQ(logs.find("not-a-key-0123456789"), std::string::npos) << logs;
}

// The daemon's tracker-key changed in agent.json, then SIGHUP: the private torrents
// it seeds re-announce with the new key at once (libtorrent replace_trackers), and the
// tracker admits them, without a restart. The everseed stops first, so the daemon is
// the swarm's only live seed, and its announces are easy to tell apart by port.
TEST_F(PrivateSwarm, TheDaemonAnnouncesWithItsNewTrackerKeyAfterSighup) {
    const fs::path torrent = publish();
    start_everseed();
    const fs::path store = dir_ / "daemon" / "store";
    auto keyed = fetch(torrent, store, {"--tracker-key=" + kNodeKey});
    ASSERT_EQ(keyed.status.code, 0) << keyed.err << all_logs();
    everseed_->signal(SIGTERM);
    EXPECT_TRUE(everseed_->wait(10s));

    const std::string old_key = "old-key-not-in-the-file";
    const fs::path config = dir_ / "daemon" / "agent.json";
    write_file(config, "{\"tracker-key\": \"" + old_key + "\"}\n");
    auto daemon = Process::spawn(ns_.exec(
        {bin("aciswarm"), "daemon", "--config=" + config.string(), "--store=" + store.string(),
         "--cache-dir=" + (dir_ / "daemon" / "cache").string(),
         "--socket=" + (dir_ / "daemon" / "agent.sock").string(), "--socket-group=",
         "--listen=127.0.0.1:0", "--lsd=false", "--insecure-options=image", "-v"}));
    const int port = daemon.wait_for_listening("bittorrent", 20s);
    ASSERT_GT(port, 0) << daemon.stderr_text();
    // Seeding with the old key: the tracker refuses it.
    ASSERT_TRUE(daemon.wait_for_stderr(std::regex("admits only keyed nodes"), 30s))
        << daemon.stderr_text();
    const std::regex admitted("http announce [0-9a-f]{40} from 127\\.0\\.0\\.1:" +
                              std::to_string(port) + " left=0 -> ok");
    EXPECT_FALSE(std::regex_search(tracker_->stderr_text(), admitted));

    write_file(config, "{\"tracker-key\": \"" + kNodeKey + "\"}\n");
    daemon.signal(SIGHUP);
    EXPECT_TRUE(daemon.wait_for_stderr(
        std::regex("reload: tracker-key changed: re-announced 1 private torrent"), 10s))
        << daemon.stderr_text();
    EXPECT_TRUE(tracker_->wait_for_stderr(admitted, 20s)) << tracker_->stderr_text();

    daemon.signal(SIGTERM);
    EXPECT_TRUE(daemon.wait(20s));
    const std::string logs = all_logs() + daemon.stderr_text() + daemon.stdout_text();
    EXPECT_EQ(logs.find(kNodeKey), std::string::npos);
    EXPECT_EQ(logs.find(old_key), std::string::npos);
}

}  // namespace
}  // namespace aciswarm::test
