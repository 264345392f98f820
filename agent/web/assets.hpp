// The agent page's own script (/web/agent.js), embedded in the binary at build
// time from agent/web/assets/ (cmake/EmbedAssets.cmake); the style sheet and the
// common script come from web/assets.hpp.
#pragma once

#include <string_view>

namespace aciswarm::agent::web::assets {

extern const std::string_view agent_js;

}  // namespace aciswarm::agent::web::assets
