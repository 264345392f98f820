// The daemon and a private registry (issue 14): a registry whose HTTPS
// certificate comes from a private CA (ca-file in the daemon's configuration,
// for web seeds and plain HTTPS), `aciswarm fetch --ca-file` never switching
// stores silently while a daemon runs, and `aciswarm image gc` keeping what
// the daemon seeds.
#include <gtest/gtest.h>
#include <signal.h>

#include "agent/store/store.hpp"
#include "common/file_read.hpp"
#include "tests/integration/daemon/daemon_process.hpp"
#include "tests/support/https_server.hpp"
#include "torrent/torrent_file.hpp"

namespace aciswarm::test {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

class PrivateRegistry : public ::testing::Test {
  protected:
    TempDir tmp;
    DaemonDirs dirs{tmp / "d"};
    void SetUp() override {
        fs::create_directories(dirs.root);
        fs::create_directories(tmp / "www");
    }
};

// ca-file in the daemon's configuration: a torrent whose only source is the
// registry's HTTPS web seed (libtorrent: SSL_CERT_FILE set from the
// configuration before the session starts, overriding the environment's),
// and a plain HTTPS .aci URL (curl). Before: no such key, and the daemon
// could not fetch from a registry with a private CA.
TEST_F(PrivateRegistry, DaemonTrustsItsConfiguredCaForWebSeedsAndHttps) {
    auto ca = make_test_ca(tmp / "ca");
    ASSERT_TRUE(ca);
    const fs::path aci = make_aci(tmp / "www", "app", 512 * 1024);
    auto server = HttpsServer::start(tmp / "www", *ca, tmp / "nginx");
    ASSERT_TRUE(server);
    torrent::CreateTorrentOptions topts;
    topts.web_seeds = {server->url("app-1.0.aci")};
    auto t = torrent::create_torrent(aci, topts);
    ASSERT_TRUE(t) << t.error().message;
    const fs::path torrent = tmp / "app-1.0.aci.torrent";
    write_file(torrent, t->bytes);

    SpawnOptions env;
    env.env["SSL_CERT_FILE"] = "/nonexistent/system-bundle.pem";  // what the daemon must override
    Process daemon = start_daemon(dirs, {"--ca-file=" + ca->ca_cert.string()}, env);
    ASSERT_GT(wait_daemon_ready(daemon), 0) << daemon.stderr_text();
    const auto by_torrent =
        api_call(dirs, {{"op", "fetch"}, {"source", torrent.string()}}, nullptr, 60s);
    ASSERT_TRUE(by_torrent.value("ok", false)) << by_torrent.dump() << daemon.stderr_text();
    const auto by_url = api_call(
        dirs, {{"op", "fetch"}, {"source", server->url("app-1.0.aci")}, {"no_store", true}},
        nullptr, 60s);
    ASSERT_TRUE(by_url.value("ok", false)) << by_url.dump() << daemon.stderr_text();
    EXPECT_EQ(by_url["image"], by_torrent["image"]);
    // The engine's own web seed slices (libcurl) trust the CA too, not only libtorrent's
    // web seed: before, every slice request failed the certificate check and the daemon
    // fell back to libtorrent's uncoordinated web seed (found by bench/swarm's daemon mode).
    daemon.read_available();  // the fetches' log lines came before their replies
    EXPECT_NE(daemon.stderr_text().find("opening 1 web seed(s)"), std::string::npos)
        << daemon.stderr_text();
    EXPECT_EQ(daemon.stderr_text().find("certificate problem"), std::string::npos)
        << daemon.stderr_text();
    EXPECT_EQ(daemon.stderr_text().find("web seed slices: giving up"), std::string::npos)
        << daemon.stderr_text();

    // The CLI with --ca-file while this daemon answers: a clear refusal, not an
    // in-process fetch into another store.
    const RunResult cli =
        run({bin("aciswarm"), "fetch", "--no-progress", "--ca-file=" + ca->ca_cert.string(),
             "--daemon-socket=" + dirs.socket().string(), server->url("app-1.0.aci")},
            {}, 30s);
    EXPECT_EQ(cli.status.code, 2) << cli.err;
    EXPECT_NE(cli.err.find("--ca-file: the daemon on " + dirs.socket().string()), std::string::npos)
        << cli.err;
    EXPECT_NE(cli.err.find("set ca-file in its configuration"), std::string::npos) << cli.err;
    EXPECT_NE(cli.err.find("--no-daemon"), std::string::npos) << cli.err;
    EXPECT_EQ(cli.out, "");
    daemon.signal(SIGTERM);
    ASSERT_TRUE(daemon.wait(15s));
    EXPECT_EQ(stored_count(dirs.store()), 1U);

    // A ca-file that is not a readable regular file stops the daemon at start.
    const RunResult bad =
        run({bin("aciswarm"), "daemon", "--config=" + dirs.config().string(),
             "--store=" + dirs.store().string(), "--socket=" + dirs.socket().string(),
             "--ca-file=" + (tmp / "missing.pem").string()},
            {}, 30s);
    EXPECT_EQ(bad.status.code, 2) << bad.err;
    EXPECT_NE(bad.err.find("ca-file " + (tmp / "missing.pem").string()), std::string::npos)
        << bad.err;
}

// `aciswarm image gc` on the daemon's store keeps what the daemon seeds
// (policy forever): through the daemon while it runs, from its state file
// when it does not. Before: gc removed the image the daemon was seeding.
TEST_F(PrivateRegistry, ImageGcKeepsWhatTheDaemonSeeds) {
    const fs::path aci = make_aci(tmp.path(), "app", 256 * 1024);
    auto t = torrent::create_torrent(aci, {});
    ASSERT_TRUE(t) << t.error().message;
    std::string id;
    {
        SystemClock clock;
        auto store = agent::store::Store::open(dirs.store(), clock, Logger::null());
        ASSERT_TRUE(store) << store.error().message;
        agent::store::ImportRequest req;
        req.torrent = t->bytes;
        req.info_hashes = t->info_hashes;
        auto rec = store->import_file(aci, req);
        ASSERT_TRUE(rec) << rec.error().message;
        id = rec->id.full();
    }
    Process daemon = start_daemon(dirs, {"--seed-policy=forever"});
    ASSERT_GT(wait_daemon_ready(daemon), 0) << daemon.stderr_text();
    ASSERT_TRUE(saw_stderr(daemon, "seeding sha512-", 10s)) << daemon.stderr_text();
    const std::vector<std::string> gc{bin("aciswarm"),
                                      "image",
                                      "gc",
                                      "--older-than=0s",
                                      "--store=" + dirs.store().string(),
                                      "--daemon-socket=" + dirs.socket().string()};
    const RunResult running = run(gc, {}, 30s);
    EXPECT_EQ(running.status.code, 0) << running.err;
    EXPECT_EQ(running.out.find("removed"), std::string::npos) << running.out;
    EXPECT_EQ(stored_count(dirs.store()), 1U);
    EXPECT_TRUE(api_call(dirs, {{"op", "status"}}).value("ok", false));

    daemon.signal(SIGTERM);
    ASSERT_TRUE(daemon.wait(15s));
    const RunResult stopped = run(gc, {}, 30s);
    EXPECT_EQ(stopped.status.code, 0) << stopped.err;
    EXPECT_EQ(stopped.out.find("removed"), std::string::npos) << stopped.out;
    EXPECT_EQ(stored_count(dirs.store()), 1U) << "pinned in the daemon's state file";
    (void)id;
}

}  // namespace
}  // namespace aciswarm::test
