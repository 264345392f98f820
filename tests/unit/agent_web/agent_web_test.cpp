#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "agent/web/render.hpp"
#include "agent/web/web.hpp"

namespace aciswarm::agent::web {
namespace {

const char* const kHostile = "<script>alert(1)</script>";

NodeSnapshot snapshot() {
    NodeSnapshot s;
    s.node = {3725, 6881, "idle=24h", "/var/lib/aciswarm"};
    ImageRow app;
    app.id = "sha512-" + std::string(128, 'a');
    app.display = "sha512-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    app.name = "example.com/app";
    app.version = "1.2.0";
    app.os = "linux";
    app.arch = "amd64";
    app.size = 3 * 1024 * 1024;
    app.verified_by = "0123456789ABCDEF0123456789ABCDEF01234567";
    app.state = "seeding";
    app.policy = "forever";
    app.seeding = true;
    app.peers = 3;
    app.upload_rate = 2048;
    app.uploaded = 6 * 1024 * 1024;
    app.ratio = 2;
    ImageRow hostile;
    hostile.id = "sha512-" + std::string(128, 'b');
    hostile.display = "sha512-bbbbbbbb";
    hostile.name = kHostile;
    hostile.version = "\"v\"'";
    hostile.state = "stopped";
    hostile.policy = "none";
    s.images = {app, hostile};
    s.fetches.running = {
        {7, std::string("https://x/") + kHostile, 512, 2048, 100, 2, 300, 212, 4.5}};
    TransferTotals& t = s.fetches.totals;
    t.fetches_done = 2;
    t.fetches_failed = 1;
    t.from_agents = 1000;
    t.from_everseed = 200;
    t.from_web_seeds = 300;
    t.from_https = 0;
    t.hash_failures = 1;
    t.uploaded = 3000;
    t.fetch_seconds.observe(4);
    t.fetch_seconds.observe(40);
    return s;
}

class FakeNode : public NodeSource {
  public:
    NodeSnapshot snapshot() override { return web::snapshot(); }
    std::vector<RateSample> history() override { return {{100, 10, 20, 3}, {105, 30, 40, 4}}; }
};

TEST(AgentWeb, NodePageListsImagesWithWhatTheStoreKnows) {
    const std::string html = render_node_page(snapshot());
    const auto at = html.find("<tr id=\"image-sha512-aaaa");
    ASSERT_NE(at, std::string::npos) << html;
    const std::string row = html.substr(at, html.find("</tr>", at) - at);
    for (const char* want :
         {">example.com/app<", ">1.2.0<", ">linux/amd64<", ">3.0 MiB<",
          ">0123456789ABCDEF0123456789ABCDEF01234567<", ">forever<", ">seeding<",
          "data-field=\"peers\">3<", ">2.0 KiB/s<", ">6.0 MiB<", "data-field=\"ratio\">2.0<"}) {
        EXPECT_NE(row.find(want), std::string::npos) << want << " in " << row;
    }
    EXPECT_NE(html.find(">not verified<"), std::string::npos);
    EXPECT_NE(html.find("data-total=\"seeding\">1<"), std::string::npos);
    EXPECT_NE(html.find("data-total=\"uploaded\">2.9 KiB<"), std::string::npos);
    EXPECT_NE(html.find("<tr data-fetch=\"7\">"), std::string::npos);
    EXPECT_NE(html.find(">25.0 %<"), std::string::npos);
    EXPECT_NE(html.find("2 fetches done, 1 failed, 1 pieces failed"), std::string::npos);
}

TEST(AgentWeb, HostileImageNameIsTextOnThePage) {
    const std::string html = render_node_page(snapshot());
    EXPECT_NE(html.find("<td data-field=\"name\">&lt;script&gt;alert(1)&lt;/script&gt;</td>"),
              std::string::npos)
        << html;
    EXPECT_NE(
        html.find("<td data-field=\"source\">https://x/&lt;script&gt;alert(1)&lt;/script&gt;"),
        std::string::npos);
    EXPECT_NE(html.find("&quot;v&quot;&#39;"), std::string::npos);
    EXPECT_EQ(html.find("<script>alert"), std::string::npos);
    // Only the two script elements of the frame, both external.
    const std::regex script("<script");
    EXPECT_EQ(std::distance(std::sregex_iterator(html.begin(), html.end(), script),
                            std::sregex_iterator()),
              2);
}

TEST(AgentWeb, NodeJsonCarriesTheSameValues) {
    const auto j = nlohmann::json::parse(node_json(snapshot()));
    EXPECT_EQ(j["totals"]["images"], 2);
    EXPECT_EQ(j["totals"]["downloaded"], 1500);
    EXPECT_DOUBLE_EQ(j["totals"]["ratio"].get<double>(), 2.0);
    EXPECT_EQ(j["images"][1]["name"], kHostile);
    EXPECT_EQ(j["images"][0]["verified_by"], "0123456789ABCDEF0123456789ABCDEF01234567");
    EXPECT_EQ(j["fetches"][0]["done_bytes"], 512);
    const auto h = nlohmann::json::parse(history_json({{100, 10, 20, 3}}));
    EXPECT_EQ(h["samples"][0]["upload"], 20);
}

// The lines of family `name`: "# TYPE" says its type; samples follow until the next family.
std::map<std::string, std::string> metric_types(const std::string& text) {
    std::map<std::string, std::string> types;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("# TYPE ", 0) == 0) {
            const auto space = line.find(' ', 7);
            types[line.substr(7, space - 7)] = line.substr(space + 1);
        }
    }
    return types;
}

