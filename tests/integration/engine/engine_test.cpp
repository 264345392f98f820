// The engine on loopback: two in-process engines, nginx as an HTTPS web seed.
// Every wait is on an engine event or a process line, with a timeout.
#include <gtest/gtest.h>

#include <condition_variable>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

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

using test::random_bytes;

using namespace std::chrono_literals;

EngineConfig loopback_config() {
    EngineConfig c;
    c.listen_interfaces = {"127.0.0.1:0"};
    c.local_service_discovery = false;  // multicast would leave the machine
    return c;
}

class EngineTest : public ::testing::Test {
  protected:
    void SetUp() override {
        content_ = random_bytes(2 * 1024 * 1024 + 12345, 42);
        test::write_file(dir_ / "seed" / "app-1.0.aci", content_);
        torrent::CreateTorrentOptions opts;
        opts.format = torrent::TorrentFormat::hybrid;  // both hash paths (the default is v1)
        opts.piece_size = 64 * 1024;
        auto created = torrent::create_torrent(dir_ / "seed" / "app-1.0.aci", opts);
        ASSERT_TRUE(created) << created.error().message;
        torrent_ = created->bytes;
        hashes_ = created->info_hashes;
    }

    std::unique_ptr<Engine> start(EngineConfig config = loopback_config()) {
        auto e = Engine::create(std::move(config), log_, clock_);
        EXPECT_TRUE(e) << e.error().message;
        return e ? std::move(e).value() : nullptr;
    }

    // A seeder engine serving dir_/seed, checked and seeding.
    std::pair<std::unique_ptr<Engine>, PeerEndpoint> start_seeder() {
        auto seeder = start();
        if (!seeder) return {};
        auto id = seeder->add_seed({.torrent = torrent_, .save_path = dir_ / "seed"});
        EXPECT_TRUE(id) << id.error().message;
        auto st = seeder->wait_checked(*id, 20s);
        EXPECT_TRUE(st) << st.error().message;
        EXPECT_EQ(st->state, TorrentState::seeding);
        return {std::move(seeder), PeerEndpoint::v4({127, 0, 0, 1}, seeder->listen_port())};
    }

    // nginx serving dir_/root over HTTPS (web_seed_) with a certificate of a new CA,
    // and a leecher's config that trusts that CA or, with `trusted` false, only
    // another one (so certificate verification refuses the web seed).
    EngineConfig start_web_seed(const std::string& root = "seed", bool trusted = true,
                                const std::string& directives = "") {
        auto ca = test::make_test_ca(dir_ / "ca");
        auto leecher_ca = trusted ? ca : test::make_test_ca(dir_ / "other-ca");
        if (ca && leecher_ca)
            web_seed_ = test::HttpsServer::start(dir_ / root, *ca, dir_ / "nginx", directives);
        EngineConfig c = loopback_config();
        if (leecher_ca) {
            // What the aciswarm binary does at start-up (the engine never sets it).
            c.ca_file = leecher_ca->ca_cert;
            EXPECT_TRUE(set_process_ca_file(c.ca_file.string(), "test CA"));
        }
        return c;
    }

    test::TempDir dir_;
    std::optional<test::HttpsServer> web_seed_;
    Logger log_{"engine-test", std::getenv("ENGINE_TEST_DEBUG") ? LogLevel::debug : LogLevel::info};
    SystemClock clock_;
    std::string content_;
    std::string torrent_;
    InfoHashes hashes_;
};

TEST_F(EngineTest, CreateLogsListeningAndReportsThePort) {
    std::mutex mu;
    std::vector<std::string> lines;
    Logger capture("t", LogLevel::info, [&](LogLevel, std::string_view line) {
        std::lock_guard lock(mu);
        lines.emplace_back(line);
    });
    auto e = Engine::create(loopback_config(), capture, clock_);
    ASSERT_TRUE(e) << e.error().message;
    const auto port = (*e)->listen_port();
    ASSERT_NE(port, 0);
    ASSERT_EQ((*e)->listen_endpoints().size(), 1u);
    EXPECT_EQ((*e)->listen_endpoints()[0].to_string(), "127.0.0.1:" + std::to_string(port));
    std::lock_guard lock(mu);
    bool found = false;
    for (const auto& l : lines) {
        if (l.find("listening bittorrent 127.0.0.1:" + std::to_string(port)) != std::string::npos)
            found = true;
    }
    EXPECT_TRUE(found);
}

