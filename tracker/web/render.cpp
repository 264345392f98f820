#include "tracker/web/render.hpp"

#include <nlohmann/json.hpp>

#include "common/text.hpp"
#include "web/html.hpp"

namespace aciswarm::tracker::web {
namespace {

using Json = nlohmann::json;
using aciswarm::web::cell;
using aciswarm::web::fixed1;

std::string dump(const Json& j) {
    return aciswarm::web::json_text(j);
}

std::string totals_bar(const Totals& t) {
    using aciswarm::web::summary_item;
    return aciswarm::web::summary_bar(
        summary_item("torrents", "torrents", std::to_string(t.torrents)) +
        summary_item("peers", "peers", std::to_string(t.peers)) +
        summary_item("announces_per_second", "announces/s", fixed1(t.announces_per_second)) +
        summary_item("scrapes_per_second", "scrapes/s", fixed1(t.scrapes_per_second)) +
        summary_item("uptime", "uptime", aciswarm::web::duration_text(t.uptime_seconds)) +
        summary_item("mode", "mode", t.mode) +
        summary_item("zones", "zones", std::to_string(t.zones)) +
        summary_item("leaders", "leaders", std::to_string(t.leaders)));
}

// The shared frame (web/html.hpp) with the tracker's navigation and totals.
std::string layout(std::string_view page, std::string_view title, const Totals& totals,
                   const std::string& body) {
    return aciswarm::web::render_page(
        {"aciswarm tracker", page, title, "/web/app.js",
         "<a href=\"/\">swarms</a> <a href=\"/cluster\">cluster</a> "
         "<a href=\"/stats\">/stats</a> <a href=\"/metrics\">/metrics</a>",
         totals_bar(totals)},
        body);
}

std::string os_arch(const SwarmRow& s) {
    if (s.os.empty() && s.arch.empty()) return "";
    return s.os + "/" + s.arch;
}

// "rack-a (2), rack-b (1)": each zone with its member count. app.js zonesText() writes
// the same text when the page refreshes.
std::string zones_text(const std::vector<ZoneRow>& zones) {
    std::string out;
    for (const ZoneRow& z : zones) {
        if (!out.empty()) out += ", ";
        out += z.name + " (" + std::to_string(z.members) + ")";
    }
    return out;
}

// "rack-a: 10.0.0.1:6881 10.0.0.2:6881; rack-b: 1 leader": each zone that has leaders,
// with their addresses, or their count when the addresses are hidden (--web-show-peers).
// Same text as app.js leadersText().
std::string leaders_text(const std::vector<ZoneRow>& zones) {
    std::string out;
    for (const ZoneRow& z : zones) {
        if (z.leader_count == 0) continue;
        if (!out.empty()) out += "; ";
        out += z.name + ":";
        for (const std::string& leader : z.leaders)
            out += " " + leader;
        if (z.leaders.empty())
            out += " " + std::to_string(z.leader_count) +
                   (z.leader_count == 1 ? " leader" : " leaders");
    }
    return out;
}

std::string swarm_row(const SwarmRow& s) {
    const std::string hex = s.info_hash.hex();
    const std::string name = s.name.empty() ? "(not in --dir)" : s.name;
    return "<tr id=\"swarm-" + hex + "\" data-hash=\"" + hex + "\"><td data-field=\"name\">" +
           "<a href=\"/torrent/" + hex + "\">" + html_escape(name) + "</a></td>" +
           cell("os_arch", os_arch(s)) + cell("version", s.version) +
           "<td data-field=\"info_hash\"><code>" + hex + "</code></td>" +
           cell("seeders", s.seeders) + cell("leechers", s.leechers) +
           cell("completed", s.completed) + cell("peers_v4", s.peers_v4) +
           cell("peers_v6", s.peers_v6) + cell("zones", zones_text(s.zones)) +
           cell("leaders", leaders_text(s.zones)) + "</tr>";
}

// The torrent page's zones: each zone's member count and leaders (best first).
std::string zones_table(const std::vector<ZoneRow>& zones) {
    std::string rows;
    for (const ZoneRow& z : zones) {
        std::string leaders;
        for (const std::string& leader : z.leaders)
            leaders += (leaders.empty() ? "" : " ") + leader;
        if (z.leaders.empty() && z.leader_count > 0) leaders = std::to_string(z.leader_count);
        rows += "<tr>" + cell("zone", z.name) + cell("members", z.members) +
                cell("leaders", leaders) + "</tr>";
    }
    return "<h3>zones</h3><table id=\"zones\"><thead><tr><th>zone</th><th>peers</th>"
           "<th>leaders</th></tr></thead><tbody>" +
           rows + "</tbody></table>";
}

std::string peer_cells(const PeerRow& p) {
    return cell("address", p.address) + cell("port", p.port) +
           cell("seeder", p.seeder ? "yes" : "no") +
           cell("age", std::to_string(p.last_announce_age) + " s") + cell("zone", p.zone) +
           cell("role", p.role);
}

std::string peers_table(const SwarmDetail& detail) {
    if (!detail.peers_shown)
        return "<p id=\"peers-hidden\">Peer addresses are hidden (--web-show-peers=false).</p>";
    std::string rows;
    for (const PeerRow& p : detail.peers)
        rows += "<tr>" + peer_cells(p) + "</tr>";
    return "<table id=\"peers\" class=\"sortable\"><thead><tr><th data-sort=\"text\">"
           "address</th><th data-sort=\"number\">port</th><th data-sort=\"text\">seeder"
           "</th><th data-sort=\"number\">last announce</th><th data-sort=\"text\">zone</th>"
           "<th data-sort=\"text\">role</th></tr></thead><tbody>" +
           rows + "</tbody></table>";
}

std::string charts() {
    return "<section class=\"charts\"><figure><figcaption>announces/s and scrapes/s, last "
           "hour</figcaption><svg id=\"chart-rates\" viewBox=\"0 0 600 150\" "
           "role=\"img\"></svg></figure><figure><figcaption>peers, last hour</figcaption>"
           "<svg id=\"chart-peers\" viewBox=\"0 0 600 150\" role=\"img\"></svg></figure>"
           "</section>";
}

Json zones_to_json(const std::vector<ZoneRow>& zones) {
    Json out = Json::array();
    for (const ZoneRow& z : zones) {
        out.push_back({{"name", z.name},
                       {"members", z.members},
                       {"leader_count", z.leader_count},
                       {"leaders", z.leaders}});
    }
    return out;
}

Json swarm_to_json(const SwarmRow& s) {
    return Json{{"info_hash", s.info_hash.hex()},
                {"name", s.name},
                {"os", s.os},
                {"arch", s.arch},
                {"version", s.version},
                {"seeders", s.seeders},
                {"leechers", s.leechers},
                {"completed", s.completed},
                {"peers_v4", s.peers_v4},
                {"peers_v6", s.peers_v6},
                {"zones", zones_to_json(s.zones)}};
}

Json totals_to_json(const Totals& t) {
    return Json{{"torrents", t.torrents},
                {"peers", t.peers},
                {"announces_per_second", t.announces_per_second},
                {"scrapes_per_second", t.scrapes_per_second},
                {"uptime_seconds", t.uptime_seconds},
                {"mode", t.mode},
                {"zones", t.zones},
                {"leaders", t.leaders},
                {"elections", t.elections},
                {"zone_claims_ignored", t.zone_claims_ignored}};
}

Json counts_to_json(const Counts& counts) {
    Json out = Json::object();
    for (const auto& [kind, n] : counts)
        out[kind] = n;
    return out;
}

std::string counts_text(const Counts& counts) {
    std::string out;
    for (const auto& [kind, n] : counts) {
        if (!out.empty()) out += ", ";
        out += kind + " " + std::to_string(n);
    }
    return out;
}

}  // namespace

std::string render_swarms_page(const Totals& totals, const std::vector<SwarmRow>& swarms) {
    std::string rows;
    for (const SwarmRow& s : swarms)
        rows += swarm_row(s);
    const std::string body =
        charts() +
        "<input id=\"search\" type=\"search\" placeholder=\"filter by image or info hash\" "
        "aria-label=\"filter\"><table id=\"swarms\" class=\"sortable\"><thead><tr>"
        "<th data-sort=\"text\">image</th><th data-sort=\"text\">os/arch</th>"
        "<th data-sort=\"text\">version</th><th data-sort=\"text\">info hash</th>"
        "<th data-sort=\"number\">seeders</th><th data-sort=\"number\">leechers</th>"
        "<th data-sort=\"number\">completed</th><th data-sort=\"number\">IPv4 peers</th>"
        "<th data-sort=\"number\">IPv6 peers</th><th data-sort=\"text\">zones (peers)</th>"
        "<th data-sort=\"text\">leaders</th></tr></thead><tbody>" +
        rows + "</tbody></table>";
    return layout("swarms", "swarms", totals, body);
}

std::string render_swarm_page(const Totals& totals, const SwarmDetail& detail) {
    const SwarmRow& s = detail.swarm;
    const std::string hex = s.info_hash.hex();
    const std::string body =
        "<h2 id=\"swarm-name\">" + html_escape(s.name.empty() ? hex : s.name) + "</h2>" +
        "<table id=\"swarm\" data-hash=\"" + hex +
        "\"><thead><tr><th>os/arch</th><th>version</th><th>info hash</th><th>seeders</th>"
        "<th>leechers</th><th>completed</th><th>IPv4 peers</th><th>IPv6 peers</th></tr>"
        "</thead><tbody><tr>" +
        cell("os_arch", os_arch(s)) + cell("version", s.version) +
        "<td data-field=\"info_hash\"><code>" + hex + "</code></td>" + cell("seeders", s.seeders) +
        cell("leechers", s.leechers) + cell("completed", s.completed) +
        cell("peers_v4", s.peers_v4) + cell("peers_v6", s.peers_v6) +
        "</tr></tbody></table><figure><figcaption>completed, since this page was opened"
        "</figcaption><svg id=\"chart-completed\" viewBox=\"0 0 600 150\" role=\"img\"></svg>"
        "</figure>" +
        zones_table(s.zones) + "<h3>peers</h3>" + peers_table(detail);
    return layout("torrent", s.name.empty() ? hex : s.name, totals, body);
}

std::string render_cluster_page(const Totals& totals, const ClusterView& cluster) {
    if (!cluster.enabled) {
        return layout("cluster", "cluster", totals,
                      "<p id=\"livesync-off\">Livesync is off on this instance "
                      "(no --sync-* options).</p>");
    }
    std::string options;
    for (const auto& [name, value] : cluster.local)
        options += "<tr>" + cell("option", name) + cell("value", value) + "</tr>";
    std::string rows;
    for (const ClusterInstance& i : cluster.instances) {
        rows += "<tr>" + cell("instance_id", i.instance_id) + cell("address", i.address) +
                cell("age", fixed1(i.last_packet_age) + " s") + cell("packets", i.packets) +
                cell("peers_received", i.peers_received) + cell("auth_failures", i.auth_failures) +
                cell("accepted", counts_text(i.accepted)) +
                cell("rejected", counts_text(i.rejected)) + "</tr>";
    }
    const std::string body =
        "<h2>this instance</h2><table id=\"local\"><tbody>" + options +
        "</tbody></table><h2>instances seen</h2><table id=\"instances\" class=\"sortable\">"
        "<thead><tr><th data-sort=\"text\">instance</th><th data-sort=\"text\">address</th>"
        "<th data-sort=\"number\">last packet</th><th data-sort=\"number\">packets</th>"
        "<th data-sort=\"number\">peers received</th><th data-sort=\"number\">auth failures"
        "</th><th>accepted</th><th>rejected</th></tr>"
        "</thead><tbody>" +
        rows + "</tbody></table>";
    return layout("cluster", "cluster", totals, body);
}

std::string render_not_found_page(const Totals& totals, std::string_view what) {
    return layout("not-found", "not found", totals,
                  "<p id=\"not-found\">" + html_escape(what) + "</p>");
}

std::string totals_json(const Totals& totals) {
    return dump(totals_to_json(totals));
}

std::string swarms_json(const Totals& totals, const std::vector<SwarmRow>& swarms) {
    Json rows = Json::array();
    for (const SwarmRow& s : swarms)
        rows.push_back(swarm_to_json(s));
    return dump(Json{{"totals", totals_to_json(totals)}, {"swarms", rows}});
}

std::string swarm_json(const SwarmDetail& detail) {
    Json j = swarm_to_json(detail.swarm);
    j["peers_shown"] = detail.peers_shown;
    Json peers = Json::array();
    for (const PeerRow& p : detail.peers) {
        peers.push_back({{"address", p.address},
                         {"port", p.port},
                         {"seeder", p.seeder},
                         {"last_announce_age", p.last_announce_age},
                         {"zone", p.zone},
                         {"role", p.role}});
    }
    j["peers"] = peers;
    return dump(j);
}

std::string cluster_json(const ClusterView& cluster) {
    Json local = Json::object();
    for (const auto& [name, value] : cluster.local)
        local[name] = value;
    Json instances = Json::array();
    for (const ClusterInstance& i : cluster.instances) {
        instances.push_back({{"instance_id", i.instance_id},
                             {"address", i.address},
                             {"last_packet_age", i.last_packet_age},
                             {"packets", i.packets},
                             {"peers_received", i.peers_received},
                             {"auth_failures", i.auth_failures},
                             {"accepted", counts_to_json(i.accepted)},
                             {"rejected", counts_to_json(i.rejected)}});
    }
    return dump(Json{{"enabled", cluster.enabled}, {"local", local}, {"instances", instances}});
}

std::string history_json(const std::vector<RateSample>& samples) {
    Json out = Json::array();
    for (const RateSample& s : samples) {
        out.push_back({{"t", s.unix_time},
                       {"announces", s.announces_per_second},
                       {"scrapes", s.scrapes_per_second},
                       {"peers", s.peers}});
    }
    return dump(Json{{"samples", out}});
}

}  // namespace aciswarm::tracker::web
