// Pure rendering of the tracker's web pages: snapshot structs -> HTML and JSON.
// Every string that came from a .torrent, a peer or a request passes through
// html_escape() (common/text.hpp) or the JSON encoder (JSON); the pages hold no inline script
// or style, so the Content-Security-Policy in web.hpp can forbid both.
//
// Thread-safety: stateless functions, callable from any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tracker/web/snapshot.hpp"

namespace aciswarm::tracker::web {

std::string render_swarms_page(const Totals& totals, const std::vector<SwarmRow>& swarms);
std::string render_swarm_page(const Totals& totals, const SwarmDetail& detail);
std::string render_cluster_page(const Totals& totals, const ClusterView& cluster);
std::string render_not_found_page(const Totals& totals, std::string_view what);

std::string totals_json(const Totals& totals);
std::string swarms_json(const Totals& totals, const std::vector<SwarmRow>& swarms);
std::string swarm_json(const SwarmDetail& detail);
std::string cluster_json(const ClusterView& cluster);
std::string history_json(const std::vector<RateSample>& samples);

}  // namespace aciswarm::tracker::web
