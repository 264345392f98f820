#include <gtest/gtest.h>

#include <filesystem>
#include <libtorrent/bencode.hpp>
#include <libtorrent/create_torrent.hpp>
#include <libtorrent/file_storage.hpp>
#include <libtorrent/torrent_info.hpp>

#include "common/log.hpp"
#include "tests/support/temp_dir.hpp"
#include "tracker/app/config.hpp"
#include "tracker/core/whitelist.hpp"

using namespace aciswarm;
using namespace aciswarm::tracker;

namespace {

// A torrent over one file; v1-only or hybrid (v1 + v2).
std::string make_torrent(const std::filesystem::path& dir, const std::string& name, bool hybrid) {
    test::write_file(dir / name, std::string(40000, 'x') + name);
    lt::file_storage fs;
    lt::add_files(fs, (dir / name).string());
    lt::create_torrent ct(fs, 16384, hybrid ? lt::create_flags_t{} : lt::create_torrent::v1_only);
    lt::set_piece_hashes(ct, dir.string());
    std::string out;
    lt::bencode(std::back_inserter(out), ct.generate());
    return out;
}

}  // namespace

TEST(TrackerConfig, Defaults) {
    auto c = load_config({});
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->settings.mode, Mode::small);
    EXPECT_EQ(c->settings.maxpeers, 50u);
    EXPECT_TRUE(c->settings.locked);
    EXPECT_FALSE(c->scan);
    ASSERT_EQ(c->server.http.size(), 2u);
    EXPECT_EQ(c->server.http[0].to_string(), "0.0.0.0:6969");
    EXPECT_EQ(c->server.http[1].to_string(), "[::]:6969");
    EXPECT_EQ(c->server.udp.size(), 2u);
}

TEST(TrackerConfig, OptionsAndErrors) {
    auto c = load_config({"--mode=surge", "--maxpeers=10", "--dir=/tmp", "--locked=false",
                          "--http=127.0.0.1:1", "--http=[::1]:2", "--interval=120"});
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->settings.mode, Mode::surge);
    EXPECT_EQ(c->settings.maxpeers, 10u);
    EXPECT_TRUE(c->scan);  // default with --dir
    EXPECT_FALSE(c->settings.locked);
    EXPECT_EQ(c->server.http.size(), 2u);
    EXPECT_EQ(c->settings.interval, 120u);
    EXPECT_EQ(load_config({"--mode=medium"}).error().message,
              "--mode: 'medium' is not small, large or surge");
    EXPECT_FALSE(load_config({"--maxpeers=513"}));
    EXPECT_FALSE(load_config({"--locked=maybe"}));
    EXPECT_FALSE(load_config({"--http=nonsense"}));
    EXPECT_FALSE(load_config({"--bogus"}));
}

TEST(TrackerConfig, DurationsTakeUnitsAndBareNumbersStaySeconds) {
    auto c = load_config({"--interval=15m", "--min-interval=90", "--scan-interval=2s",
                          "--header-timeout=1m", "--idle-timeout=45s"});
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->settings.interval, 900u);
    EXPECT_EQ(c->settings.min_interval, 90u);
    EXPECT_EQ(c->scan_interval, 2u);
    EXPECT_EQ(c->server.header_timeout, 60u);
    EXPECT_EQ(c->server.idle_timeout, 45u);
    EXPECT_EQ(load_config({"--interval=1500ms"}).error().message,
              "--interval: '1500ms' is not a whole number of seconds");
    EXPECT_EQ(load_config({"--interval=2d"})
                  .error()
                  .message.rfind("--interval: '2d' is out of "
                                 "range",
                                 0),
              0u);
    EXPECT_EQ(load_config({"--maxpeers=12x"}).error().message.rfind("--maxpeers: '12x'", 0), 0u);
    EXPECT_EQ(load_config({"--idle-timeout=-5s"}).error().message.rfind("--idle-timeout: '-5s'", 0),
              0u);
}

