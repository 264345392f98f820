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
    Totals totals() const override { return {2, 5, 12.5, 0.5, 3725, "small"}; }
    std::vector<SwarmRow> swarms() const override {
        return {{hash_of(0xab), "example.com/app", "linux", "amd64", "1.2.0", 2, 1, 7, 3, 0},
                {hash_of(0xcd), kXss, "linux", "arm64", "\"v\"'", 1, 1, 4000000000ULL, 1, 1}};
    }
    std::optional<SwarmDetail> swarm(const InfoHash& hash, bool with_peers) const override {
        for (const SwarmRow& s : swarms()) {
            if (s.info_hash != hash) continue;
            SwarmDetail d{s, with_peers, {}};
            if (with_peers) d.peers = {{"10.0.0.7", 6881, true, 12}, {"fd00::1", 6882, false, 3}};
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
    SwarmRow row{hash_of(1), std::string("bad\xff\xfe"), "", "", "", 0, 0, 0, 0, 0};
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