TEST_F(EngineTest, ListenOnABadAddressFails) {
    EngineConfig c = loopback_config();
    c.listen_interfaces = {"192.0.2.1:0"};  // not an address of this machine: bind fails
    c.listen_timeout = 5s;
    auto e = Engine::create(c, Logger::null(), clock_);
    ASSERT_FALSE(e);
    EXPECT_NE(e.error().message.find("192.0.2.1"), std::string::npos) << e.error().message;
}

TEST_F(EngineTest, DownloadsFromAPeerAddedDirectly) {
    auto [seeder, seeder_ep] = start_seeder();
    ASSERT_TRUE(seeder);
    auto leecher = start();
    ASSERT_TRUE(leecher);
    auto id = leecher->add_download(
        {.torrent = torrent_, .save_path = dir_ / "leech", .peers = {seeder_ep}});
    ASSERT_TRUE(id) << id.error().message;
    auto st = leecher->wait_finished(*id, 30s);
    ASSERT_TRUE(st) << st.error().message;
    EXPECT_EQ(test::read_file(dir_ / "leech" / "app-1.0.aci"), content_);
    EXPECT_EQ(st->total_done, static_cast<std::int64_t>(content_.size()));
    EXPECT_GE(st->bytes_from_peers, static_cast<std::int64_t>(content_.size()));
    EXPECT_EQ(st->bytes_from_web_seeds, 0);
    EXPECT_EQ(st->hash_failures, 0);
    EXPECT_EQ(*st->info_hashes.v1, *hashes_.v1);
    // Adding the same torrent twice is refused.
    auto again = leecher->add_download({.torrent = torrent_, .save_path = dir_ / "leech2"});
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, Errc::already_exists);
    EXPECT_EQ(leecher->find(*hashes_.v1)->value, id->value);
    EXPECT_EQ(leecher->find(hashes_.v2->truncated())->value, id->value);
}

TEST_F(EngineTest, ContentNamesDifferFromTheTorrentName) {
    // Seed a file stored under another name (a store blob), download into another name.
    test::write_file(dir_ / "blobs" / "sha512-abc", content_);
    auto seeder = start();
    ASSERT_TRUE(seeder);
    auto sid = seeder->add_seed(
        {.torrent = torrent_, .save_path = dir_ / "blobs", .content_name = "sha512-abc"});
    ASSERT_TRUE(sid) << sid.error().message;
    auto sst = seeder->wait_checked(*sid, 20s);
    ASSERT_TRUE(sst);
    EXPECT_EQ(sst->state, TorrentState::seeding);
    auto leecher = start();
    ASSERT_TRUE(leecher);
    auto id =
        leecher->add_download({.torrent = torrent_,
                               .save_path = dir_ / "staging",
                               .content_name = "download-1.part",
                               .peers = {PeerEndpoint::v4({127, 0, 0, 1}, seeder->listen_port())}});
    ASSERT_TRUE(id) << id.error().message;
    ASSERT_TRUE(leecher->wait_finished(*id, 30s));
    EXPECT_EQ(test::read_file(dir_ / "staging" / "download-1.part"), content_);
    EXPECT_FALSE(std::filesystem::exists(dir_ / "staging" / "app-1.0.aci"));
    auto bad = leecher->add_download({.magnet_uri = *torrent::make_magnet(torrent_),
                                      .save_path = dir_ / "x",
                                      .content_name = "y"});
    EXPECT_FALSE(bad);
}

