// The tracker's read-only web interface: maps a request path to a response, so
// the HTTP frontend only has to ask handle() first and fall through to its own
// routes (/announce, /scrape, /stats, /metrics) when it returns nullopt.
//
//   /                      the swarms page        /web/swarms.json    its JSON
//   /torrent/<40 hex>      one swarm              /web/torrent/<40 hex>.json
//   /cluster               livesync instances     /web/cluster.json
//   /web/totals.json       the totals bar         /web/history.json  the last hour of rates
//   /web/app.js, /web/common.js, /web/style.css   the embedded assets (nothing from elsewhere)
//
// Every response carries security_headers(): a Content-Security-Policy that
// allows only the tracker's own script, style and fetches, and nosniff.
//
// Thread-safety: handle() is a pure function of its arguments plus the source's
// answers; call it from any worker thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "tracker/web/web_source.hpp"

namespace aciswarm::tracker::web {

struct WebOptions {
    // --web-show-peers: the per-swarm page lists peer addresses. On by default: the
    // tracker serves a private cluster whose operators may see its peers.
    bool show_peers = true;
};

struct WebResponse {
    int status = 200;
    std::string_view content_type;
    std::string body;
};

// "Content-Security-Policy: ...\r\nX-Content-Type-Options: nosniff\r\n"
std::string_view security_headers();

// The response for `target` (a request path, a query string is ignored), or nullopt
// when the path is not a web interface path.
std::optional<WebResponse> handle(std::string_view target, const WebSource& source,
                                  const WebOptions& options);

}  // namespace aciswarm::tracker::web
