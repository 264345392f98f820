#include "tracker/web/web.hpp"

#include "tracker/web/assets.hpp"
#include "tracker/web/render.hpp"
#include "web/html.hpp"

namespace aciswarm::tracker::web {
namespace {

constexpr std::string_view kHtml = aciswarm::web::content_type_html;
constexpr std::string_view kJson = aciswarm::web::content_type_json;

// The 40 hex digits after `prefix` and before `suffix`, as an info hash.
std::optional<InfoHash> hash_in(std::string_view path, std::string_view prefix,
                                std::string_view suffix) {
    if (!path.starts_with(prefix) || !path.ends_with(suffix)) return std::nullopt;
    path.remove_prefix(prefix.size());
    path.remove_suffix(suffix.size());
    auto hash = InfoHash::from_hex(path);
    if (!hash) return std::nullopt;
    return *hash;
}

WebResponse not_found(const WebSource& source, std::string_view path, bool json) {
    const std::string what = "no such page or swarm: " + std::string(path);
    if (json) return {404, kJson, "{\"error\":\"not found\"}"};
    return {404, kHtml, render_not_found_page(source.totals(), what)};
}

// --web-show-peers=false: zone leaders are peer addresses too; their counts stay.
void hide_leaders(SwarmRow& swarm) {
    for (ZoneRow& zone : swarm.zones)
        zone.leaders.clear();
}

std::vector<SwarmRow> visible_swarms(const WebSource& source, const WebOptions& options) {
    std::vector<SwarmRow> swarms = source.swarms();
    if (!options.show_peers) {
        for (SwarmRow& s : swarms)
            hide_leaders(s);
    }
    return swarms;
}

std::optional<WebResponse> torrent(std::string_view path, const WebSource& source,
                                   const WebOptions& options) {
    const bool json = path.starts_with("/web/torrent/");
    const auto hash =
        json ? hash_in(path, "/web/torrent/", ".json") : hash_in(path, "/torrent/", "");
    if (!hash) return not_found(source, path, json);
    auto detail = source.swarm(*hash, options.show_peers);
    if (!detail) return not_found(source, path, json);
    detail->peers_shown = options.show_peers;
    if (!options.show_peers) {
        detail->peers.clear();
        hide_leaders(detail->swarm);
    }
    if (json) return WebResponse{200, kJson, swarm_json(*detail)};
    return WebResponse{200, kHtml, render_swarm_page(source.totals(), *detail)};
}

}  // namespace

std::string_view security_headers() {
    return aciswarm::web::security_headers();
}

std::optional<WebResponse> handle(std::string_view target, const WebSource& source,
                                  const WebOptions& options) {
    const std::string_view path = target.substr(0, target.find('?'));
    if (path == "/" || path == "/index.html") {
        return WebResponse{200, kHtml,
                           render_swarms_page(source.totals(), visible_swarms(source, options))};
    }
    if (path == "/web/totals.json") return WebResponse{200, kJson, totals_json(source.totals())};
    if (path == "/web/swarms.json") {
        return WebResponse{200, kJson,
                           swarms_json(source.totals(), visible_swarms(source, options))};
    }
    if (path.starts_with("/torrent/") || path.starts_with("/web/torrent/")) {
        return torrent(path, source, options);
    }
    if (path == "/cluster") {
        return WebResponse{200, kHtml, render_cluster_page(source.totals(), source.cluster())};
    }
    if (path == "/web/cluster.json") return WebResponse{200, kJson, cluster_json(source.cluster())};
    if (path == "/web/history.json") return WebResponse{200, kJson, history_json(source.history())};
    if (path == "/web/app.js") {
        return WebResponse{200, aciswarm::web::content_type_js, std::string(assets::app_js)};
    }
    if (auto common = aciswarm::web::common_asset(path)) {
        return WebResponse{common->status, common->content_type, std::move(common->body)};
    }
    if (path.starts_with("/web/")) return not_found(source, path, false);
    return std::nullopt;
}

}  // namespace aciswarm::tracker::web