TEST_F(EngineTest, MagnetGetsMetadataFromThePeer) {
    auto [seeder, seeder_ep] = start_seeder();
    ASSERT_TRUE(seeder);
    auto magnet = torrent::make_magnet(torrent_);
    ASSERT_TRUE(magnet);
    auto leecher = start();
    ASSERT_TRUE(leecher);
    auto id = leecher->add_download(
        {.magnet_uri = *magnet, .save_path = dir_ / "leech", .peers = {seeder_ep}});
    ASSERT_TRUE(id) << id.error().message;
    auto st = leecher->wait_finished(*id, 30s);
    ASSERT_TRUE(st) << st.error().message;
    EXPECT_TRUE(st->has_metadata);
    EXPECT_EQ(st->name, "app-1.0.aci");
    EXPECT_EQ(test::read_file(dir_ / "leech" / "app-1.0.aci"), content_);
    // The .torrent rebuilt from the metadata has the same identity.
    auto rebuilt = leecher->torrent_file(*id);
    ASSERT_TRUE(rebuilt) << rebuilt.error().message;
    auto meta = torrent::parse_torrent(*rebuilt);
    ASSERT_TRUE(meta) << meta.error().message;
    EXPECT_EQ(*meta->info_hashes.v1, *hashes_.v1);
    EXPECT_EQ(*meta->info_hashes.v2, *hashes_.v2);
}

TEST_F(EngineTest, SeedCheckFindsCorruptData) {
    std::string bad = content_;
    bad[100000] = static_cast<char>(bad[100000] ^ 0x55);
    test::write_file(dir_ / "bad" / "app-1.0.aci", bad);
    auto engine = start();
    ASSERT_TRUE(engine);
    auto id = engine->add_seed({.torrent = torrent_, .save_path = dir_ / "bad"});
    ASSERT_TRUE(id);
    auto st = engine->wait_checked(*id, 20s);
    ASSERT_TRUE(st) << st.error().message;
    EXPECT_NE(st->state, TorrentState::seeding);
    EXPECT_EQ(st->total_done, st->total_wanted - 64 * 1024);  // one piece is bad
    auto missing = engine->add_seed({.torrent = torrent_, .save_path = dir_ / "nothing"});
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, Errc::not_found);
}

TEST_F(EngineTest, WaitTimesOutAndCancels) {
    auto leecher = start();
    ASSERT_TRUE(leecher);
    auto id = leecher->add_download({.torrent = torrent_, .save_path = dir_ / "leech"});
    ASSERT_TRUE(id);
    auto timed_out = leecher->wait_finished(*id, 200ms);
    ASSERT_FALSE(timed_out);
    EXPECT_EQ(timed_out.error().code, Errc::timeout);
    std::stop_source stop;
    std::thread canceller([&] { stop.request_stop(); });
    auto cancelled = leecher->wait_finished(*id, 30s, stop.get_token());
    canceller.join();
    ASSERT_FALSE(cancelled);
    EXPECT_EQ(cancelled.error().code, Errc::cancelled);
    ASSERT_TRUE(leecher->remove(*id));
    EXPECT_FALSE(leecher->status(*id));
    EXPECT_EQ(leecher->wait_finished(*id, 1s).error().code, Errc::not_found);
}

// SSL_CERT_FILE is the binary's start-up wiring (common/process_tls.hpp): a
// library setting it at run time would race other threads' getenv.
TEST_F(EngineTest, CreateLeavesSslCertFileAlone) {
    const char* inherited = std::getenv("SSL_CERT_FILE");
    const std::optional<std::string> saved =
        inherited != nullptr ? std::optional<std::string>(inherited) : std::nullopt;
    ::setenv("SSL_CERT_FILE", "/inherited/bundle.pem", 1);
    test::write_file(dir_ / "ca.pem", "a CA bundle");
    EngineConfig c = loopback_config();
    c.ca_file = dir_ / "ca.pem";
    auto engine = start(c);
    const std::string after = std::getenv("SSL_CERT_FILE");
    if (saved) {
        ::setenv("SSL_CERT_FILE", saved->c_str(), 1);
    } else {
        ::unsetenv("SSL_CERT_FILE");
    }
    ASSERT_TRUE(engine);
    EXPECT_EQ(after, "/inherited/bundle.pem");
}

