// The daemon with a real store and engine on loopback: it seeds an image that
// a second daemon (own store, own port, no web seed) fetches from it; the
// fetched image goes on seeding after the client leaves; per-image policy via
// `aciswarm image seed`; a restart resumes seeding; kill -9 mid-download
// leaves no partial image and the next fetch after the restart resumes the download;
// `aciswarm fetch` (local .torrent, magnet) through a daemon that seeds on.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include "agent/store/store.hpp"
#include "common/file_read.hpp"
#include "tests/integration/daemon/daemon_process.hpp"
#include "torrent/torrent_file.hpp"

namespace aciswarm::test {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

struct Published {
    fs::path aci;
    fs::path torrent;
    std::string image_id;  // full
    std::uint64_t size = 0;
};

// Makes an image + torrent and imports both into `store_dir` (the seeder's store).
Published publish(const fs::path& work, const fs::path& store_dir, std::size_t payload,
                  int piece_size = 0) {
    Published p;
    p.aci = make_aci(work, "app", payload);
    torrent::CreateTorrentOptions topts;
    topts.piece_size = piece_size;
    auto t = torrent::create_torrent(p.aci, topts);
    if (!t) throw std::runtime_error(t.error().message);
    p.torrent = work / "app-1.0.aci.torrent";
    write_file(p.torrent, t->bytes);
    const ImportedImage imported = import_with_torrent(store_dir, p.aci, t->bytes, t->info_hashes);
    p.image_id = imported.image_id;
    p.size = imported.size;
    return p;
}

const nlohmann::json* find_image(const nlohmann::json& status, const std::string& id) {
    for (const auto& i : status["images"]) {
        if (i["id"] == id) return &i;
    }
    return nullptr;
}

// Asks daemon `dirs` to fetch img's .torrent with 127.0.0.1:port as its only given peer.
nlohmann::json fetch_from_peer(const DaemonDirs& dirs, const Published& img, int port,
                               std::vector<nlohmann::json>* events = nullptr) {
    return api_call(dirs,
                    {{"op", "fetch"},
                     {"source", img.torrent.string()},
                     {"peers", {"127.0.0.1:" + std::to_string(port)}}},
                    events, 60s);
}

// Stops daemon a (da), so that a third agent (c) can only get the image from b
// (db, BitTorrent on port_b): b must go on seeding it, c must fetch it and b's
// status must count bytes uploaded. `on_b` receives b's status entry for the image.
void third_agent_fetches_from_b_alone(Process& da, Process& db, int port_b, const DaemonDirs& b,
                                      const DaemonDirs& c, const Published& img,
                                      nlohmann::json& on_b) {
    da.signal(SIGTERM);
    ASSERT_TRUE(da.wait(10s));
    ASSERT_TRUE(saw_stderr(db, "seeding " + img.image_id.substr(0, 39), 10s)) << db.stderr_text();
    Process dc = start_daemon(c);
    ASSERT_GT(wait_daemon_ready(dc), 0) << dc.stderr_text();
    const auto again = fetch_from_peer(c, img, port_b);
    ASSERT_TRUE(again.value("ok", false)) << again.dump() << dc.stderr_text();
    EXPECT_EQ(again["image"], img.image_id);
    const auto b_status = api_call(b, {{"op", "status"}});
    const auto* entry = find_image(b_status, img.image_id);
    ASSERT_NE(entry, nullptr) << b_status.dump();
    on_b = *entry;
    EXPECT_GT(on_b["uploaded"].get<std::uint64_t>(), 0U) << b_status.dump();
}

class Swarm : public ::testing::Test {
  protected:
    TempDir tmp;
    DaemonDirs a{tmp / "a"};
    DaemonDirs b{tmp / "b"};
    DaemonDirs c{tmp / "c"};
};

TEST_F(Swarm, SecondAgentFetchesFromTheSeedingDaemonAndSeedsAfterTheClientLeaves) {
    fs::create_directories(a.root);
    const Published img = publish(tmp.path(), a.store(), 3 * 1024 * 1024);
    Process da = start_daemon(a, {"--seed-policy=forever"});
    const int port_a = wait_daemon_ready(da);
    ASSERT_GT(port_a, 0) << da.stderr_text();
    ASSERT_TRUE(saw_stderr(da, "seeding sha512-", 10s)) << da.stderr_text();
    auto st = api_call(a, {{"op", "status"}});
    const auto* seeded = find_image(st, img.image_id);
    ASSERT_NE(seeded, nullptr) << st.dump();
    EXPECT_EQ((*seeded)["policy"], "forever");

    Process db = start_daemon(b, {"--seed-policy=forever"});
    const int port_b = wait_daemon_ready(db);
    ASSERT_GT(port_b, 0) << db.stderr_text();
    std::vector<nlohmann::json> events;
    const auto fetched = fetch_from_peer(b, img, port_a, &events);
    ASSERT_TRUE(fetched.value("ok", false)) << fetched.dump() << db.stderr_text();
    EXPECT_EQ(fetched["image"], img.image_id);
    ASSERT_FALSE(events.empty());
    EXPECT_EQ(events.front()["event"], "progress");
    // The fetch connection is closed now; b seeds on its own.
    nlohmann::json on_b;
    ASSERT_NO_FATAL_FAILURE(third_agent_fetches_from_b_alone(da, db, port_b, b, c, img, on_b));
}

TEST_F(Swarm, ImageSeedSetsPolicyAndRestartResumesSeeding) {
    fs::create_directories(a.root);
    const Published img = publish(tmp.path(), a.store(), 256 * 1024);
    {
        Process da = start_daemon(a, {"--seed-policy=idle=1h"});
        ASSERT_GT(wait_daemon_ready(da), 0) << da.stderr_text();
        const RunResult r = run({bin("aciswarm"), "image", "seed", img.image_id.substr(0, 20),
                                 "--for=24h", "--socket=" + a.socket().string()});
        EXPECT_EQ(r.status.code, 0) << r.err;
        EXPECT_NE(r.out.find("policy for=1d"), std::string::npos) << r.out;
        const RunResult status =
            run({bin("aciswarm"), "status", "--socket=" + a.socket().string()});
        EXPECT_NE(status.out.find("for=1d"), std::string::npos) << status.out;
        da.signal(SIGTERM);
        ASSERT_TRUE(saw_stderr(da, "stopping: saving resume data", 5s));
        const auto exit = da.wait(10s);
        ASSERT_TRUE(exit);
        EXPECT_EQ(exit->code, 0);
    }
    Process da = start_daemon(a, {"--seed-policy=idle=1h"});
    ASSERT_GT(wait_daemon_ready(da), 0) << da.stderr_text();
    EXPECT_TRUE(saw_stderr(da, "seeding sha512-", 10s)) << da.stderr_text();
    const auto st = api_call(a, {{"op", "status"}});
    const auto* i = find_image(st, img.image_id);
    ASSERT_NE(i, nullptr) << st.dump();
    EXPECT_EQ((*i)["policy"], "for=1d") << "the per-image policy survives the restart";
    EXPECT_EQ((*i)["policy_source"], "image");
    EXPECT_NE((*i)["state"], "stopped");

    // --stop ends seeding now; so does rm.
    const RunResult stop = run({bin("aciswarm"), "image", "seed", img.image_id, "--stop",
                                "--socket=" + a.socket().string()});
    EXPECT_EQ(stop.status.code, 0) << stop.err;
    EXPECT_NE(stop.out.find("stopped"), std::string::npos) << stop.out;
    const auto rm = api_call(a, {{"op", "rm"}, {"image", img.image_id}});
    EXPECT_TRUE(rm.value("ok", false)) << rm.dump();
    EXPECT_EQ(stored_count(a.store()), 0U);
}

// Daemon b fetches img from the partial seeder alone (127.0.0.1:port_partial) until a third of
// it is verified and its resume file has been written once more, then dies by kill -9.
void fetch_a_third_then_kill_dash_nine(const DaemonDirs& b, const Published& img,
                                       int port_partial) {
    std::uint64_t verified_before_kill = 0;
    Process db = start_daemon(b, {"--resume-interval=1s", "--tick=100ms"});
    ASSERT_GT(wait_daemon_ready(db), 0) << db.stderr_text();
    auto client = agent::ApiClient::connect(b.socket().string());
    ASSERT_TRUE(client);
    auto torrent = open_regular_file(img.torrent.string(), Symlinks::follow);
    ASSERT_TRUE(torrent) << torrent.error().message;
    const int files[] = {torrent->get()};
    ASSERT_TRUE(client->send_with_files(
        nlohmann::json{{"op", "fetch"},
                       {"source", img.torrent.string()},
                       {"source_fd", true},
                       {"peers", {"127.0.0.1:" + std::to_string(port_partial)}}}
                .dump() +
            "\n",
        files));
    // Progress every 100 ms: wait (bounded) for a third of the image...
    for (int i = 0; i < 300 && verified_before_kill < img.size / 3; ++i) {
        auto ev = client->read_reply(10s);
        ASSERT_TRUE(ev) << ev.error().message;
        ASSERT_TRUE(ev->contains("event")) << ev->dump();
        verified_before_kill = (*ev)["done"].get<std::uint64_t>();
    }
    ASSERT_GE(verified_before_kill, img.size / 3) << db.stderr_text();
    ASSERT_LT(verified_before_kill, img.size);
    // ...then for the next write of its resume file, beside the data in the store's staging
    // area (the fetch's own resume, docs/fetch.md).
    auto meta = torrent::parse_torrent(read_file(img.torrent));
    ASSERT_TRUE(meta) << meta.error().message;
    const fs::path resume =
        b.store() / "staging" / ("partial-" + meta->info_hashes.best().hex()) / "resume";
    const auto resume_written = [&]() -> std::optional<fs::file_time_type> {
        std::error_code ec;
        const auto at = fs::last_write_time(resume, ec);
        return ec ? std::nullopt : std::optional(at);
    };
    const auto first = resume_written();
    bool rewritten = false;
    for (int i = 0; i < 100 && !rewritten; ++i) {
        auto ev = client->read_reply(10s);
        ASSERT_TRUE(ev && ev->contains("event"));
        const auto now = resume_written();
        rewritten = now && (!first || *now != *first);
    }
    ASSERT_TRUE(rewritten) << "no resume data written to " << resume;
    db.signal(SIGKILL);
    ASSERT_TRUE(db.wait(5s));
}

TEST_F(Swarm, KillDashNineMidDownloadLeavesNoPartialImageAndTheRestartResumes) {
    fs::create_directories(a.root);
    // 8 MiB in 64 KiB pieces. The first peer (python3-libtorrent) has only the
    // first half, so b's download stops half way, deterministically.
    const Published img = publish(tmp.path(), a.store(), 8 * 1024 * 1024, 64 * 1024);
    std::string half = read_file(img.aci);
    std::fill(half.begin() + static_cast<std::ptrdiff_t>(half.size() / 2), half.end(), '\0');
    write_file(tmp / "partial" / img.aci.filename(), half);
    Process partial = Process::spawn({"/usr/bin/python3",
                                      std::string(ACISWARM_DAEMON_TEST_DIR) + "/partial_seed.py",
                                      img.torrent.string(), (tmp / "partial").string()});
    const int port_partial = partial.wait_for_listening("tcp", 30s);
    ASSERT_GT(port_partial, 0) << partial.stderr_text();

    ASSERT_NO_FATAL_FAILURE(fetch_a_third_then_kill_dash_nine(b, img, port_partial));
    partial.signal(SIGKILL);
    EXPECT_EQ(stored_count(b.store()), 0U) << "no partial image in the store";

    // Now the full seeder; b restarts, and the next fetch of the torrent resumes from the
    // verified pieces and fetches only what it lacks.
    Process da = start_daemon(a, {"--seed-policy=forever"});
    const int port_a = wait_daemon_ready(da);
    ASSERT_GT(port_a, 0) << da.stderr_text();
    Process db = start_daemon(b);
    ASSERT_GT(wait_daemon_ready(db), 0) << db.stderr_text();
    const auto done = fetch_from_peer(b, img, port_a);
    ASSERT_TRUE(done.value("ok", false)) << done.dump() << db.stderr_text();
    EXPECT_EQ(done["image"], img.image_id);
    EXPECT_EQ(stored_count(b.store()), 1U);
    ASSERT_TRUE(saw_stderr(db, "resuming a partial download", 10s)) << db.stderr_text();
    const std::string log = db.stderr_text();
    std::smatch resumed;
    ASSERT_TRUE(std::regex_search(
        log, resumed,
        std::regex("resuming a partial download \\(([0-9]+) of ([0-9]+) bytes verified\\)")))
        << log;
    const std::uint64_t kept = std::stoull(resumed[1].str());
    EXPECT_GE(kept, img.size / 3) << "verified pieces were kept";
    // a sent only the missing part (plus at most a few pieces in flight).
    const auto a_status = api_call(a, {{"op", "status"}});
    const auto* on_a = find_image(a_status, img.image_id);
    ASSERT_NE(on_a, nullptr);
    const auto uploaded = (*on_a)["uploaded"].get<std::uint64_t>();
    EXPECT_GT(uploaded, 0U);
    EXPECT_LE(uploaded, img.size - kept + 8 * 64 * 1024) << a_status.dump();
}

// `aciswarm fetch` while daemon b's socket answers (no --store: the daemon's): b fetches (from
// daemon a, the only seeder) and the CLI prints the image ID; after the CLI has exited and a is
// gone, a third agent fetches the image from b.
void cli_fetch_through_daemon_keeps_seeding(const TempDir& tmp, const DaemonDirs& a,
                                            const DaemonDirs& b, const DaemonDirs& c,
                                            const Published& img, const std::string& source,
                                            const std::string& daemon_path_log,
                                            const std::vector<std::string>& options = {}) {
    Process da = start_daemon(a, {"--seed-policy=forever"});
    const int port_a = wait_daemon_ready(da);
    ASSERT_GT(port_a, 0) << da.stderr_text();
    ASSERT_TRUE(saw_stderr(da, "seeding sha512-", 10s)) << da.stderr_text();
    Process db = start_daemon(b);
    const int port_b = wait_daemon_ready(db);
    ASSERT_GT(port_b, 0) << db.stderr_text();

    SpawnOptions in_tmp;
    in_tmp.cwd = tmp.path().string();
    std::vector<std::string> argv{bin("aciswarm"),
                                  "fetch",
                                  "--no-progress",
                                  "--seed-policy=forever",
                                  "--daemon-socket=" + b.socket().string(),
                                  "--peer=127.0.0.1:" + std::to_string(port_a)};
    argv.insert(argv.end(), options.begin(), options.end());
    argv.push_back(source);
    const RunResult cli = run(argv, in_tmp, 60s);
    ASSERT_EQ(cli.status.code, 0) << cli.err << db.stderr_text();
    EXPECT_EQ(cli.out, img.image_id.substr(0, 39) + "\n");
    EXPECT_NE(cli.err.find("through the daemon"), std::string::npos) << cli.err;
    EXPECT_EQ(stored_count(b.store()), 1U);
    EXPECT_TRUE(saw_stderr(db, daemon_path_log, 1s)) << db.stderr_text();

    // The CLI is gone; so is a. b seeds under the policy the CLI asked for.
    nlohmann::json on_b;
    ASSERT_NO_FATAL_FAILURE(third_agent_fetches_from_b_alone(da, db, port_b, b, c, img, on_b));
    EXPECT_EQ(on_b["policy"], "forever") << on_b.dump();
}

TEST_F(Swarm, CliFetchOfALocalTorrentThroughTheDaemonSeedsAfterTheCliExits) {
    fs::create_directories(a.root);
    const Published img = publish(tmp.path(), a.store(), 2 * 1024 * 1024);
    // Relative to the CLI's working directory: the daemon resolves it with "dir".
    cli_fetch_through_daemon_keeps_seeding(tmp, a, b, c, img, "./app-1.0.aci.torrent",
                                           "fetched sha512-.* via swarm");
}

// Fetch options the API carries go along (the CLI still uses the daemon).
TEST_F(Swarm, CliFetchOfAMagnetRunsTheFetcherInTheDaemonAndSeedsAfterTheCliExits) {
    fs::create_directories(a.root);
    const Published img = publish(tmp.path(), a.store(), 2 * 1024 * 1024);
    auto magnet = torrent::make_magnet(read_file(img.torrent));
    ASSERT_TRUE(magnet) << magnet.error().message;
    cli_fetch_through_daemon_keeps_seeding(
        tmp, a, b, c, img, *magnet, "fetched sha512-.* via swarm",
        {"--swarm-timeout=20s", "--no-https-fallback", "--no-store"});
}

TEST_F(Swarm, CliFetchWithItsOwnStoreRunsInProcessWhileTheDaemonAnswers) {
    fs::create_directories(a.root);
    const Published img = publish(tmp.path(), a.store(), 1024 * 1024);
    Process db = start_daemon(b);
    ASSERT_GT(wait_daemon_ready(db), 0) << db.stderr_text();
    // --store (an in-process-only option): the CLI's own store, though b answers.
    const RunResult own =
        run({bin("aciswarm"), "fetch", "--no-progress", "--lsd=false", "--insecure-options=image",
             "--listen=127.0.0.1:0", "--store=" + (tmp / "own").string(),
             "--daemon-socket=" + b.socket().string(), img.aci.string()});
    ASSERT_EQ(own.status.code, 0) << own.err;
    EXPECT_EQ(own.out, img.image_id.substr(0, 39) + "\n");
    EXPECT_EQ(own.err.find("through the daemon"), std::string::npos) << own.err;
    EXPECT_EQ(stored_count(tmp / "own"), 1U);
    EXPECT_EQ(stored_count(b.store()), 0U);
}

// A magnet nobody seeds keeps a Fetcher worker busy (waiting for metadata):
// meanwhile the daemon streams progress to that client and answers another
// one; SIGTERM cancels the worker and the daemon exits cleanly, nothing stored.
TEST_F(Swarm, AFetcherWorkerLeavesTheApiResponsiveAndStopsWithTheDaemon) {
    const Published img = publish(tmp.path(), tmp / "unused-store", 256 * 1024);
    auto magnet = torrent::make_magnet(read_file(img.torrent));
    ASSERT_TRUE(magnet) << magnet.error().message;
    Process db = start_daemon(b);
    ASSERT_GT(wait_daemon_ready(db), 0) << db.stderr_text();

    auto fetching = agent::ApiClient::connect(b.socket().string());
    ASSERT_TRUE(fetching) << fetching.error().message;
    ASSERT_TRUE(
        fetching->send_raw(nlohmann::json{{"op", "fetch"}, {"source", *magnet}}.dump() + "\n"));
    const auto event = fetching->read_reply(10s);
    ASSERT_TRUE(event) << event.error().message << db.stderr_text();
    EXPECT_EQ((*event)["event"], "progress") << event->dump();
    ASSERT_TRUE(saw_stderr(db, "started \\(magnet link\\)", 5s)) << db.stderr_text();

    const auto status = api_call(b, {{"op", "status"}}, nullptr, 5s);
    ASSERT_TRUE(status.value("ok", false)) << status.dump();
    EXPECT_EQ(status["daemon"]["images"], 0) << status.dump();
    const auto second = fetching->read_reply(10s);  // the fetch still runs and reports
    ASSERT_TRUE(second) << second.error().message;
    EXPECT_EQ((*second)["event"], "progress") << second->dump();

    db.signal(SIGTERM);
    const auto exited = db.wait(10s);
    ASSERT_TRUE(exited) << db.stderr_text();
    EXPECT_TRUE(exited->exited() && exited->code == 0) << db.stderr_text();
    EXPECT_EQ(stored_count(b.store()), 0U);
}

// As uid 65534 (so the default store is under XDG_DATA_HOME, not /var/lib):
// a daemon socket it may not use, --no-daemon, and no socket at all each give
// an in-process fetch into that store; the daemon's store stays empty.
TEST_F(Swarm, CliFetchRunsInProcessWhenTheDaemonIsUnusableOrNoDaemonIsGiven) {
    fs::permissions(tmp.path(), fs::perms::owner_all | fs::perms::group_read |
                                    fs::perms::group_exec | fs::perms::others_read |
                                    fs::perms::others_exec);
    const Published img = publish(tmp.path(), tmp / "unused-store", 64 * 1024);
    const fs::path home = tmp / "nobody";
    fs::create_directories(home);
    ASSERT_EQ(::chown(home.c_str(), 65534, 65534), 0);
    Process db = start_daemon(b);
    ASSERT_GT(wait_daemon_ready(db), 0) << db.stderr_text();
    const auto as_nobody = [&](const std::string& option) {
        SpawnOptions o;
        o.env["XDG_DATA_HOME"] = home.string();
        o.env["HOME"] = home.string();
        return run({"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", bin("aciswarm"),
                    "fetch", "--no-progress", "--insecure-options=image", option, img.aci.string()},
                   o, 30s);
    };
    const std::string id = img.image_id.substr(0, 39) + "\n";
    // b's socket is root's only: one warning, then in-process.
    const RunResult refused = as_nobody("--daemon-socket=" + b.socket().string());
    ASSERT_EQ(refused.status.code, 0) << refused.err;
    EXPECT_EQ(refused.out, id);
    EXPECT_NE(refused.err.find("; fetching in-process"), std::string::npos) << refused.err;
    // --no-daemon: the socket is not even tried.
    const RunResult own = as_nobody("--no-daemon");
    ASSERT_EQ(own.status.code, 0) << own.err;
    EXPECT_EQ(own.out, id);
    EXPECT_EQ(own.err.find("daemon"), std::string::npos) << own.err;
    // Nothing listens at the path: in-process without a warning.
    const RunResult none = as_nobody("--daemon-socket=" + (home / "none.sock").string());
    ASSERT_EQ(none.status.code, 0) << none.err;
    EXPECT_EQ(none.out, id);
    EXPECT_EQ(none.err.find("daemon"), std::string::npos) << none.err;

    EXPECT_EQ(stored_count(home / "aciswarm"), 1U);
    EXPECT_EQ(stored_count(b.store()), 0U);
}

}  // namespace
}  // namespace aciswarm::test
