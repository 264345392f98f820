// The tracker's web pages in a real browser (Debian's chromium, headless) against a
// real aciswarm-tracker with a real swarm of python3-libtorrent peers:
//  - --dump-dom: the row of a known image with its counts; a .torrent whose name is
//    <img src=x onerror=alert(1)> is shown as text (no '/' in it: libtorrent drops
//    '/' from names, so a </script> would not reach the page whole), and the DOM has
//    no img element; the page holds only its own two scripts;
//  - DevTools over a pipe (browser_swarm.py): a completed count changes after a new
//    peer finishes, and a zone's leader changes (on the swarms page and on the swarm's
//    own page), without a reload; a screenshot of the swarms page;
//  - zones (plain HTTP announces with zone=, leader=, up=): the swarms row shows each
//    zone with its peers and leaders, the swarm's page each peer's zone and role; a
//    zone named <img src=x onerror=alert(1)> is refused at the announce (zone names are
//    1-32 of [A-Za-z0-9._-]), so the unit tests feed markup zone names to the renderer.
// Skipped, saying so, when chromium is not installed.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <libtorrent/bencode.hpp>
#include <libtorrent/create_torrent.hpp>
#include <regex>

#include "common/url.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"
#include "torrent/torrent_file.hpp"

using namespace aciswarm;
using namespace aciswarm::test;

namespace {

const char* const kChromium = "/usr/bin/chromium";
// Markup that would run a script if a page inserted it as HTML; without a '/',
// which libtorrent drops from torrent names.
const char* const kHostileName = "<img src=x onerror=alert(1)>";

// A v1 .torrent whose info name is `name` (the payload is never downloaded).
void write_named_torrent(const std::filesystem::path& dir, const std::string& name,
                         const std::filesystem::path& out) {
    write_file(dir / "named.bin", std::string(20000, 'n'));
    lt::file_storage fs;
    lt::add_files(fs, (dir / "named.bin").string());
    lt::create_torrent ct(fs, 16384, lt::create_torrent::v1_only);
    lt::set_piece_hashes(ct, dir.string());
    lt::entry e = ct.generate();
    e["info"]["name"] = name;
    std::string bytes;
    lt::bencode(std::back_inserter(bytes), e);
    write_file(out, bytes);
}

// A plain HTTP announce from 127.0.0.1 for `port` with zone keys (docs/zones.md);
// without a --zones file the tracker takes the announced zone. The reply body.
std::string zone_announce(const std::string& base, const InfoHash& hash, int port,
                          const std::string& keys) {
    const std::string url = base + "/announce?info_hash=" + percent_encode(hash.bytes()) +
                            "&peer_id=-ZN0001-000000000000&port=" + std::to_string(port) +
                            "&uploaded=0&downloaded=0&left=100&compact=1&" + keys;
    return run({"curl", "-s", "--max-time", "10", url}, {}, std::chrono::seconds(20)).out;
}

// Zones: rack-a with a leader and a follower, rack-b with a leader of its own. A zone
// name that is markup never reaches the page: the announce is refused.
void announce_zones(const std::string& base, const InfoHash& image_hash) {
    for (const auto& [peer_port, keys] :
         std::vector<std::pair<int, std::string>>{{7001, "zone=rack-a&leader=candidate&up=5000000"},
                                                  {7002, "zone=rack-a&leader=none"},
                                                  {7003, "zone=rack-b&leader=candidate&up=1000"}}) {
        const std::string reply = zone_announce(base, image_hash, peer_port, keys);
        EXPECT_NE(reply.find("4:zone"), std::string::npos) << keys << ": " << reply;
    }
    const std::string hostile =
        zone_announce(base, image_hash, 7009, "zone=" + percent_encode(std::string(kHostileName)));
    EXPECT_NE(hostile.find("failure reason"), std::string::npos) << hostile;
}

// The swarm's page, loaded fresh: each peer's zone and role (port 7004 took rack-a's
// lead from 7001 while the live part ran), each zone's leaders.
void expect_zones_on_swarm_page(const std::string& base, const std::string& hash,
                                const std::filesystem::path& profile) {
    auto swarm_dom =
        run({kChromium, "--headless", "--no-sandbox", "--disable-gpu",
             "--user-data-dir=" + profile.string(), "--dump-dom", base + "/torrent/" + hash},
            {}, std::chrono::seconds(120));
    ASSERT_EQ(swarm_dom.status.code, 0) << swarm_dom.err;
    const auto peer_row = [](int peer_port, const std::string& zone, const std::string& role) {
        return std::regex("<td data-field=\"port\">" + std::to_string(peer_port) +
                          "</td>.*?<td data-field=\"zone\">" + zone +
                          "</td><td data-field=\"role\">" + role + "</td>");
    };
    EXPECT_TRUE(std::regex_search(swarm_dom.out, peer_row(7004, "rack-a", "leader")));
    EXPECT_TRUE(std::regex_search(swarm_dom.out, peer_row(7001, "rack-a", "follower")));
    EXPECT_TRUE(std::regex_search(swarm_dom.out, peer_row(7002, "rack-a", "follower")));
    EXPECT_TRUE(std::regex_search(swarm_dom.out, peer_row(7003, "rack-b", "leader")))
        << swarm_dom.out;
    EXPECT_NE(swarm_dom.out.find("<td data-field=\"zone\">rack-a</td><td data-field=\"members\">"
                                 "3</td><td data-field=\"leaders\">127.0.0.1:7004</td>"),
              std::string::npos)
        << swarm_dom.out;
    // The announce with the markup zone was refused: its peer is not in the swarm.
    EXPECT_EQ(swarm_dom.out.find("<td data-field=\"port\">7009</td>"), std::string::npos);
}

std::size_t count_of(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
        ++n;
    return n;
}

}  // namespace

