// Renders appc discovery templates into endpoints, per kind.
//
//   template  https://s.example.com/{os}/{arch}/{name}-{version}.{ext}
//   image     example.com/app, version=1.0 os=linux arch=amd64
//   -> image      https://s.example.com/linux/amd64/example.com/app-1.0.aci
//      signature  https://s.example.com/linux/amd64/example.com/app-1.0.aci.asc
//      torrent    https://s.example.com/linux/amd64/example.com/app-1.0.torrent
//      magnet     https://s.example.com/linux/amd64/example.com/app-1.0.magnet
//
// Rules (docs/discovery.md):
// - {name} and every label ({version}, {os}, {arch}, {channel}, ...) are
//   substituted in one pass, then {ext} per kind: aci, aci.asc, torrent, magnet.
//   A template still holding a {...} placeholder is dropped for that kind.
// - A template ending in "{ext}.torrent" or "{ext}.magnet" (rkt's torrent notes)
//   names only a torrent or a .magnet URL, rendered with ext=aci.
// - A template that is itself a magnet URI (magnet:?xt=urn:btih:...) is a
//   magnet endpoint; {ext} in it, if any, becomes "aci".
// - Any other template without {ext} is dropped (the appc spec requires {ext}).
// - Per kind, only the best-matching templates are kept (appc spec: the highest
//   number of substituted labels); document order is kept among them.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "discovery/image_ref.hpp"

namespace aciswarm::discovery {

enum class Kind { image, signature, torrent, magnet };
inline constexpr std::array<Kind, 4> all_kinds{Kind::image, Kind::signature, Kind::torrent,
                                               Kind::magnet};

// "image", "signature", "torrent", "magnet".
std::string_view kind_name(Kind kind);
// The {ext} value of a kind: "aci", "aci.asc", "torrent", "magnet".
std::string_view kind_ext(Kind kind);

// True for "magnet:?..." (scheme case-insensitive).
bool is_magnet_uri(std::string_view url);

struct Rendered {
    std::string url;
    int labels_used = 0;  // distinct labels substituted ({name} and {ext} not counted)
};

// Substitutes {name}, the image's labels and, when ext is given, {ext}. nullopt
// when a {...} placeholder is left. Pure.
std::optional<Rendered> render_template(std::string_view tmpl, const ImageRef& image,
                                        std::optional<std::string_view> ext);

struct RenderedEndpoint {
    Kind kind;
    std::string url;
    std::size_t template_index;  // index into the templates given
};

// Renders every template for every kind it serves and keeps the best matches
// per kind, in template order then kind order. `image` should already carry
// the defaults (with_defaults).
std::vector<RenderedEndpoint> render_endpoints(const std::vector<std::string>& templates,
                                               const ImageRef& image);

}  // namespace aciswarm::discovery