TEST_F(EngineTest, WebSeedOnlyOverHttpsWithTestCa) {
    EngineConfig c = start_web_seed();
    ASSERT_TRUE(web_seed_);
    auto leecher = start(c);
    ASSERT_TRUE(leecher);
    auto id = leecher->add_download({.torrent = torrent_,
                                     .save_path = dir_ / "leech",
                                     .web_seeds = {web_seed_->url("app-1.0.aci")}});
    ASSERT_TRUE(id) << id.error().message;
    auto st = leecher->wait_finished(*id, 30s);
    ASSERT_TRUE(st) << st.error().message;
    EXPECT_EQ(test::read_file(dir_ / "leech" / "app-1.0.aci"), content_);
    EXPECT_GE(st->bytes_from_web_seeds, static_cast<std::int64_t>(content_.size()));
    EXPECT_EQ(st->bytes_from_peers, 0);
}

TEST_F(EngineTest, UntrustedWebSeedCertificateDeliversNothing) {
    EngineConfig c = start_web_seed("seed", /*trusted=*/false);  // trusts a different CA
    ASSERT_TRUE(web_seed_);
    std::mutex mu;
    std::condition_variable cv;
    std::string web_seed_error;
    Logger capture("t", LogLevel::debug, [&](LogLevel level, std::string_view line) {
        if (std::getenv("ENGINE_TEST_DEBUG")) std::cerr << line << "\n";
        // The failure's warning, not a debug line that merely mentions the web seed.
        if (level == LogLevel::warn && line.find("web seed") != std::string_view::npos) {
            std::lock_guard lock(mu);
            web_seed_error = line;
            cv.notify_all();
        }
    });
    auto leecher = Engine::create(c, capture, clock_);
    ASSERT_TRUE(leecher);
    auto id = (*leecher)->add_download({.torrent = torrent_,
                                        .save_path = dir_ / "leech",
                                        .web_seeds = {web_seed_->url("app-1.0.aci")}});
    ASSERT_TRUE(id);
    {
        std::unique_lock lock(mu);
        ASSERT_TRUE(cv.wait_for(lock, 20s, [&] { return !web_seed_error.empty(); }));
    }
    auto st = (*leecher)->status(*id);
    ASSERT_TRUE(st);
    EXPECT_EQ(st->bytes_from_web_seeds, 0);
    EXPECT_EQ(st->total_done, 0);
    EXPECT_GE(st->web_seed_failures, 1);
    // libtorrent's "certificate verify failed", or libcurl's "SSL certificate problem:
    // unable to get local issuer certificate" (web seed slices, docs/engine.md).
    EXPECT_NE(st->web_seed_error.find("certificate"), std::string::npos) << st->web_seed_error;
}

TEST_F(EngineTest, InsecureTlsAcceptsAnUntrustedWebSeed) {
    EngineConfig c = start_web_seed("seed", /*trusted=*/false);  // would refuse the certificate...
    ASSERT_TRUE(web_seed_);
    c.insecure_tls = true;  // ...but verification is off
    auto leecher = start(c);
    ASSERT_TRUE(leecher);
    auto id = leecher->add_download({.torrent = torrent_,
                                     .save_path = dir_ / "leech",
                                     .web_seeds = {web_seed_->url("app-1.0.aci")}});
    ASSERT_TRUE(id);
    auto st = leecher->wait_finished(*id, 30s);
    ASSERT_TRUE(st) << st.error().message;
    EXPECT_EQ(test::read_file(dir_ / "leech" / "app-1.0.aci"), content_);
    EXPECT_EQ(st->web_seed_failures, 0);
}

