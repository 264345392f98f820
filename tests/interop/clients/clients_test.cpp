// Debian 12's BitTorrent clients against aciswarm, both directions, as real
// processes in two network namespaces this test creates (NetLab: transmission
// ignores peers on 127.0.0.0/8):
//
//   downloads  aciswarm publish → aciswarm-tracker (--dir, locked) + the
//              everseed; the client downloads the image by .torrent or by
//              magnet, and its SHA-512 equals the published file's.
//   seeds      aciswarm publish → aciswarm-tracker; the client is the only
//              seeder (no everseed, the web seed points at a closed port,
//              --no-https-fallback); `aciswarm fetch` of the .torrent or the
//              magnet prints the image ID publish printed.
//
// Every client × direction × torrent format × source is a case. The ones a
// client cannot do (transmission 3.00 and aria2 1.36 with hybrid or v2
// torrents: docs/interop.md) are skipped unless ACISWARM_INTEROP_ALL=1, which
// runs the whole matrix (that is how docs/interop.md's table was made).
#include <gtest/gtest.h>

#include <cstdlib>
#include <regex>
#include <tuple>

#include "common/digest.hpp"
#include "common/hex.hpp"
#include "common/url.hpp"
#include "tests/interop/clients/clients.hpp"
#include "tests/interop/clients/net_lab.hpp"
#include "tests/support/aci_builder.hpp"
#include "tests/support/process.hpp"
#include "tests/support/random_bytes.hpp"
#include "tests/support/temp_dir.hpp"
#include "torrent/torrent_file.hpp"

namespace aciswarm::test {
namespace {

namespace fs = std::filesystem;
using torrent::TorrentFormat;

enum class Direction { downloads, seeds };
enum class Via { torrent, magnet };

using Case = std::tuple<ClientKind, Direction, TorrentFormat, Via>;

std::string case_name(const Case& c) {
    const auto& [client, direction, format, via] = c;
    return client_name(client) + "_" + (direction == Direction::downloads ? "downloads" : "seeds") +
           "_" + std::string(torrent::torrent_format_name(format)) + "_" +
           (via == Via::torrent ? "torrent" : "magnet");
}

// What docs/interop.md says each client can do (tested with ACISWARM_INTEROP_ALL=1).
bool expected_to_work(ClientKind client, TorrentFormat format) {
    if (client == ClientKind::qbittorrent) return true;
    // transmission 3.00 refuses hybrid and v2 .torrents and never completes their
    // magnets; aria2 1.36 gets a hybrid's v1 info hash wrong and has no v2.
    return format == TorrentFormat::v1;
}

std::string sha512_hex(const fs::path& file) {
    const auto digest = Digest::of(Digest::Algorithm::sha512, read_file(file));
    return to_hex(digest);
}

class ClientInterop : public ::testing::TestWithParam<Case> {
  protected:
    void SetUp() override {
        const auto& [client, direction, format, via] = GetParam();
        if (!expected_to_work(client, format) && std::getenv("ACISWARM_INTEROP_ALL") == nullptr) {
            GTEST_SKIP() << client_name(client) << " cannot use "
                         << torrent::torrent_format_name(format)
                         << " torrents (docs/interop.md); ACISWARM_INTEROP_ALL=1 runs it anyway";
        }
        ASSERT_EQ(lab_.create(), "");
        fs::create_directories(registry_);
        // The tracker first: its announce URL goes into the torrent.
        tracker_ = Process::spawn(lab_.in_server(
            {bin("aciswarm-tracker"), "--http=" + std::string(NetLab::server_ip) + ":0",
             "--udp=" + std::string(NetLab::server_ip) + ":0", "--dir=" + registry_.string(),
             "--scan-interval=1", "--interval=5", "--min-interval=1", "-v"}));
        tracker_port_ = tracker_->wait_for_listening("http", 20s);
        ASSERT_GT(tracker_port_, 0) << tracker_->stderr_text();
        publish(format);
        // Locked: the tracker answers only once its scan has seen the new torrent.
        ASSERT_TRUE(
            tracker_->wait_for_stderr(std::regex("whitelist: [1-9][0-9]* info hashes"), 20s))
            << tracker_->stderr_text();
    }

    void publish(TorrentFormat format) {
        AciSpec spec = simple_aci("example.test/app", "interop", AciCompression::none,
                                  {{"version", "1.0"}, {"os", "linux"}, {"arch", "amd64"}});
        spec.files.push_back({"rootfs/data.bin", random_bytes(3 * 1024 * 1024, 0x1234)});
        const fs::path aci = write_aci(dir_ / "app.aci", spec);
        // The web seed is a closed port: every byte must come from a peer.
        auto r = run({bin("aciswarm"), "publish", aci.string(), "--tracker=" + announce_url(),
                      "--webseed-base=https://" + std::string(NetLab::server_ip) + ":9/",
                      "--out=" + registry_.string(),
                      "--torrent-format=" + std::string(torrent::torrent_format_name(format))});
        ASSERT_EQ(r.status.code, 0) << r.err;
        image_id_ = line_value(r.out, "image-id");
        ASSERT_TRUE(image_id_.starts_with("sha512-")) << r.out;
        const fs::path stem = registry_ / "linux" / "amd64" / "example.test" / "app-1.0";
        torrent_ = stem.string() + ".torrent";
        published_aci_ = stem.string() + ".aci";
        magnet_ = read_file(stem.string() + ".magnet");
        while (!magnet_.empty() && magnet_.back() == '\n')
            magnet_.pop_back();
        auto meta = torrent::parse_torrent(read_file(torrent_));
        ASSERT_TRUE(meta) << meta.error().message;
        announced_hash_ = meta->info_hashes.best();
    }

