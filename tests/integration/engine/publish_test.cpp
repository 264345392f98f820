// build-aci, publish and the everseed as real processes; downloads by an
// in-process engine on loopback (peer) and from nginx (HTTPS web seed).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "agent/engine/engine.hpp"
#include "common/clock.hpp"
#include "common/log.hpp"
#include "common/process_tls.hpp"
#include "tests/support/https_server.hpp"
#include "tests/support/process.hpp"
#include "tests/support/random_bytes.hpp"
#include "tests/support/temp_dir.hpp"
#include "torrent/torrent_file.hpp"

namespace aciswarm::test {
namespace {

namespace fs = std::filesystem;

class PublishTest : public ::testing::Test {
  protected:
    // Builds NAME:VERSION with a rootfs of random bytes; returns the .aci path.
    fs::path build_image(const std::string& name, const std::string& version, std::uint32_t seed,
                         std::size_t size = 1024 * 1024) {
        const auto rootfs = dir_ / ("rootfs-" + std::to_string(seed));
        write_file(rootfs / "bin" / "app", random_bytes(size, seed));
        write_file(rootfs / "etc" / "hello", "hello\n");
        const auto out = dir_ / ("img-" + std::to_string(seed) + ".aci");
        auto r = run({bin("aciswarm"), "build-aci", rootfs.string(), "--name=" + name,
                      "--version=" + version, "--label=channel=stable", "--out=" + out.string()});
        EXPECT_EQ(r.status.code, 0) << r.err;
        return out;
    }

    // `out`: a gzip tar (tar(1), no checks of ours) of `entries` below `src`.
    static void tar_czf(const fs::path& out, const fs::path& src,
                        const std::vector<std::string>& entries) {
        std::vector<std::string> argv{"tar", "-czf", out.string(), "-C", src.string()};
        argv.insert(argv.end(), entries.begin(), entries.end());
        const RunResult r = run(argv);
        ASSERT_EQ(r.status.code, 0) << r.err;
    }

    RunResult publish(const fs::path& image, const std::string& base = "https://127.0.0.1:8443/") {
        return run({bin("aciswarm"), "publish", image.string(),
                    "--tracker=http://127.0.0.1:1/announce", "--webseed-base=" + base,
                    "--out=" + reg_.string(), "--piece-size=65536"});
    }

    std::unique_ptr<engine::Engine> start_engine(engine::EngineConfig c = {}) {
        c.listen_interfaces = {"127.0.0.1:0"};
        c.local_service_discovery = false;
        auto e = engine::Engine::create(std::move(c), log_, clock_);
        EXPECT_TRUE(e) << e.error().message;
        return e ? std::move(e).value() : nullptr;
    }

