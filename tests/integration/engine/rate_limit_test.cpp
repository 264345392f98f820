// Rate limits hold for peers and web seeds on local addresses (loopback here;
// in a cluster every peer is local, and libtorrent exempts local peers from
// rate limits unless told otherwise). Each test moves a few MiB through a
// limit and checks the transfer took at least size / limit × 0.8: a
// correctness check of the limit (load can only make it slower), not a
// performance assertion.
#include <gtest/gtest.h>

#include <chrono>
#include <iostream>

#include "agent/engine/engine.hpp"
#include "common/clock.hpp"
#include "common/log.hpp"
#include "common/process_tls.hpp"
#include "tests/support/https_server.hpp"
#include "tests/support/random_bytes.hpp"
#include "tests/support/temp_dir.hpp"
#include "torrent/torrent_file.hpp"

namespace aciswarm::engine {
namespace {

using namespace std::chrono_literals;

constexpr std::int64_t image_size = 3 * 1024 * 1024;
constexpr std::int64_t limit = 512 * 1024;  // bytes/s: 3 MiB take ≥ 6 s

EngineConfig loopback_config() {
    EngineConfig c;
    c.listen_interfaces = {"127.0.0.1:0"};
    c.local_service_discovery = false;
    return c;
}

class RateLimitTest : public ::testing::Test {
  protected:
    void SetUp() override {
        content_ = test::random_bytes(image_size, 7);
        test::write_file(dir_ / "seed" / "app-1.0.aci", content_);
        torrent::CreateTorrentOptions opts;
        opts.piece_size = 64 * 1024;
        auto created = torrent::create_torrent(dir_ / "seed" / "app-1.0.aci", opts);
        ASSERT_TRUE(created) << created.error().message;
        torrent_ = created->bytes;
    }

    std::unique_ptr<Engine> start(EngineConfig config) {
        auto e = Engine::create(std::move(config), log_, clock_);
        EXPECT_TRUE(e) << e.error().message;
        return e ? std::move(e).value() : nullptr;
    }

    std::unique_ptr<Engine> start_seeder(EngineConfig config) {
        auto seeder = start(std::move(config));
        if (!seeder) return nullptr;
        auto id = seeder->add_seed({.torrent = torrent_, .save_path = dir_ / "seed"});
        EXPECT_TRUE(id) << id.error().message;
        auto st = seeder->wait_checked(*id, 20s);
        EXPECT_TRUE(st && st->state == TorrentState::seeding);
        return seeder;
    }

    // Downloads the image into dir_/leech from the given peers / web seeds and
    // returns the elapsed seconds (or -1 on failure).
    double timed_download(Engine& leecher, std::vector<PeerEndpoint> peers,
                          std::vector<std::string> web_seeds) {
        const auto started = std::chrono::steady_clock::now();
        auto id = leecher.add_download({.torrent = torrent_,
                                        .save_path = dir_ / "leech",
                                        .web_seeds = std::move(web_seeds),
                                        .peers = std::move(peers)});
        EXPECT_TRUE(id) << id.error().message;
        if (!id) return -1;
        auto st = leecher.wait_finished(*id, 120s);
        EXPECT_TRUE(st) << st.error().message;
        if (!st) return -1;
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        EXPECT_EQ(test::read_file(dir_ / "leech" / "app-1.0.aci"), content_);
        std::cerr << "rate-limit: " << image_size << " bytes in " << seconds << " s ("
                  << static_cast<double>(image_size) / seconds / 1024 << " KiB/s, limit "
                  << limit / 1024 << " KiB/s)\n";
        return seconds;
    }

    static double minimum_seconds() {
        return static_cast<double>(image_size) / static_cast<double>(limit) * 0.8;
    }

    test::TempDir dir_;
    Logger log_{"rate-test", LogLevel::warn};
    SystemClock clock_;
    std::string content_;
    std::string torrent_;
};

TEST_F(RateLimitTest, UploadLimitHoldsForALoopbackPeer) {
    EngineConfig seed_config = loopback_config();
    seed_config.upload_rate_limit = limit;
    auto seeder = start_seeder(seed_config);
    ASSERT_TRUE(seeder);
    auto leecher = start(loopback_config());
    ASSERT_TRUE(leecher);
    const double seconds =
        timed_download(*leecher, {PeerEndpoint::v4({127, 0, 0, 1}, seeder->listen_port())}, {});
    EXPECT_GE(seconds, minimum_seconds());
}

TEST_F(RateLimitTest, DownloadLimitHoldsForALoopbackPeer) {
    auto seeder = start_seeder(loopback_config());
    ASSERT_TRUE(seeder);
    EngineConfig leech_config = loopback_config();
    leech_config.download_rate_limit = limit;
    auto leecher = start(leech_config);
    ASSERT_TRUE(leecher);
    const double seconds =
        timed_download(*leecher, {PeerEndpoint::v4({127, 0, 0, 1}, seeder->listen_port())}, {});
    EXPECT_GE(seconds, minimum_seconds());
}

TEST_F(RateLimitTest, DownloadLimitHoldsForALoopbackWebSeed) {
    auto ca = test::make_test_ca(dir_ / "ca");
    ASSERT_TRUE(ca);
    auto server = test::HttpsServer::start(dir_ / "seed", *ca, dir_ / "nginx");
    ASSERT_TRUE(server);
    EngineConfig leech_config = loopback_config();
    leech_config.ca_file = ca->ca_cert;
    ASSERT_TRUE(set_process_ca_file(leech_config.ca_file.string(), "test CA"));  // as at start-up
    leech_config.download_rate_limit = limit;
    auto leecher = start(leech_config);
    ASSERT_TRUE(leecher);
    const double seconds = timed_download(*leecher, {}, {server->url("app-1.0.aci")});
    EXPECT_GE(seconds, minimum_seconds());
}

}  // namespace
}  // namespace aciswarm::engine