TEST(TrackerWebBrowser, SwarmsPageInHeadlessChromium) {
    if (!std::filesystem::exists(kChromium)) {
        GTEST_SKIP() << kChromium << " is not installed (scripts/install-deps.sh installs it)";
    }
    TempDir dir;
    const auto torrents = dir / "torrents";
    std::filesystem::create_directories(torrents / "linux" / "amd64");
    std::filesystem::create_directories(dir / "image");
    write_file(dir / "image" / "app.aci", std::string(300000, 'a'));
    auto created = torrent::create_torrent(dir / "image" / "app.aci", {});
    ASSERT_TRUE(created) << created.error().message;
    const auto torrent = torrents / "linux" / "amd64" / "example.com-app-1.2.0.aci.torrent";
    write_file(torrent, created->bytes);
    const std::string hash = created->info_hashes.best().hex();
    write_named_torrent(dir.path(), kHostileName, torrents / "named.torrent");

    auto tracker =
        Process::spawn({bin("aciswarm-tracker"), "--http=127.0.0.1:0", "--udp=127.0.0.1:0",
                        "--workers=1", "--dir=" + torrents.string(), "--state=off"});
    const int port = tracker.wait_for_listening("http");
    ASSERT_GT(port, 0) << tracker.stderr_text();
    const std::string base = "http://127.0.0.1:" + std::to_string(port);

    announce_zones(base, created->info_hashes.best());

    // Live part first: it makes the swarm (one leecher completes), then a second; a
    // better candidate (port 7004) then takes rack-a's lead; on the swarm's page, a
    // candidate of a new zone rack-c (port 7005) shows up leading it.
    const auto shot = dir / "web-swarms.png";
    auto driver =
        run({"/usr/bin/python3",
             std::string(ACISWARM_SOURCE_DIR) + "/tests/integration/web/browser_swarm.py", base,
             torrent.string(), (dir / "image").string(), dir.path().string(), hash, shot.string()},
            {}, std::chrono::seconds(240));
    EXPECT_EQ(driver.status.code, 0) << driver.out << driver.err;
    EXPECT_NE(driver.out.find("ok completed changed to 2 without a reload"), std::string::npos)
        << driver.out;
    EXPECT_NE(driver.out.find("ok rack-a's leader changed without a reload"), std::string::npos)
        << driver.out;
    EXPECT_NE(driver.out.find("ok the swarm's page shows rack-c's leader without a reload"),
              std::string::npos)
        << driver.out;
    EXPECT_GT(std::filesystem::file_size(shot), 10000u);
    if (const char* keep = std::getenv("ACISWARM_WEB_SCREENSHOT")) {
        std::filesystem::copy_file(shot, keep, std::filesystem::copy_options::overwrite_existing);
    }

    // A fresh page load as text: the row for the image with its counts.
    auto dom = run({kChromium, "--headless", "--no-sandbox", "--disable-gpu",
                    "--user-data-dir=" + (dir / "dump").string(), "--dump-dom", base + "/"},
                   {}, std::chrono::seconds(120));
    ASSERT_EQ(dom.status.code, 0) << dom.err;
    const std::regex row("<tr id=\"swarm-" + hash +
                         "\"[^>]*>.*?example\\.com-app.*?linux/amd64.*?1\\.2\\.0.*?"
                         "data-field=\"completed\">2<");
    EXPECT_TRUE(std::regex_search(dom.out, row)) << dom.out;
    // The hostile name is text: escaped in the serialised DOM, no element of its own.
    EXPECT_NE(dom.out.find("&lt;img src=x onerror=alert(1)&gt;"), std::string::npos) << dom.out;
    EXPECT_EQ(count_of(dom.out, "<img"), 0u) << dom.out;
    EXPECT_EQ(count_of(dom.out, "<script"), 2u) << dom.out;  // /web/common.js, /web/app.js
    // The zones and their leaders, in the image's row.
    const std::regex zones_row("<tr id=\"swarm-" + hash +
                               "\"[^>]*>.*?data-field=\"zones\">rack-a \\(3\\), rack-b \\(1\\), "
                               "rack-c \\(1\\)<.*?data-field=\"leaders\">rack-a: "
                               "127\\.0\\.0\\.1:7004; rack-b: 127\\.0\\.0\\.1:7003; "
                               "rack-c: 127\\.0\\.0\\.1:7005<");
    EXPECT_TRUE(std::regex_search(dom.out, zones_row)) << dom.out;

    expect_zones_on_swarm_page(base, hash, dir / "dump");

    tracker.signal(SIGTERM);
    EXPECT_TRUE(tracker.wait(10s));
}