TEST(AgentWeb, MetricsAreValidTextFormatWithTheDocumentedFamilies) {
    const std::string text = metrics_text(snapshot());
    const std::map<std::string, std::string> want = {
        {"aciswarm_agent_images", "gauge"},
        {"aciswarm_agent_images_seeding", "gauge"},
        {"aciswarm_agent_peers", "gauge"},
        {"aciswarm_agent_fetches_running", "gauge"},
        {"aciswarm_agent_fetches_total", "counter"},
        {"aciswarm_agent_fetch_duration_seconds", "histogram"},
        {"aciswarm_agent_received_bytes_total", "counter"},
        {"aciswarm_agent_uploaded_bytes_total", "counter"},
        {"aciswarm_agent_hash_failures_total", "counter"},
        {"aciswarm_agent_transfer_ratio", "gauge"},
        {"aciswarm_agent_seeding_ratio", "gauge"},
        {"aciswarm_agent_uptime_seconds", "gauge"}};
    EXPECT_EQ(metric_types(text), want);
    // Every other line is one sample: name{labels} value.
    const std::regex sample(
        R"(^[a-z_]+(\{([a-z_]+="([^"\\]|\\.)*",?)*\})? ([0-9.e+-]+|\+Inf|NaN)$)");
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (line.starts_with("# ")) continue;
        EXPECT_TRUE(std::regex_match(line, sample)) << line;
    }
    for (const char* want_line :
         {"aciswarm_agent_images 2\n", "aciswarm_agent_images_seeding 1\n",
          "aciswarm_agent_received_bytes_total{source=\"peers\"} 1000\n",
          "aciswarm_agent_received_bytes_total{source=\"everseed\"} 200\n",
          "aciswarm_agent_received_bytes_total{source=\"web_seed\"} 300\n",
          "aciswarm_agent_fetches_total{result=\"failed\"} 1\n",
          "aciswarm_agent_fetch_duration_seconds_bucket{le=\"5\"} 1\n",
          "aciswarm_agent_fetch_duration_seconds_bucket{le=\"+Inf\"} 2\n",
          "aciswarm_agent_fetch_duration_seconds_sum 44\n",
          "aciswarm_agent_uploaded_bytes_total 3000\n", "aciswarm_agent_transfer_ratio 2\n",
          "aciswarm_agent_seeding_ratio{image=\"sha512-bbbb"}) {
        EXPECT_NE(text.find(want_line), std::string::npos) << want_line << text;
    }
    EXPECT_NE(text.find("name=\"<script>alert(1)</script>\"} 0\n"), std::string::npos) << text;
}

TEST(AgentWeb, MirrorMetricsOnlyWithTheMirror) {
    NodeSnapshot s = snapshot();
    EXPECT_EQ(metrics_text(s).find("aciswarm_agent_mirror"), std::string::npos);
    s.mirror = {true, 12, 2, 5, 4096, 3, 1, 3000, 1000};
    const std::string text = metrics_text(s);
    for (const char* want_line :
         {"aciswarm_agent_mirror_requests_total{answer=\"served\"} 7\n",
          "aciswarm_agent_mirror_requests_total{answer=\"not_found\"} 3\n",
          "aciswarm_agent_mirror_requests_total{answer=\"unavailable\"} 1\n",
          "aciswarm_agent_mirror_requests_total{answer=\"other\"} 1\n",
          "aciswarm_agent_mirror_served_bytes_total 4096\n",
          "aciswarm_agent_mirror_blob_bytes_total{source=\"peers\"} 3000\n",
          "aciswarm_agent_mirror_blob_bytes_total{source=\"upstream\"} 1000\n"}) {
        EXPECT_NE(text.find(want_line), std::string::npos) << want_line << text;
    }
}

TEST(AgentWeb, HandleServesEachPathWithItsType) {
    FakeNode node;
    EXPECT_EQ(handle("/", node).content_type, "text/html; charset=utf-8");
    EXPECT_EQ(handle("/?x=1", node).status, 200);
    const auto metrics = handle("/metrics", node);
    EXPECT_EQ(metrics.content_type, "text/plain; version=0.0.4; charset=utf-8");
    EXPECT_NE(metrics.body.find("aciswarm_agent_images 2"), std::string::npos);
    EXPECT_EQ(handle("/web/node.json", node).content_type, "application/json");
    EXPECT_NE(handle("/web/history.json", node).body.find("\"download\":30"), std::string::npos);
    const auto js = handle("/web/agent.js", node);
    EXPECT_NE(js.body.find("refreshNode"), std::string::npos);
    EXPECT_EQ(js.body.find("innerHTML"), std::string::npos);
    EXPECT_EQ(handle("/web/common.js", node).status, 200);
    EXPECT_EQ(handle("/web/style.css", node).status, 200);
    const auto missing = handle("/nothing\x1b[31m", node);
    EXPECT_EQ(missing.status, 404);
    EXPECT_EQ(missing.body.find('\x1b'), std::string::npos);
}

}  // namespace
}  // namespace aciswarm::agent::web