    std::string announce_url() const {
        return "http://" + std::string(NetLab::server_ip) + ":" + std::to_string(tracker_port_) +
               "/announce";
    }

    // Waits until the tracker counts a seeder (complete ≥ 1) for the torrent:
    // a seeder has announced, so the other side's first announce finds it.
    bool wait_for_seeder(std::chrono::seconds deadline) {
        const std::string url = "http://" + std::string(NetLab::server_ip) + ":" +
                                std::to_string(tracker_port_) +
                                "/scrape?info_hash=" + percent_encode(announced_hash_.bytes());
        static const std::regex complete("8:completei([1-9][0-9]*)e");
        return poll_until(
                   lab_.in_server({"curl", "--silent", "--fail", "--max-time", "5", url}),
                   [](const std::string& body) { return std::regex_search(body, complete); },
                   deadline)
            .has_value();
    }

    std::string source(Via via) const { return via == Via::torrent ? torrent_.string() : magnet_; }

    std::string everything() {
        std::string out = client_ ? client_->diagnostics() : "";
        if (everseed_) {
            everseed_->running();
            out += "\neverseed:\n" + everseed_->stderr_text();
        }
        if (tracker_) {
            tracker_->running();
            const std::string& t = tracker_->stderr_text();
            out += "\ntracker:\n" + (t.size() > 4000 ? t.substr(t.size() - 4000) : t);
        }
        return out;
    }

    TempDir dir_;
    const fs::path registry_ = dir_ / "registry";
    NetLab lab_;  // after dir_, before every process: deleted after they stop
    std::optional<Process> tracker_;
    std::optional<Process> everseed_;
    std::unique_ptr<BitTorrentClient> client_;
    int tracker_port_ = 0;
    std::string image_id_;
    fs::path torrent_;
    fs::path published_aci_;
    std::string magnet_;
    InfoHash announced_hash_;
};

TEST_P(ClientInterop, Transfers) {
    const auto& [client, direction, format, via] = GetParam();
    client_ = make_client(client, lab_, dir_ / "client");
    ASSERT_EQ(client_->start(), "") << everything();

    if (direction == Direction::downloads) {
        everseed_ =
            Process::spawn(lab_.in_server({bin("aciswarm"), "seed", "--dir=" + registry_.string(),
                                           "--listen=" + std::string(NetLab::server_ip) + ":0",
                                           "--lsd=false", "--scan-interval=200ms"}));
        ASSERT_TRUE(everseed_->wait_for_stderr(std::regex("seeding .*app-1\\.0\\.aci"), 30s))
            << everything();
        ASSERT_TRUE(wait_for_seeder(30s)) << "the everseed never announced\n" << everything();
        const fs::path into = dir_ / "downloaded";
        ASSERT_EQ(client_->download(source(via), into, 60s), "") << everything();
        const fs::path got = into / "app-1.0.aci";
        ASSERT_TRUE(fs::exists(got)) << everything();
        EXPECT_EQ(sha512_hex(got), sha512_hex(published_aci_));
        return;
    }

    // The client seeds the published file where publish put it; nothing else does.
    ASSERT_EQ(client_->seed(torrent_, published_aci_.parent_path(), 60s), "") << everything();
    ASSERT_TRUE(wait_for_seeder(30s)) << client_name(client) << " never announced as a seeder\n"
                                      << everything();
    auto fetched =
        run(lab_.in_server({bin("aciswarm"), "fetch", "--store=" + (dir_ / "store").string(),
                            "--listen=" + std::string(NetLab::server_ip) + ":0", "--lsd=false",
                            "--no-progress", "--full", "--no-https-fallback",
                            // unsigned test image: signatures are tested in tests/integration/trust
                            "--insecure-options=image", source(via)}),
            {}, 120s);
    EXPECT_EQ(fetched.status.code, 0) << fetched.err << "\n" << everything();
    EXPECT_EQ(fetched.out, image_id_ + "\n") << fetched.err;
}

std::vector<Case> all_cases() {
    std::vector<Case> out;
    for (auto client : {ClientKind::transmission, ClientKind::aria2, ClientKind::qbittorrent})
        for (auto direction : {Direction::downloads, Direction::seeds})
            for (auto format : {TorrentFormat::v1, TorrentFormat::hybrid, TorrentFormat::v2})
                for (auto via : {Via::torrent, Via::magnet})
                    out.emplace_back(client, direction, format, via);
    return out;
}

INSTANTIATE_TEST_SUITE_P(Matrix, ClientInterop, ::testing::ValuesIn(all_cases()),
                         [](const ::testing::TestParamInfo<Case>& param_info) {
                             return case_name(param_info.param);
                         });

}  // namespace
}  // namespace aciswarm::test