// Without a browser: where the pages are served (--web) and the headers they carry.
TEST(TrackerWeb, PagesOnTheHttpPortOnTheirOwnListenerOrOff) {
    TempDir dir;
    const auto head = [](const std::string& url) {
        return run({"curl", "-s", "-i", "--max-time", "10", url}, {}, std::chrono::seconds(20)).out;
    };
    {
        auto t = Process::spawn({bin("aciswarm-tracker"), "--http=127.0.0.1:0", "--udp=127.0.0.1:0",
                                 "--workers=1", "--state=off"});
        const std::string base = "http://127.0.0.1:" + std::to_string(t.wait_for_listening("http"));
        const std::string page = head(base + "/");
        EXPECT_NE(page.find("HTTP/1.1 200"), std::string::npos) << page;
        EXPECT_NE(page.find("Content-Security-Policy: default-src 'none'"), std::string::npos);
        EXPECT_NE(page.find("X-Content-Type-Options: nosniff"), std::string::npos);
        EXPECT_NE(head(base + "/web/app.js").find("X-Content-Type-Options: nosniff"),
                  std::string::npos);
        EXPECT_NE(head(base + "/stats").find("\"torrents\""), std::string::npos);  // unchanged
    }
    {
        auto t = Process::spawn({bin("aciswarm-tracker"), "--http=127.0.0.1:0", "--udp=127.0.0.1:0",
                                 "--workers=1", "--state=off", "--web=127.0.0.2:0"});
        auto http = t.wait_for_stderr(std::regex("listening http 127\\.0\\.0\\.1:([0-9]+)"));
        auto web = t.wait_for_stderr(std::regex("listening http 127\\.0\\.0\\.2:([0-9]+)"));
        ASSERT_TRUE(http && web) << t.stderr_text();
        EXPECT_NE(head("http://127.0.0.2:" + (*web)[1] + "/").find("HTTP/1.1 200"),
                  std::string::npos);
        EXPECT_NE(head("http://127.0.0.1:" + (*http)[1] + "/").find("HTTP/1.1 404"),
                  std::string::npos);
    }
    {
        auto t = Process::spawn({bin("aciswarm-tracker"), "--http=127.0.0.1:0", "--udp=127.0.0.1:0",
                                 "--workers=1", "--state=off", "--web=off"});
        const std::string base = "http://127.0.0.1:" + std::to_string(t.wait_for_listening("http"));
        EXPECT_NE(head(base + "/").find("HTTP/1.1 404"), std::string::npos);
        EXPECT_NE(head(base + "/stats").find("HTTP/1.1 200"), std::string::npos);
    }
}