TEST_F(EngineTest, CorruptWebSeedPlusGoodPeerGivesTheRightBytes) {
    // The web seed serves a copy with one byte flipped in every piece.
    std::string corrupt = content_;
    for (std::size_t off = 1000; off < corrupt.size(); off += 64 * 1024) {
        corrupt[off] = static_cast<char>(corrupt[off] ^ 0xff);
    }
    test::write_file(dir_ / "www" / "app-1.0.aci", corrupt);
    EngineConfig c = start_web_seed("www");
    ASSERT_TRUE(web_seed_);
    auto [seeder, seeder_ep] = start_seeder();
    ASSERT_TRUE(seeder);

    auto leecher = start(c);
    ASSERT_TRUE(leecher);
    std::mutex mu;
    std::condition_variable cv;
    int failures_seen = 0;
    bool web_seed_banned = false;
    leecher->set_event_callback([&](const EngineEvent& ev) {
        std::lock_guard lock(mu);
        if (ev.kind == EngineEvent::Kind::hash_failed) ++failures_seen;
        if (ev.kind == EngineEvent::Kind::web_seed_failed) web_seed_banned = true;
        cv.notify_all();
    });
    // Web seed alone first, until libtorrent bans it for its corrupt pieces;
    // then the good peer. (Pieces mixing blocks of a corrupt web seed and a
    // good peer can get the good peer banned too: docs/engine.md.)
    auto id = leecher->add_download({.torrent = torrent_,
                                     .save_path = dir_ / "leech",
                                     .web_seeds = {web_seed_->url("app-1.0.aci")}});
    ASSERT_TRUE(id);
    {
        std::unique_lock lock(mu);
        ASSERT_TRUE(cv.wait_for(lock, 20s, [&] { return failures_seen > 0 && web_seed_banned; }));
    }
    ASSERT_TRUE(leecher->add_peer(*id, seeder_ep));
    auto st = leecher->wait_finished(*id, 30s);
    ASSERT_TRUE(st) << st.error().message;
    EXPECT_EQ(test::read_file(dir_ / "leech" / "app-1.0.aci"), content_);
    EXPECT_GE(st->hash_failures, 1);
    EXPECT_GT(st->bytes_from_web_seeds, 0);
    EXPECT_GT(st->bytes_from_peers, 0);
}

TEST_F(EngineTest, ResumeDataRestoresAFinishedDownloadWithoutRefetching) {
    auto [seeder, seeder_ep] = start_seeder();
    ASSERT_TRUE(seeder);
    EngineConfig c = loopback_config();
    const auto resume = dir_ / "app.resume";
    {
        auto leecher = start(c);
        ASSERT_TRUE(leecher);
        auto id = leecher->add_download({.torrent = torrent_,
                                         .save_path = dir_ / "leech",
                                         .peers = {seeder_ep},
                                         .resume_file = resume});
        ASSERT_TRUE(id);
        ASSERT_TRUE(leecher->wait_finished(*id, 30s));
        ASSERT_TRUE(leecher->save_resume_data());
        EXPECT_TRUE(std::filesystem::exists(resume));
    }                // ~Engine saves again and stops
    seeder.reset();  // nobody to download from now
    auto restarted = start(c);
    ASSERT_TRUE(restarted);
    auto id = restarted->add_download(
        {.torrent = torrent_, .save_path = dir_ / "leech", .resume_file = resume});
    ASSERT_TRUE(id) << id.error().message;
    auto st = restarted->wait_finished(*id, 20s);
    ASSERT_TRUE(st) << st.error().message;
    EXPECT_EQ(st->total_done, static_cast<std::int64_t>(content_.size()));
    EXPECT_EQ(st->total_size, static_cast<std::int64_t>(content_.size()));
    EXPECT_EQ(st->total_payload_download, 0);
    EXPECT_EQ(st->state, TorrentState::seeding);
    // remove() leaves the file: the caller owns it.
    ASSERT_TRUE(restarted->remove(*id));
    EXPECT_TRUE(std::filesystem::exists(resume));
}

