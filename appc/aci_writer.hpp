// Writing an ACI (appc image archive) from a root filesystem directory: a
// gzip-compressed tar holding "manifest" (the image manifest JSON) and
// "rootfs/" (the directory's tree: directories, regular files and symlinks,
// modes kept, owned by root, sorted, so the same tree gives the same bytes).
// For examples and tests (`aciswarm build-aci`), not a full image build tool.
//
// Called from one thread at a time; no state between calls. After kill -9 the
// output path holds either its old content or the complete new image (written
// to "<out>.tmp" and renamed); a stray "<out>.tmp" may remain.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "appc/label.hpp"
#include "common/result.hpp"

namespace aciswarm::appc {

// The appc spec version written into manifests.
inline constexpr std::string_view written_ac_version = "0.8.11";

// The image manifest for `name` (an AC Identifier) and `labels`: acKind
// ImageManifest, acVersion written_ac_version, labels sorted by name; JSON
// indented by two, ending in a newline. Pure; does not validate.
std::string render_manifest(std::string_view name, const Labels& labels);

// Writes `out` from `manifest_json` and the tree under `rootfs` (a directory).
// Sockets, FIFOs and devices in the tree are skipped. Errors name the path.
Status write_aci(const std::filesystem::path& rootfs, std::string_view manifest_json,
                 const std::filesystem::path& out);

}  // namespace aciswarm::appc