    TempDir dir_;
    fs::path reg_ = dir_ / "registry";
    Logger log_{"publish-test", LogLevel::warn};
    SystemClock clock_;
};

TEST_F(PublishTest, BuildAciWritesManifestAndRootfs) {
    const auto image = build_image("example.com/app", "1.0", 1, 4096);
    auto list = run({"tar", "-tzf", image.string()});
    ASSERT_EQ(list.status.code, 0) << list.err;
    EXPECT_NE(list.out.find("manifest\n"), std::string::npos) << list.out;
    EXPECT_NE(list.out.find("rootfs/bin/app\n"), std::string::npos) << list.out;
    EXPECT_NE(list.out.find("rootfs/etc/hello\n"), std::string::npos) << list.out;
    auto manifest = run({"tar", "-xzOf", image.string(), "manifest"});
    ASSERT_EQ(manifest.status.code, 0);
    auto json = nlohmann::json::parse(manifest.out);
    EXPECT_EQ(json["acKind"], "ImageManifest");
    EXPECT_EQ(json["name"], "example.com/app");
    std::map<std::string, std::string> labels;
    for (const auto& l : json["labels"])
        labels[l["name"]] = l["value"];
    EXPECT_EQ(labels["version"], "1.0");
    EXPECT_EQ(labels["os"], "linux");
    EXPECT_EQ(labels["arch"], "amd64");
    EXPECT_EQ(labels["channel"], "stable");

    auto bad = run({bin("aciswarm"), "build-aci", (dir_ / "rootfs-1").string(), "--name=Not_Valid",
                    "--version=1", "--out=" + (dir_ / "x.aci").string()});
    EXPECT_EQ(bad.status.code, 2);
    EXPECT_NE(bad.err.find("Not_Valid"), std::string::npos) << bad.err;
    EXPECT_FALSE(fs::exists(dir_ / "x.aci"));
}

TEST_F(PublishTest, PublishWritesTorrentMagnetAndDiscoveryIndex) {
    const auto image = build_image("example.com/app", "1.0", 2);
    auto r = publish(image);
    ASSERT_EQ(r.status.code, 0) << r.err;
    const auto stem = reg_ / "linux" / "amd64" / "example.com" / "app-1.0";
    EXPECT_EQ(read_file(stem.string() + ".aci"), read_file(image));
    auto meta = torrent::parse_torrent(read_file(stem.string() + ".torrent"));
    ASSERT_TRUE(meta) << meta.error().message;
    EXPECT_EQ(meta->name, "app-1.0.aci");
    // The default format is v1: what every client in Debian 12 opens.
    EXPECT_TRUE(meta->info_hashes.has_v1());
    EXPECT_FALSE(meta->info_hashes.has_v2());
    EXPECT_EQ(meta->piece_size, 65536);
    ASSERT_EQ(meta->web_seeds.size(), 1u);
    EXPECT_EQ(meta->web_seeds[0], "https://127.0.0.1:8443/linux/amd64/example.com/app-1.0.aci");
    ASSERT_EQ(meta->trackers.size(), 1u);
    EXPECT_EQ(meta->trackers[0], "http://127.0.0.1:1/announce");

    std::string magnet_text = read_file(stem.string() + ".magnet");
    while (!magnet_text.empty() && magnet_text.back() == '\n')
        magnet_text.pop_back();
    auto magnet = torrent::parse_magnet(magnet_text);
    ASSERT_TRUE(magnet) << magnet.error().message;
    EXPECT_EQ(*magnet->info_hashes.v1, *meta->info_hashes.v1);
    EXPECT_FALSE(magnet->info_hashes.has_v2());
    EXPECT_EQ(magnet->web_seeds, meta->web_seeds);
    EXPECT_NE(r.out.find("torrent-format v1\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("info-hash " + meta->info_hashes.v1->hex()), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("info-hash-v2"), std::string::npos) << r.out;
    auto published = nlohmann::json::parse(read_file(reg_ / "published.json"));
    ASSERT_EQ(published.size(), 1u);
    EXPECT_EQ(published[0]["torrent_format"], "v1");
    EXPECT_EQ(published[0]["info_hash_v1"], meta->info_hashes.v1->hex());
    EXPECT_TRUE(published[0]["info_hash_v2"].is_null());

    const std::string html = read_file(reg_ / "index.html");
    EXPECT_NE(html.find("<meta name=\"ac-discovery\" content=\"example.com/app "
                        "https://127.0.0.1:8443/{os}/{arch}/{name}-{version}.{ext}\">"),
              std::string::npos)
        << html;
    for (const auto& item : fs::directory_iterator(reg_)) {
        EXPECT_FALSE(item.path().filename().string().starts_with(".staging")) << item.path();
    }
}

// Each format writes the hashes it has; a v2 torrent's index entry shows its v2 hash.
TEST_F(PublishTest, TorrentFormatChoosesTheInfoHashes) {
    const auto image = build_image("example.com/app", "1.0", 12);
    const auto stem = reg_ / "linux" / "amd64" / "example.com" / "app-1.0";
    for (const std::string format : {"hybrid", "v2"}) {
        auto r = run({bin("aciswarm"), "publish", image.string(), "--webseed-base=https://h/",
                      "--out=" + reg_.string(), "--torrent-format=" + format});
        ASSERT_EQ(r.status.code, 0) << r.err;
        auto meta = torrent::parse_torrent(read_file(stem.string() + ".torrent"));
        ASSERT_TRUE(meta) << meta.error().message;
        EXPECT_EQ(meta->info_hashes.has_v1(), format == "hybrid") << format;
        ASSERT_TRUE(meta->info_hashes.has_v2()) << format;
        EXPECT_NE(r.out.find("torrent-format " + format + "\n"), std::string::npos) << r.out;
        EXPECT_NE(r.out.find("info-hash-v2 " + meta->info_hashes.v2->hex()), std::string::npos)
            << r.out;
        EXPECT_EQ(r.out.find("info-hash ") != std::string::npos, format == "hybrid") << r.out;
        auto published = nlohmann::json::parse(read_file(reg_ / "published.json"));
        ASSERT_EQ(published.size(), 1u);
        EXPECT_EQ(published[0]["torrent_format"], format);
        EXPECT_EQ(published[0]["info_hash_v2"], meta->info_hashes.v2->hex());
        const std::string html = read_file(reg_ / "index.html");
        const std::string shown =
            format == "hybrid" ? meta->info_hashes.v1->hex() : meta->info_hashes.v2->hex();
        EXPECT_NE(html.find("<code>" + shown + "</code>"), std::string::npos) << html;
    }
}

TEST_F(PublishTest, UnknownTorrentFormatIsAUsageErrorNamingIt) {
    const auto image = build_image("example.com/app", "1.0", 13);
    auto r = run({bin("aciswarm"), "publish", image.string(), "--webseed-base=https://h/",
                  "--out=" + reg_.string(), "--torrent-format=v3"});
    EXPECT_EQ(r.status.code, 2);
    EXPECT_NE(r.err.find("'v3'"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("v1, hybrid or v2"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(reg_ / "published.json"));
}

TEST_F(PublishTest, RepublishingAVersionReplacesItsFiles) {
    ASSERT_EQ(publish(build_image("example.com/app", "1.0", 3)).status.code, 0);
    ASSERT_EQ(publish(build_image("example.com/other", "2.0", 4)).status.code, 0);
    const auto stem = reg_ / "linux" / "amd64" / "example.com" / "app-1.0";
    auto first = torrent::parse_torrent(read_file(stem.string() + ".torrent"));
    const auto newer = build_image("example.com/app", "1.0", 5);
    auto r = publish(newer);
    ASSERT_EQ(r.status.code, 0) << r.err;
    auto second = torrent::parse_torrent(read_file(stem.string() + ".torrent"));
    ASSERT_TRUE(first && second);
    EXPECT_NE(*first->info_hashes.v1, *second->info_hashes.v1);
    EXPECT_EQ(read_file(stem.string() + ".aci"), read_file(newer));
    auto published = nlohmann::json::parse(read_file(reg_ / "published.json"));
    ASSERT_EQ(published.size(), 2u);  // app 1.0 once, other 2.0
    int app_entries = 0;
    for (const auto& item : published) {
        if (item["name"] == "example.com/app") {
            ++app_entries;
            EXPECT_EQ(item["info_hash_v1"], second->info_hashes.v1->hex());
        }
    }
    EXPECT_EQ(app_entries, 1);
    const std::string html = read_file(reg_ / "index.html");
    EXPECT_NE(html.find("content=\"example.com/other "), std::string::npos);
}

TEST_F(PublishTest, PublishRefusesAnInvalidImageAndWritesNothing) {
    write_file(dir_ / "junk.aci", random_bytes(10000, 6));
    auto r = publish(dir_ / "junk.aci");
    EXPECT_EQ(r.status.code, 1);
    EXPECT_NE(r.err.find("junk.aci"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(reg_ / "index.html"));
    EXPECT_FALSE(fs::exists(reg_ / "published.json"));

    // A tar without a manifest.
    write_file(dir_ / "t" / "rootfs" / "x", "x");
    ASSERT_NO_FATAL_FAILURE(tar_czf(dir_ / "nomanifest.aci", dir_ / "t", {"rootfs"}));
    auto r2 = publish(dir_ / "nomanifest.aci");
    EXPECT_EQ(r2.status.code, 1);
    EXPECT_NE(r2.err.find("no manifest"), std::string::npos) << r2.err;

    auto r3 = run({bin("aciswarm"), "publish", (dir_ / "junk.aci").string(),
                   "--webseed-base=https://127.0.0.1/x?token=1", "--out=" + reg_.string()});
    EXPECT_EQ(r3.status.code, 2);
    EXPECT_NE(r3.err.find("query"), std::string::npos) << r3.err;
}

// publish validates with the import rules (appc::validate_aci, which the store uses too) and
// prints the image ID every agent's import will compute.
TEST_F(PublishTest, PublishUsesTheStoreRulesAndPrintsTheImageId) {
    const auto good = build_image("example.com/app", "1.0", 11);
    auto r = publish(good);
    ASSERT_EQ(r.status.code, 0) << r.err;
    std::smatch m;
    const std::string out = r.out;
    ASSERT_TRUE(std::regex_search(out, m, std::regex("image-id (sha512-[0-9a-f]{128})\n"))) << out;
    const std::string published_id = m[1];
    auto imported = run({bin("aciswarm"), "import", "--insecure-options=image",
                         "--store=" + (dir_ / "store").string(), good.string()});
    ASSERT_EQ(imported.status.code, 0) << imported.err;
    std::smatch d;
    ASSERT_TRUE(std::regex_search(imported.out, d, std::regex("sha512-[0-9a-f]{32}")))
        << imported.out;
    EXPECT_EQ(published_id.substr(0, d[0].length()), d[0].str());

    // A label name that is not an AC Identifier: import refuses such an image, so publish does.
    const auto t = dir_ / "badlabel";
    write_file(t / "rootfs" / "x", "x");
    write_file(t / "manifest",
               R"({"acKind":"ImageManifest","acVersion":"0.8.11","name":"example.com/bad",)"
               R"("labels":[{"name":"version","value":"1.0"},{"name":"os","value":"linux"},)"
               R"({"name":"arch","value":"amd64"},{"name":"Not_An_AC_Name","value":"x"}]})");
    ASSERT_NO_FATAL_FAILURE(tar_czf(dir_ / "badlabel.aci", t, {"manifest", "rootfs"}));
    auto bad = publish(dir_ / "badlabel.aci");
    EXPECT_EQ(bad.status.code, 1);
    EXPECT_NE(bad.err.find("badlabel.aci"), std::string::npos) << bad.err;
    EXPECT_NE(bad.err.find("Not_An_AC_Name"), std::string::npos) << bad.err;
    EXPECT_FALSE(fs::exists(reg_ / "linux" / "amd64" / "example.com" / "bad-1.0.torrent"));
}

TEST_F(PublishTest, EverseedServesEveryImageSkipsCorruptOnesAndPicksUpNewOnes) {
    const auto good = build_image("example.com/app", "1.0", 7);
    ASSERT_EQ(publish(good).status.code, 0);
    ASSERT_EQ(publish(build_image("example.com/broken", "1.0", 8)).status.code, 0);
    const auto broken = reg_ / "linux" / "amd64" / "example.com" / "broken-1.0.aci";
    std::string bytes = read_file(broken);
    for (std::size_t i = 0; i < bytes.size(); i += 4096)
        bytes[i] = static_cast<char>(~bytes[i]);
    write_file(broken, bytes);

    auto seeder = Process::spawn({bin("aciswarm"), "seed", "--dir=" + reg_.string(),
                                  "--listen=127.0.0.1:0", "--lsd=false", "--scan-interval=200ms"});
    const int port = seeder.wait_for_listening("bittorrent");
    ASSERT_GT(port, 0) << seeder.stderr_text();
    // The two images are checked in parallel: either line may come first.
    ASSERT_TRUE(seeder
                    .wait_for_stderr_all({std::regex("seeding .*app-1\\.0\\.aci"),
                                          std::regex("corrupt .*broken-1\\.0\\.aci")},
                                         20s)
                    .empty())
        << seeder.stderr_text();

    auto leecher = start_engine();
    ASSERT_TRUE(leecher);
    const auto peer = PeerEndpoint::v4({127, 0, 0, 1}, static_cast<std::uint16_t>(port));
    auto fetch = [&](const std::string& stem_name, const std::string& into) {
        const auto stem = reg_ / "linux" / "amd64" / "example.com" / stem_name;
        auto id = leecher->add_download({.torrent = read_file(stem.string() + ".torrent"),
                                         .save_path = dir_ / into,
                                         .peers = {peer}});
        EXPECT_TRUE(id) << id.error().message;
        if (!id) return;
        auto st = leecher->wait_finished(*id, 30s);
        ASSERT_TRUE(st) << st.error().message;
        EXPECT_EQ(read_file(dir_ / into / (stem_name + ".aci")), read_file(stem.string() + ".aci"));
        EXPECT_GT(st->bytes_from_peers, 0);
    };
    fetch("app-1.0", "leech1");

    // A new image published while the everseed runs is served within a scan or two.
    ASSERT_EQ(publish(build_image("example.com/later", "2.0", 9)).status.code, 0);
    ASSERT_TRUE(seeder.wait_for_stderr(std::regex("seeding .*later-2\\.0\\.aci"), 20s))
        << seeder.stderr_text();
    fetch("later-2.0", "leech2");

    EXPECT_TRUE(seeder.running());
    seeder.signal(SIGTERM);
    auto status = seeder.wait(15s);
    ASSERT_TRUE(status);
    EXPECT_EQ(status->code, 0) << seeder.stderr_text();
}

TEST_F(PublishTest, PublishedTorrentDownloadsFromTheHttpsWebSeedAlone) {
    fs::create_directories(reg_);
    auto ca = make_test_ca(dir_ / "ca");
    ASSERT_TRUE(ca);
    auto server = HttpsServer::start(reg_, *ca, dir_ / "nginx");
    ASSERT_TRUE(server);
    const auto image = build_image("example.com/app", "1.0", 10);
    auto r = publish(image, server->url(""));
    ASSERT_EQ(r.status.code, 0) << r.err;
    const auto stem = reg_ / "linux" / "amd64" / "example.com" / "app-1.0";

    engine::EngineConfig c;
    c.ca_file = ca->ca_cert;
    ASSERT_TRUE(set_process_ca_file(c.ca_file.string(), "test CA"));  // the binary's start-up step
    auto leecher = start_engine(c);
    ASSERT_TRUE(leecher);
    // No peers, a tracker that refuses connections: only the torrent's url-list can deliver.
    auto id = leecher->add_download(
        {.torrent = read_file(stem.string() + ".torrent"), .save_path = dir_ / "leech"});
    ASSERT_TRUE(id) << id.error().message;
    auto st = leecher->wait_finished(*id, 30s);
    ASSERT_TRUE(st) << st.error().message;
    EXPECT_EQ(read_file(dir_ / "leech" / "app-1.0.aci"), read_file(image));
    EXPECT_GE(st->bytes_from_web_seeds, static_cast<std::int64_t>(fs::file_size(image)));
    EXPECT_EQ(st->bytes_from_peers, 0);
}

}  // namespace
}  // namespace aciswarm::test
