// The tracker pages' own script (/web/app.js), embedded in the binary at build
// time from tracker/web/assets/ (cmake/EmbedAssets.cmake); the style sheet and
// the common script come from web/assets.hpp.
#pragma once

#include <string_view>

namespace aciswarm::tracker::web::assets {

extern const std::string_view app_js;

}  // namespace aciswarm::tracker::web::assets
