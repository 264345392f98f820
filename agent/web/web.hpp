// The agent's read-only web interface (`aciswarm daemon --web=ADDR:PORT`): maps
// a request path to a response.
//
//   /                  the node page: images, seeding, fetches in progress, totals, charts
//   /metrics           Prometheus text format 0.0.4
//   /web/node.json     what the page polls every 5 s    /web/history.json  the last hour of rates
//   /web/agent.js, /web/common.js, /web/style.css       the embedded assets
//
// Anything else is a 404. The server adds web::security_headers() to every answer.
//
// Thread-safety: handle() calls the source on the caller's thread; the daemon
// calls it on its loop thread, which owns the seeder and the backend.
#pragma once

#include <string_view>
#include <vector>

#include "agent/web/snapshot.hpp"
#include "web/html.hpp"

namespace aciswarm::agent::web {

class NodeSource {
  public:
    virtual ~NodeSource() = default;
    virtual NodeSnapshot snapshot() = 0;
    virtual std::vector<RateSample> history() = 0;
};

aciswarm::web::Response handle(std::string_view target, NodeSource& source);

}  // namespace aciswarm::agent::web
