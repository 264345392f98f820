#include "agent/web/render.hpp"

#include <nlohmann/json.hpp>

#include "common/text.hpp"
#include "web/html.hpp"

namespace aciswarm::agent::web {
namespace {

using Json = nlohmann::json;
using aciswarm::web::bytes_text;
using aciswarm::web::cell;
using aciswarm::web::fixed1;
using aciswarm::web::summary_item;

std::uint64_t downloaded(const TransferTotals& t) {
    return t.from_agents + t.from_everseed + t.from_web_seeds + t.from_https;
}

// Bytes sent per byte received since the daemon started (0 before any download).
double node_ratio(const TransferTotals& t) {
    const std::uint64_t in = downloaded(t);
    return in == 0 ? 0 : static_cast<double>(t.uploaded) / static_cast<double>(in);
}

std::uint64_t seeding_count(const NodeSnapshot& s) {
    std::uint64_t n = 0;
    for (const ImageRow& i : s.images)
        n += i.seeding ? 1 : 0;
    return n;
}

std::string os_arch(const ImageRow& i) {
    if (i.os.empty() && i.arch.empty()) return "";
    return i.os + "/" + i.arch;
}

std::string rate_text(std::uint64_t bytes_per_second) {
    return bytes_text(bytes_per_second) + "/s";
}

std::string summary(const NodeSnapshot& s) {
    const TransferTotals& t = s.fetches.totals;
    return aciswarm::web::summary_bar(
        summary_item("images", "images", std::to_string(s.images.size())) +
        summary_item("seeding", "seeding", std::to_string(seeding_count(s))) +
        summary_item("fetching", "fetches running", std::to_string(s.fetches.running.size())) +
        summary_item("uploaded", "uploaded", bytes_text(t.uploaded)) +
        summary_item("downloaded", "downloaded", bytes_text(downloaded(t))) +
        summary_item("ratio", "ratio", fixed1(node_ratio(t))) +
        summary_item("uptime", "uptime", aciswarm::web::duration_text(s.node.uptime_seconds)) +
        summary_item("port", "BitTorrent port", std::to_string(s.node.listen_port)));
}

std::string image_row(const ImageRow& i) {
    return "<tr id=\"image-" + html_escape(i.id) + "\" data-id=\"" + html_escape(i.id) + "\">" +
           cell("name", i.name.empty() ? "(unnamed)" : i.name) + cell("version", i.version) +
           cell("os_arch", os_arch(i)) + cell("size", bytes_text(i.size)) +
           "<td data-field=\"id\"><code>" + html_escape(i.display) + "</code></td>" +
           cell("verified_by", i.verified_by.empty() ? "not verified" : i.verified_by) +
           cell("policy", i.policy) + cell("state", i.state) + cell("peers", i.peers) +
           cell("download_rate", rate_text(i.download_rate)) +
           cell("upload_rate", rate_text(i.upload_rate)) +
           cell("uploaded", bytes_text(i.uploaded)) + cell("ratio", fixed1(i.ratio)) + "</tr>";
}

std::string percent(std::uint64_t done, std::uint64_t total) {
    if (total == 0) return "?";
    return fixed1(100.0 * static_cast<double>(done) / static_cast<double>(total)) + " %";
}

std::string fetch_row(const FetchRow& f) {
    return "<tr data-fetch=\"" + std::to_string(f.id) + "\">" + cell("source", f.source) +
           cell("progress", percent(f.done_bytes, f.total_bytes)) +
           cell("done", bytes_text(f.done_bytes) + " of " +
                            (f.total_bytes ? bytes_text(f.total_bytes) : std::string("?"))) +
           cell("download_rate", rate_text(f.download_rate)) + cell("peers", f.peers) +
           cell("from_peers", bytes_text(f.from_peers)) +
           cell("from_web_seeds", bytes_text(f.from_web_seeds)) +
           cell("age", fixed1(f.age_seconds) + " s") + "</tr>";
}

std::string images_table(const NodeSnapshot& s) {
    std::string rows;
    for (const ImageRow& i : s.images)
        rows += image_row(i);
    return "<h2>images in the store</h2><input id=\"search\" type=\"search\" "
           "placeholder=\"filter by name or ID\" aria-label=\"filter\">"
           "<table id=\"images\" class=\"sortable\"><thead><tr>"
           "<th data-sort=\"text\">image</th><th data-sort=\"text\">version</th>"
           "<th data-sort=\"text\">os/arch</th><th data-sort=\"text\">size</th>"
           "<th data-sort=\"text\">ID</th><th data-sort=\"text\">verified by</th>"
           "<th data-sort=\"text\">policy</th><th data-sort=\"text\">state</th>"
           "<th data-sort=\"number\">peers</th><th>down</th><th>up</th>"
           "<th>uploaded</th><th data-sort=\"number\">ratio</th></tr></thead><tbody>" +
           rows + "</tbody></table>";
}

std::string fetches_table(const NodeSnapshot& s) {
    std::string rows;
    for (const FetchRow& f : s.fetches.running)
        rows += fetch_row(f);
    return "<h2>fetches in progress</h2><table id=\"fetches\"><thead><tr><th>source</th>"
           "<th>progress</th><th>done</th><th>rate</th><th>peers</th><th>from peers</th>"
           "<th>from web seeds</th><th>running for</th></tr></thead><tbody>" +
           rows + "</tbody></table>";
}

std::string sources_table(const TransferTotals& t) {
    const auto row = [](std::string_view source, std::uint64_t bytes) {
        return "<tr>" + cell("source", source) + cell("bytes", bytes_text(bytes)) + "</tr>";
    };
    return "<h2>bytes received since start, by source</h2><table id=\"sources\"><tbody>" +
           row("other agents (peers)", t.from_agents) + row("the everseed", t.from_everseed) +
           row("web seeds", t.from_web_seeds) + row("HTTPS (no swarm)", t.from_https) +
           "</tbody></table><p id=\"fetch-counts\">" + std::to_string(t.fetches_done) +
           " fetches done, " + std::to_string(t.fetches_failed) + " failed, " +
           std::to_string(t.hash_failures) + " pieces failed their hash check.</p>";
}

std::string charts() {
    return "<section class=\"charts\"><figure><figcaption>download and upload, bytes/s, last "
           "hour</figcaption><svg id=\"chart-rates\" viewBox=\"0 0 600 150\" role=\"img\">"
           "</svg></figure><figure><figcaption>peers, last hour</figcaption><svg "
           "id=\"chart-peers\" viewBox=\"0 0 600 150\" role=\"img\"></svg></figure></section>";
}

Json image_json(const ImageRow& i) {
    return Json{{"id", i.id},
                {"display", i.display},
                {"name", i.name},
                {"version", i.version},
                {"os", i.os},
                {"arch", i.arch},
                {"size", i.size},
                {"verified_by", i.verified_by},
                {"state", i.state},
                {"policy", i.policy},
                {"seeding", i.seeding},
                {"peers", i.peers},
                {"download_rate", i.download_rate},
                {"upload_rate", i.upload_rate},
                {"uploaded", i.uploaded},
                {"ratio", i.ratio}};
}

Json fetch_json(const FetchRow& f) {
    return Json{{"id", f.id},
                {"source", f.source},
                {"done_bytes", f.done_bytes},
                {"total_bytes", f.total_bytes},
                {"download_rate", f.download_rate},
                {"peers", f.peers},
                {"from_peers", f.from_peers},
                {"from_web_seeds", f.from_web_seeds},
                {"age_seconds", f.age_seconds}};
}

Json totals_json(const NodeSnapshot& s) {
    const TransferTotals& t = s.fetches.totals;
    return Json{{"images", s.images.size()},
                {"seeding", seeding_count(s)},
                {"fetching", s.fetches.running.size()},
                {"uploaded", t.uploaded},
                {"downloaded", downloaded(t)},
                {"ratio", node_ratio(t)},
                {"uptime_seconds", s.node.uptime_seconds},
                {"port", s.node.listen_port},
                {"fetches_done", t.fetches_done},
                {"fetches_failed", t.fetches_failed},
                {"hash_failures", t.hash_failures},
                {"from_agents", t.from_agents},
                {"from_everseed", t.from_everseed},
                {"from_web_seeds", t.from_web_seeds},
                {"from_https", t.from_https}};
}

}  // namespace

std::string render_node_page(const NodeSnapshot& s) {
    const std::string body = "<p id=\"node\">store <code>" + html_escape(s.node.store) +
                             "</code>, default seed policy <code>" +
                             html_escape(s.node.default_policy) + "</code></p>" + charts() +
                             images_table(s) + fetches_table(s) + sources_table(s.fetches.totals);
    return aciswarm::web::render_page(
        {"aciswarm agent", "node", "node", "/web/agent.js",
         "<a href=\"/\">node</a> <a href=\"/metrics\">/metrics</a>", summary(s)},
        body);
}

std::string node_json(const NodeSnapshot& s) {
    Json images = Json::array();
    for (const ImageRow& i : s.images)
        images.push_back(image_json(i));
    Json fetches = Json::array();
    for (const FetchRow& f : s.fetches.running)
        fetches.push_back(fetch_json(f));
    return aciswarm::web::json_text(
        Json{{"totals", totals_json(s)}, {"images", images}, {"fetches", fetches}});
}

std::string history_json(const std::vector<RateSample>& samples) {
    Json out = Json::array();
    for (const RateSample& s : samples) {
        out.push_back({{"t", s.unix_time},
                       {"download", s.download_rate},
                       {"upload", s.upload_rate},
                       {"peers", s.peers}});
    }
    return aciswarm::web::json_text(Json{{"samples", out}});
}

}  // namespace aciswarm::agent::web