// A super-seeding seed (BEP 16, the registry's everseed) sends an empty bitfield, so
// only its extension handshake says it is a seed: at the web seed's address, its bytes
// are the everseed's (the demo printed "everseed 0.0 MiB" and counted them as agents').
TEST_F(EngineTest, ASuperSeedingSeedAtTheWebSeedsAddressCountsAsTheEverseed) {
    auto seeder = start();
    ASSERT_TRUE(seeder);
    auto seed_id =
        seeder->add_seed({.torrent = torrent_, .save_path = dir_ / "seed", .super_seed = true});
    ASSERT_TRUE(seed_id) << seed_id.error().message;
    ASSERT_TRUE(seeder->wait_checked(*seed_id, 20s));
    EngineConfig c = loopback_config();
    c.web_seed_delay = 120s;  // the web seed (a refused port) stays out
    auto leecher = start(c);
    ASSERT_TRUE(leecher);
    auto id =
        leecher->add_download({.torrent = torrent_,
                               .save_path = dir_ / "leech",
                               .web_seeds = {"https://127.0.0.1:1/app-1.0.aci"},
                               .peers = {PeerEndpoint::v4({127, 0, 0, 1}, seeder->listen_port())}});
    ASSERT_TRUE(id) << id.error().message;
    // libtorrent 2.0.8's super-seeding hands a lone peer its first piece after ~10 s.
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (leecher->status(*id)->bytes_from_peers == 0) {
        ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "no byte from the super-seed";
        std::this_thread::sleep_for(100ms);  // polling the engine's progress
    }
    const auto st = leecher->status(*id);
    ASSERT_TRUE(st);
    EXPECT_EQ(st->bytes_from_web_seeds, 0);
    EXPECT_GT(st->bytes_from_origin_peers, 0);
    EXPECT_EQ(st->bytes_from_origin_peers, st->bytes_from_peers);
}

TEST_F(EngineTest, GatedWebSeedStaysOutWhileAPeerDeliversAndStaysInTheResumeData) {
    // WebSeedUse::fallback (default): the web seed joins only when no peer sends a byte for
    // web_seed_delay. Here a peer delivers at once, so the web seed (a refused port on
    // loopback) is never connected: with WebSeedUse::always it fails and counts.
    auto [seeder, seeder_ep] = start_seeder();
    ASSERT_TRUE(seeder);
    EngineConfig c = loopback_config();
    c.web_seed_delay = 30s;  // far beyond the peer's first byte, even on a loaded machine
    const std::string web_seed = "https://127.0.0.1:1/app-1.0.aci";
    auto leecher = start(c);
    ASSERT_TRUE(leecher);
    auto id = leecher->add_download({.torrent = torrent_,
                                     .save_path = dir_ / "leech",
                                     .web_seeds = {web_seed},
                                     .peers = {seeder_ep},
                                     .resume_file = dir_ / "app.resume"});
    ASSERT_TRUE(id);
    auto st = leecher->wait_finished(*id, 30s);
    ASSERT_TRUE(st) << st.error().message;
    EXPECT_EQ(test::read_file(dir_ / "leech" / "app-1.0.aci"), content_);
    EXPECT_EQ(st->bytes_from_web_seeds, 0);
    EXPECT_EQ(st->web_seed_failures, 0) << st->web_seed_error;
    EXPECT_GT(st->bytes_from_peers, 0);
    // A seed at the web seed's address is the registry's everseed, although the web seed
    // never connected (the demo printed "everseed 0.0 MiB": its bytes counted as agents').
    EXPECT_EQ(st->bytes_from_origin_peers, st->bytes_from_peers);
    // The held-back web seed is in the resume data: a resumed download keeps its origin.
    ASSERT_TRUE(leecher->save_resume_data());
    const std::string resume = test::read_file(dir_ / "app.resume");
    EXPECT_NE(resume.find(web_seed), std::string::npos);
}

TEST_F(EngineTest, BadResumeFileMeansStartingOver) {
    auto [seeder, seeder_ep] = start_seeder();
    ASSERT_TRUE(seeder);
    test::write_file(dir_ / "junk.resume", "not bencode");
    auto e = start(loopback_config());
    ASSERT_TRUE(e);
    auto id = e->add_download({.torrent = torrent_,
                               .save_path = dir_ / "leech",
                               .peers = {seeder_ep},
                               .resume_file = dir_ / "junk.resume"});
    ASSERT_TRUE(id) << id.error().message;
    // The download starts over from the peer; the file is left for the caller.
    auto st = e->wait_finished(*id, 30s);
    ASSERT_TRUE(st) << st.error().message;
    EXPECT_EQ(test::read_file(dir_ / "leech" / "app-1.0.aci"), content_);
    EXPECT_TRUE(std::filesystem::exists(dir_ / "junk.resume"));
}