TEST(TrackerConfig, FileThenCommandLine) {
    test::TempDir dir;
    test::write_file(
        dir / "t.conf",
        "# comment\nmode=large\n--maxpeers=20\nudp=127.0.0.1:7000\n\nfull-scrape=true\n");
    auto c = load_config({"--config=" + (dir / "t.conf").string(), "--maxpeers=30"});
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->settings.mode, Mode::large);
    EXPECT_EQ(c->settings.maxpeers, 30u);
    EXPECT_TRUE(c->settings.full_scrape);
    ASSERT_EQ(c->server.udp.size(), 1u);
    EXPECT_EQ(c->server.udp[0].port(), 7000);
    test::write_file(dir / "bad.conf", "mode=nope\n");
    EXPECT_FALSE(load_config({"--config=" + (dir / "bad.conf").string()}));
    auto missing = load_config({"--config=" + (dir / "none.conf").string()});
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().message.find("none.conf"), std::string::npos);
}

TEST(TrackerWhitelist, V1AndV2HashesViaLibtorrent) {
    test::TempDir data;
    test::TempDir dir;
    const std::string v1 = make_torrent(data.path(), "a.bin", false);
    const std::string hybrid = make_torrent(data.path(), "b.bin", true);
    test::write_file(dir / "a.torrent", v1);
    // Subfolders count: `aciswarm publish` writes DIR/{os}/{arch}/NAME-VERSION.torrent.
    test::write_file(dir.path() / "linux" / "amd64" / "b.torrent", hybrid);
    test::write_file(dir / "junk.torrent", "not bencode");
    test::write_file(dir / "ignored.txt", v1);

    lt::torrent_info ta(lt::span<const char>(v1.data(), static_cast<int>(v1.size())),
                        lt::from_span);
    lt::torrent_info tb(lt::span<const char>(hybrid.data(), static_cast<int>(hybrid.size())),
                        lt::from_span);
    ASSERT_TRUE(tb.info_hashes().has_v2());

    TorrentDirectory td(dir.path(), Logger::null());
    ASSERT_TRUE(td.rescan());
    auto hashes = td.hashes();
    EXPECT_EQ(hashes.size(), 3u);  // a: v1; b: v1 + truncated v2
    auto has = [&](const auto& bytes) {
        InfoHash h;
        std::copy_n(bytes.begin(), 20, h.data());
        return std::find(hashes.begin(), hashes.end(), h) != hashes.end();
    };
    EXPECT_TRUE(has(ta.info_hashes().v1));
    EXPECT_TRUE(has(tb.info_hashes().v1));
    EXPECT_TRUE(has(tb.info_hashes().v2));

    std::filesystem::remove(dir / "a.torrent");
    ASSERT_TRUE(td.rescan());
    EXPECT_EQ(td.hashes().size(), 2u);
    EXPECT_FALSE(torrent_buffer_hashes("d4:infoi1ee"));
    auto missing = torrent_file_hashes(dir / "nope.torrent");
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().message.find("nope.torrent"), std::string::npos);
}

// The web pages' label: name and version from NAME-VERSION[.aci].torrent, os/arch from
// the folders `aciswarm publish` writes; anything else keeps the torrent's own name.
TEST(TrackerWhitelist, LabelsComeFromThePublishedLayout) {
    const std::filesystem::path dir = "/srv/registry";
    const auto published =
        torrent_label(dir, dir / "linux" / "amd64" / "example.com-app-1.2.0.aci.torrent", "x");
    EXPECT_EQ(published.name, "example.com-app");
    EXPECT_EQ(published.version, "1.2.0");
    EXPECT_EQ(published.os, "linux");
    EXPECT_EQ(published.arch, "amd64");
    const auto plain = torrent_label(dir, dir / "<b>.torrent", "inner-name");
    EXPECT_EQ(plain.name, "inner-name");
    EXPECT_EQ(plain.version, "");
    EXPECT_EQ(plain.os, "");
}

TEST(TrackerConfig, StateAndWebOptions) {
    auto c = load_config({"--state=/var/lib/x/tracker.state", "--state-reset",
                          "--web=127.0.0.1:8080", "--web-show-peers=false"});
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->state_file, "/var/lib/x/tracker.state");
    EXPECT_TRUE(c->state_reset);
    EXPECT_EQ(c->web, Config::Web::own_listener);
    EXPECT_EQ(c->web_listen->to_string(), "127.0.0.1:8080");
    EXPECT_FALSE(c->web_show_peers);
    auto off = load_config({"--state=off", "--web=off"});
    ASSERT_TRUE(off);
    EXPECT_EQ(off->state_file, "");
    EXPECT_EQ(off->web, Config::Web::off);
    EXPECT_EQ(load_config({})->web, Config::Web::on_http);
    auto bad = load_config({"--web=nowhere"});
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("--web=nowhere"), std::string::npos);
}
