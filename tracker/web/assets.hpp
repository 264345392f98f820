// The web interface's script and style sheet, embedded in the binary at build
// time from tracker/web/assets/ (see CMakeLists.txt), so the page needs no file
// on disk and nothing from the network.
#pragma once

#include <string_view>

namespace aciswarm::tracker::web::assets {

extern const std::string_view app_js;
extern const std::string_view style_css;

}  // namespace aciswarm::tracker::web::assets
