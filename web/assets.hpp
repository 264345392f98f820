// The script and style sheet every aciswarm page loads (/web/common.js,
// /web/style.css), embedded in the binary from web/assets/ at build time
// (cmake/EmbedAssets.cmake), so a page needs no file on disk and nothing from
// the network.
#pragma once

#include <string_view>

namespace aciswarm::web::assets {

extern const std::string_view common_js;
extern const std::string_view style_css;

}  // namespace aciswarm::web::assets
