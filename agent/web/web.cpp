#include "agent/web/web.hpp"

#include "agent/web/assets.hpp"
#include "agent/web/render.hpp"
#include "common/text.hpp"

namespace aciswarm::agent::web {

using aciswarm::web::Response;

Response handle(std::string_view target, NodeSource& source) {
    namespace shared = aciswarm::web;
    const std::string_view path = target.substr(0, target.find('?'));
    if (path == "/" || path == "/index.html") {
        return {200, shared::content_type_html, render_node_page(source.snapshot())};
    }
    if (path == "/metrics")
        return {200, shared::content_type_metrics, metrics_text(source.snapshot())};
    if (path == "/web/node.json")
        return {200, shared::content_type_json, node_json(source.snapshot())};
    if (path == "/web/history.json") {
        return {200, shared::content_type_json, history_json(source.history())};
    }
    if (path == "/web/agent.js")
        return {200, shared::content_type_js, std::string(assets::agent_js)};
    if (auto common = shared::common_asset(path)) return std::move(*common);
    return {404, "text/plain; charset=utf-8",
            "not found: " + escape_control(path, 200) + " (pages: /, /metrics)\n"};
}

}  // namespace aciswarm::agent::web
