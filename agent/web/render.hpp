// Pure rendering of the agent's web page and /metrics: snapshot structs ->
// HTML, JSON and Prometheus text. Every string that came from an image (name,
// labels), a fetch source or the configuration passes through html_escape()
// (web/html.hpp), the JSON encoder, or Prometheus label escaping.
//
// Thread-safety: stateless functions, callable from any thread.
#pragma once

#include <string>
#include <vector>

#include "agent/web/snapshot.hpp"

namespace aciswarm::agent::web {

std::string render_node_page(const NodeSnapshot& snapshot);
std::string node_json(const NodeSnapshot& snapshot);
std::string history_json(const std::vector<RateSample>& samples);
// Prometheus text format 0.0.4; the metric list is in docs/web.md.
std::string metrics_text(const NodeSnapshot& snapshot);

}  // namespace aciswarm::agent::web
