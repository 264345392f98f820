// What one tar entry name of an OCI image layer means (image-spec
// layer.md, "Whiteouts"):
//
//   "./usr/bin/x", "usr/bin/x"   a file at usr/bin/x          → normal
//   "etc/.wh.passwd"             etc/passwd is deleted        → whiteout
//   "var/cache/.wh..wh..opq"     var/cache's lower content is
//                                hidden (opaque directory)    → opaque (path: var/cache)
//   "x/.wh..wh.plnk/...", ".wh..wh.aufs"
//                                AUFS bookkeeping             → ignore
//   "./", "."                    the layer's root             → root
//
// Paths come back clean: no leading "./", no "." or empty components, no
// trailing '/'. Refused (Errc::invalid_argument, naming the entry): an
// absolute name, a ".." component, a NUL byte, a whiteout with no name.
//
// Pure; fuzz target in tests/fuzz/convert.cmake.
#pragma once

#include <string>
#include <string_view>

#include "common/result.hpp"

namespace aciswarm::convert {

enum class LayerEntryKind { normal, whiteout, opaque, ignore, root };

struct LayerPath {
    LayerEntryKind kind = LayerEntryKind::normal;
    std::string path;  // for whiteout: the deleted path; for opaque: the directory
};

inline constexpr std::string_view whiteout_prefix = ".wh.";
inline constexpr std::string_view opaque_marker = ".wh..wh..opq";

Result<LayerPath> classify_layer_entry(std::string_view name);

// A link target inside a layer (a hard link's): the same cleaning and
// refusals, without the whiteout meanings. "" (the root) is refused.
Result<std::string> clean_link_target(std::string_view target);

}  // namespace aciswarm::convert
