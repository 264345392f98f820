#include "tracker/web/web.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/support/temp_dir.hpp"
#include "tracker/web/assets.hpp"
#include "tracker/web/render.hpp"
#include "web/assets.hpp"

namespace aciswarm::tracker::web {
namespace {

const char* kXss = "<script>alert(1)</script>";

InfoHash hash_of(std::uint8_t b) {
    std::array<std::uint8_t, 20> bytes{};
    bytes.fill(b);
    return InfoHash(bytes);
}

// Fixed values, as a tracker with two swarms and one livesync peer would report.
class FakeSource : public WebSource {
  public:
    Totals totals() const override { return {2, 5, 12.5, 0.5, 3725, "small", 3, 2, 4, 1}; }
    // 0xab has two zones (rack-a led by 10.0.0.7, rack-b without a candidate); 0xcd one
    // whose name is markup (real zone names are restricted; the page must not rely on it).
    std::vector<SwarmRow> swarms() const override {
        return {{hash_of(0xab),
                 "example.com/app",
                 "linux",
                 "amd64",
                 "1.2.0",
                 2,
                 1,
                 7,
                 3,
                 0,
                 {{"rack-a", 2, 1, {"10.0.0.7:6881"}}, {"rack-b", 1, 0, {}}}},
                {hash_of(0xcd),
                 kXss,
                 "linux",
                 "arm64",
                 "\"v\"'",
                 1,
                 1,
                 4000000000ULL,
                 1,
                 1,
                 {{kXss, 1, 1, {"[fd00::1]:6882"}}}}};
    }
    std::optional<SwarmDetail> swarm(const InfoHash& hash, bool with_peers) const override {
        for (const SwarmRow& s : swarms()) {
            if (s.info_hash != hash) continue;
            SwarmDetail d{s, with_peers, {}};
            if (with_peers) {
                d.peers = {{"10.0.0.7", 6881, true, 12, s.zones[0].name, "leader"},
                           {"fd00::1", 6882, false, 3, "", "none"}};
            }
            return d;
        }
        return std::nullopt;
    }
    ClusterView cluster() const override {
        return {true,
                {{"group", "239.1.2.3:9696"}, {"instance", kXss}},
                {{"b7e1", "10.0.0.2:9696", 1.5, {{"peer", 40}}, {{"auth", 2}}, 41, 90, 2}}};
    }
    std::vector<RateSample> history() const override { return {{100, 1, 2, 3}, {105, 4, 5, 6}}; }
};

std::string get(std::string_view path, const WebOptions& options = {}) {
    FakeSource source;
    auto reply = handle(path, source, options);
    EXPECT_TRUE(reply) << path;
    return reply ? reply->body : "";
}

TEST(Web, SwarmsPageHasARowPerSwarmWithItsCounts) {
    const std::string html = get("/");
    const std::string hex = hash_of(0xab).hex();
    const auto row = html.find("<tr id=\"swarm-" + hex + "\"");
    ASSERT_NE(row, std::string::npos);
    const std::string tr = html.substr(row, html.find("</tr>", row) - row);
    EXPECT_NE(tr.find(">example.com/app</a>"), std::string::npos) << tr;
    EXPECT_NE(tr.find("<td data-field=\"os_arch\">linux/amd64</td>"), std::string::npos);
    EXPECT_NE(tr.find("<td data-field=\"seeders\">2</td>"), std::string::npos);
    EXPECT_NE(tr.find("<td data-field=\"completed\">7</td>"), std::string::npos);
    EXPECT_NE(html.find("<td data-field=\"completed\">4000000000</td>"), std::string::npos);
    EXPECT_NE(html.find("<dd data-total=\"uptime\">1h 2m 5s</dd>"), std::string::npos);
    EXPECT_NE(html.find("<dd data-total=\"announces_per_second\">12.5</dd>"), std::string::npos);
}

TEST(Web, SwarmsPageShowsZonesAndLeaders) {
    const std::string html = get("/");
    const std::string hex = hash_of(0xab).hex();
    const auto row = html.find("<tr id=\"swarm-" + hex + "\"");
    ASSERT_NE(row, std::string::npos);
    const std::string tr = html.substr(row, html.find("</tr>", row) - row);
    EXPECT_NE(tr.find("<td data-field=\"zones\">rack-a (2), rack-b (1)</td>"), std::string::npos)
        << tr;
    EXPECT_NE(tr.find("<td data-field=\"leaders\">rack-a: 10.0.0.7:6881</td>"), std::string::npos)
        << tr;
    EXPECT_NE(html.find("<dd data-total=\"zones\">3</dd>"), std::string::npos);
    EXPECT_NE(html.find("<dd data-total=\"leaders\">2</dd>"), std::string::npos);

    const auto j = nlohmann::json::parse(get("/web/swarms.json"));
    const auto& zones = j["swarms"][0]["zones"];
    ASSERT_EQ(zones.size(), 2u);
    EXPECT_EQ(zones[0]["name"], "rack-a");
    EXPECT_EQ(zones[0]["members"], 2);
    EXPECT_EQ(zones[0]["leaders"], nlohmann::json::array({"10.0.0.7:6881"}));
    EXPECT_EQ(zones[1]["leader_count"], 0);
    EXPECT_EQ(j["swarms"][1]["zones"][0]["name"], kXss);
    const auto totals = nlohmann::json::parse(get("/web/totals.json"));
    EXPECT_EQ(totals["zones"], 3);
    EXPECT_EQ(totals["leaders"], 2);
    EXPECT_EQ(totals["elections"], 4);
    EXPECT_EQ(totals["zone_claims_ignored"], 1);
}

TEST(Web, TorrentPageShowsEachPeersZoneAndRoleAndTheZonesLeaders) {
    const std::string hex = hash_of(0xab).hex();
    const std::string html = get("/torrent/" + hex);
    EXPECT_NE(html.find("<td data-field=\"zone\">rack-a</td><td data-field=\"members\">2</td>"
                        "<td data-field=\"leaders\">10.0.0.7:6881</td>"),
              std::string::npos)
        << html;
    EXPECT_NE(html.find("<td data-field=\"address\">10.0.0.7</td>"), std::string::npos);
    EXPECT_NE(html.find("<td data-field=\"zone\">rack-a</td><td data-field=\"role\">leader</td>"),
              std::string::npos);
    EXPECT_NE(html.find("<td data-field=\"zone\"></td><td data-field=\"role\">none</td>"),
              std::string::npos);
    const auto j = nlohmann::json::parse(get("/web/torrent/" + hex + ".json"));
    EXPECT_EQ(j["peers"][0]["zone"], "rack-a");
    EXPECT_EQ(j["peers"][0]["role"], "leader");
    EXPECT_EQ(j["peers"][1]["role"], "none");
    EXPECT_EQ(j["zones"][0]["leaders"][0], "10.0.0.7:6881");
}

// Leaders are peer addresses: --web-show-peers=false hides them on every page and
// JSON, keeping their count.
TEST(Web, HiddenPeersHideLeaderAddressesToo) {
    const WebOptions hidden{.show_peers = false};
    const std::string hex = hash_of(0xab).hex();
    for (const std::string& page :
         {get("/", hidden), get("/web/swarms.json", hidden), get("/torrent/" + hex, hidden),
          get("/web/torrent/" + hex + ".json", hidden)}) {
        EXPECT_EQ(page.find("10.0.0.7"), std::string::npos) << page;
        EXPECT_EQ(page.find("fd00::1"), std::string::npos) << page;
    }
    EXPECT_NE(get("/", hidden).find("<td data-field=\"leaders\">rack-a: 1 leader</td>"),
              std::string::npos);
    const auto j = nlohmann::json::parse(get("/web/torrent/" + hex + ".json", hidden));
    EXPECT_EQ(j["zones"][0]["leader_count"], 1);
    EXPECT_TRUE(j["zones"][0]["leaders"].empty());
}

TEST(Web, TorrentNamedLikeAScriptIsText) {
    for (const std::string& page :
         {get("/"), get("/torrent/" + hash_of(0xcd).hex()), get("/cluster")}) {
        EXPECT_EQ(page.find(kXss), std::string::npos);
        EXPECT_NE(page.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
        // The only script is the tracker's own file: no inline code at all.
        EXPECT_EQ(page.find("<script>"), std::string::npos);
    }
    EXPECT_NE(get("/").find("&quot;v&quot;&#39;"), std::string::npos);
}

TEST(Web, JsonCarriesTheRawNameForTextContent) {
    const auto j = nlohmann::json::parse(get("/web/swarms.json"));
    ASSERT_EQ(j["swarms"].size(), 2u);
    EXPECT_EQ(j["swarms"][1]["name"], kXss);
    EXPECT_EQ(j["swarms"][1]["completed"], 4000000000ULL);
    EXPECT_EQ(j["totals"]["torrents"], 2);
    EXPECT_EQ(nlohmann::json::parse(get("/web/totals.json"))["mode"], "small");
    const auto h = nlohmann::json::parse(get("/web/history.json"));
    ASSERT_EQ(h["samples"].size(), 2u);
    EXPECT_EQ(h["samples"][1]["peers"], 6);
    const auto c = nlohmann::json::parse(get("/web/cluster.json"));
    EXPECT_EQ(c["instances"][0]["rejected"]["auth"], 2);
    EXPECT_EQ(c["instances"][0]["packets"], 41);
    EXPECT_EQ(c["instances"][0]["peers_received"], 90);
    EXPECT_EQ(c["instances"][0]["auth_failures"], 2);
}

TEST(Web, ClusterPageHasARowPerInstanceHeardFrom) {
    const std::string html = get("/cluster");
    const auto at = html.find("<td data-field=\"instance_id\">b7e1</td>");
    ASSERT_NE(at, std::string::npos) << html;
    const std::string row = html.substr(at, html.find("</tr>", at) - at);
    for (const char* want : {">10.0.0.2:9696<", ">1.5 s<", "data-field=\"packets\">41<",
                             "data-field=\"peers_received\">90<", "data-field=\"auth_failures\">2<",
                             ">peer 40<", ">auth 2<"}) {
        EXPECT_NE(row.find(want), std::string::npos) << want << " in " << row;
    }
}

TEST(Web, InvalidUtf8InANameIsReplacedNotThrown) {
    SwarmRow row{hash_of(1), std::string("bad\xff\xfe"), "", "", "", 0, 0, 0, 0, 0, {}};
    const auto j = nlohmann::json::parse(swarms_json({}, {row}));
    EXPECT_EQ(j["swarms"][0]["name"], "bad\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(Web, TorrentPageListsPeersUnlessHidden) {
    const std::string hex = hash_of(0xab).hex();
    const std::string shown = get("/torrent/" + hex);
    EXPECT_NE(shown.find("<td data-field=\"address\">fd00::1</td>"), std::string::npos);
    EXPECT_NE(shown.find("<td data-field=\"age\">12 s</td>"), std::string::npos);

    const WebOptions hidden{.show_peers = false};
    const std::string page = get("/torrent/" + hex, hidden);
    EXPECT_EQ(page.find("10.0.0.7"), std::string::npos);
    EXPECT_NE(page.find("id=\"peers-hidden\""), std::string::npos);
    const auto j = nlohmann::json::parse(get("/web/torrent/" + hex + ".json", hidden));
    EXPECT_FALSE(j["peers_shown"]);
    EXPECT_TRUE(j["peers"].empty());
    EXPECT_EQ(j["seeders"], 2);
}

TEST(Web, UnknownOrMalformedHashIsNotFound) {
    FakeSource source;
    for (const std::string& path :
         {"/torrent/" + hash_of(0x11).hex(), std::string("/torrent/zz"),
          std::string("/torrent/<b>"), "/web/torrent/" + hash_of(0x11).hex() + ".json"}) {
        auto reply = handle(path, source, {});
        ASSERT_TRUE(reply) << path;
        EXPECT_EQ(reply->status, 404) << path;
        EXPECT_EQ(reply->body.find("<b>"), std::string::npos);
    }
}

TEST(Web, LeavesTrackerPathsToTheFrontend) {
    FakeSource source;
    for (const char* path : {"/announce?info_hash=x", "/scrape", "/stats", "/metrics", "/x"})
        EXPECT_FALSE(handle(path, source, {})) << path;
    EXPECT_TRUE(handle("/?sort=name", source, {}));
}

TEST(Web, AssetsAreEmbeddedAndServedWithTheirTypes) {
    FakeSource source;
    auto js = handle("/web/app.js", source, {});
    ASSERT_TRUE(js);
    EXPECT_EQ(js->content_type, "text/javascript; charset=utf-8");
    EXPECT_NE(js->body.find("refreshSwarms"), std::string::npos);
    EXPECT_EQ(js->body.find("innerHTML"), std::string::npos);
    auto css = handle("/web/style.css", source, {});
    ASSERT_TRUE(css);
    EXPECT_EQ(css->content_type, "text/css; charset=utf-8");
    EXPECT_NE(css->body.find("#totals"), std::string::npos);
    auto common = handle("/web/common.js", source, {});
    ASSERT_TRUE(common);
    EXPECT_EQ(common->content_type, "text/javascript; charset=utf-8");
    EXPECT_NE(common->body.find("function drawChart"), std::string::npos);
    EXPECT_EQ(common->body.find("innerHTML"), std::string::npos);
    EXPECT_EQ(handle("/web/nothing", source, {})->status, 404);
}

TEST(Web, EmbeddedAssetsAreTheSourceFilesByteForByte) {
    const std::filesystem::path dir =
        std::filesystem::path(ACISWARM_SOURCE_DIR) / "tracker/web/assets";
    EXPECT_EQ(assets::app_js, test::read_file(dir / "app.js"));
    const std::filesystem::path common = std::filesystem::path(ACISWARM_SOURCE_DIR) / "web/assets";
    EXPECT_EQ(aciswarm::web::assets::style_css, test::read_file(common / "style.css"));
    EXPECT_EQ(aciswarm::web::assets::common_js, test::read_file(common / "common.js"));
}

TEST(Web, SecurityHeadersForbidInlineAndForeignContent) {
    const std::string_view h = security_headers();
    EXPECT_NE(h.find("Content-Security-Policy: default-src 'none'; script-src 'self';"),
              std::string_view::npos);
    EXPECT_EQ(h.find("unsafe-inline"), std::string_view::npos);
    EXPECT_NE(h.find("X-Content-Type-Options: nosniff\r\n"), std::string_view::npos);
}

TEST(Web, ClusterPageSaysWhenLivesyncIsOff) {
    class Off : public FakeSource {
        ClusterView cluster() const override { return {}; }
    } source;
    auto reply = handle("/cluster", source, {});
    ASSERT_TRUE(reply);
    EXPECT_NE(reply->body.find("id=\"livesync-off\""), std::string::npos);
}

}  // namespace
}  // namespace aciswarm::tracker::web
