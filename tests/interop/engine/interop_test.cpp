// python3-libtorrent ↔ aciswarm on loopback.
#include <gtest/gtest.h>

#include <regex>

#include "agent/engine/engine.hpp"
#include "common/clock.hpp"
#include "common/log.hpp"
#include "tests/support/process.hpp"
#include "tests/support/random_bytes.hpp"
#include "tests/support/temp_dir.hpp"
#include "torrent/torrent_file.hpp"

namespace aciswarm::test {
namespace {

namespace fs = std::filesystem;

TEST(PythonLibtorrent, DownloadsAPublishedImageFromTheEverseed) {
    TempDir dir;
    write_file(dir / "rootfs" / "bin" / "app", random_bytes(1500000, 11));
    const auto image = dir / "app.aci";
    ASSERT_EQ(run({bin("aciswarm"), "build-aci", (dir / "rootfs").string(),
                   "--name=example.com/app", "--version=1.0", "--out=" + image.string()})
                  .status.code,
              0);
    const auto reg = dir / "registry";
    auto pub = run({bin("aciswarm"), "publish", image.string(),
                    "--webseed-base=https://127.0.0.1:1/", "--out=" + reg.string()});
    ASSERT_EQ(pub.status.code, 0) << pub.err;
    auto seeder = Process::spawn({bin("aciswarm"), "seed", "--dir=" + reg.string(),
                                  "--listen=127.0.0.1:0", "--lsd=false", "--scan-interval=200ms"});
    const int port = seeder.wait_for_listening("bittorrent");
    ASSERT_GT(port, 0) << seeder.stderr_text();
    ASSERT_TRUE(seeder.wait_for_stderr(std::regex("seeding .*app-1\\.0\\.aci"), 20s));
    const auto stem = reg / "linux" / "amd64" / "example.com" / "app-1.0";
    auto py = run({"/usr/bin/python3", LT_PEER_SCRIPT, "download", stem.string() + ".torrent",
                   (dir / "py").string(), std::to_string(port)},
                  {}, 60s);
    ASSERT_EQ(py.status.code, 0) << py.err;
    EXPECT_NE(py.out.find("finished"), std::string::npos);
    EXPECT_EQ(read_file(dir / "py" / "app-1.0.aci"), read_file(image));
}

TEST(PythonLibtorrent, EngineDownloadsFromAPythonSeed) {
    TempDir dir;
    const std::string content = random_bytes(1200000, 12);
    write_file(dir / "seed" / "data.aci", content);
    auto created = torrent::create_torrent(dir / "seed" / "data.aci", {});
    ASSERT_TRUE(created);
    write_file(dir / "data.torrent", created->bytes);
    auto py = Process::spawn({"/usr/bin/python3", LT_PEER_SCRIPT, "seed",
                              (dir / "data.torrent").string(), (dir / "seed").string()});
    const int port = py.wait_for_listening("bittorrent", 20s);
    ASSERT_GT(port, 0) << py.stderr_text();
    ASSERT_TRUE(py.wait_for_stderr(std::regex("seeding"), 20s)) << py.stderr_text();

    SystemClock clock;
    engine::EngineConfig c;
    c.listen_interfaces = {"127.0.0.1:0"};
    c.local_service_discovery = false;
    auto e = engine::Engine::create(c, Logger::null(), clock);
    ASSERT_TRUE(e) << e.error().message;
    auto id = (*e)->add_download(
        {.torrent = created->bytes,
         .save_path = dir / "leech",
         .peers = {PeerEndpoint::v4({127, 0, 0, 1}, static_cast<std::uint16_t>(port))}});
    ASSERT_TRUE(id);
    auto st = (*e)->wait_finished(*id, 30s);
    ASSERT_TRUE(st) << st.error().message;
    EXPECT_EQ(read_file(dir / "leech" / "data.aci"), content);
    EXPECT_GE(st->bytes_from_peers, static_cast<std::int64_t>(content.size()));
}

}  // namespace
}  // namespace aciswarm::test