// Registry credentials never reach a resume file, and a resumed download's web seed
// gets them only from the caller (the daemon: its auth.d when the fetch is asked for
// again, AddDownload::web_seed_url), never from the file: without them the registry
// answers 401 and nothing arrives; with them the download goes on from its pieces.
TEST_F(EngineTest, ResumedWebSeedTakesCredentialsFromTheCallerNeverFromTheResumeFile) {
    const std::string password = "resume-Pw-7Qx2-secret";
    test::SpawnOptions hash_input;
    hash_input.stdin_data = password + "\n";
    auto hashed = test::run({"openssl", "passwd", "-apr1", "-stdin"}, hash_input, 10s);
    ASSERT_EQ(hashed.status.code, 0) << hashed.err;
    test::write_file(dir_ / "htpasswd", "ci:" + hashed.out);
    // 256 KiB/s per request: the 2 MiB image takes seconds, so the first run stops halfway.
    EngineConfig c = start_web_seed("seed", true,
                                    "    auth_basic \"registry\";\n    auth_basic_user_file " +
                                        (dir_ / "htpasswd").string() + ";\n    limit_rate 256k;\n");
    ASSERT_TRUE(web_seed_);
    c.web_seed_use = WebSeedUse::always;
    const std::string url = web_seed_->url("app-1.0.aci");
    const WebSeedUrl with_credentials = [&](const std::string& u) {
        return "https://ci:" + password + "@" + u.substr(std::string("https://").size());
    };
    AddDownload add{.torrent = torrent_,
                    .save_path = dir_ / "leech",
                    .web_seeds = {url},
                    .web_seed_url = with_credentials,
                    .resume_file = dir_ / "app.resume"};
    {
        auto first = start(c);
        ASSERT_TRUE(first);
        auto id = first->add_download(add);
        ASSERT_TRUE(id) << id.error().message;
        const auto deadline = std::chrono::steady_clock::now() + 30s;
        while (first->status(*id)->total_done < 512 * 1024) {
            ASSERT_LT(std::chrono::steady_clock::now(), deadline)
                << "no progress from the web seed";
            std::this_thread::sleep_for(100ms);  // polling the engine's progress
        }
        ASSERT_TRUE(first->save_resume_data(*id, 10s));
    }
    const std::string saved = test::read_file(add.resume_file);
    EXPECT_EQ(saved.find(password), std::string::npos);
    EXPECT_NE(saved.find(url), std::string::npos);  // the origin, without its userinfo

    // Resumed without credentials from the caller: the registry refuses the web seed.
    std::mutex mu;
    std::condition_variable cv;
    std::string refused;
    Logger capture("t", LogLevel::info, [&](LogLevel level, std::string_view line) {
        if (level != LogLevel::warn || line.find("web seed") == std::string_view::npos) return;
        std::lock_guard lock(mu);
        refused = line;
        cv.notify_all();
    });
    {
        auto bare = Engine::create(c, capture, clock_);
        ASSERT_TRUE(bare);
        AddDownload without = add;
        without.web_seed_url = {};
        auto id = (*bare)->add_download(without);
        ASSERT_TRUE(id) << id.error().message;
        std::string seen;
        {
            // Not held while asking the engine: its network thread logs through capture.
            std::unique_lock lock(mu);
            ASSERT_TRUE(cv.wait_for(lock, 20s, [&] { return !refused.empty(); }));
            seen = refused;
        }
        EXPECT_NE(seen.find("401"), std::string::npos) << seen;
        EXPECT_EQ((*bare)->status(*id)->bytes_from_web_seeds, 0);
    }

    // Resumed with them: it goes on from the verified pieces and finishes.
    auto resumed = start(c);
    ASSERT_TRUE(resumed);
    auto id = resumed->add_download(add);
    ASSERT_TRUE(id) << id.error().message;
    auto st = resumed->wait_finished(*id, 60s);
    ASSERT_TRUE(st) << st.error().message;
    EXPECT_EQ(test::read_file(dir_ / "leech" / "app-1.0.aci"), content_);
    EXPECT_LT(st->bytes_from_web_seeds, static_cast<std::int64_t>(content_.size()));
}

}  // namespace
}  // namespace aciswarm::engine
