// Squashing the layers of an OCI / Docker image into one ACI: the layer tars
// (gzip, zstd or uncompressed) are read from the top layer down, each entry
// is decided once (convert/overlay.hpp: whiteouts, opaque directories, later
// layers override earlier ones) and kept entries are streamed straight into
// the ACI's "rootfs/": no extraction, no layer in memory, memory is one small
// node per path.
//
// Kept as the layer has them: file contents, modes, numeric uid/gid, mtimes,
// symlinks (targets unchanged: inside the image "/" is its root), FIFOs,
// extended attributes (pax headers). User and group names are dropped, so
// an extractor cannot remap ids by name.
//
// Hard links (written after every other entry, so their targets come first):
// a link whose target the squashed tree still holds stays a hard link. A link
// whose target a higher layer replaced or deleted keeps the content its own
// layer gave the target — docker2aci's rule: the first such link becomes a
// regular file with that content (read in a second pass over that layer only)
// and the other links to the same target link to it.
//
// Refused, with an error naming the layer and the entry: absolute names and
// ".." components (convert/layer_path.hpp), an entry under a symlink or file
// of the final tree, hard links out of the tree or to nothing, device nodes
// (unless SquashOptions::allow_devices), sockets, over the byte or entry
// limits (Errc::too_large).
//
// Called from one thread; no state between calls. After kill -9 `out` holds
// its old content or the complete new ACI (written to "<out>.tmp", renamed);
// a stray "<out>.tmp" may remain.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "appc/aci_reader.hpp"
#include "common/result.hpp"

namespace aciswarm::convert {

struct LayerFile {
    std::filesystem::path path;
    std::string name;  // for messages: the layer's digest or file name
};

struct SquashOptions {
    bool allow_devices = false;
    // Bytes of file content read from all layers together.
    std::uint64_t max_content_bytes = appc::default_max_image_size;
    // Paths seen across all layers (each costs a node in memory).
    std::size_t max_paths = 4'000'000;
};

struct SquashStats {
    std::uint64_t entries_written = 0;    // under rootfs/, implied directories included
    std::uint64_t entries_hidden = 0;     // replaced, deleted or hidden by a higher layer
    std::uint64_t hard_links_copied = 0;  // links whose target a higher layer replaced
};

// Writes the ACI at `out`: "manifest" (`manifest_json`), "rootfs/", then the
// squashed tree of `layers` (base layer first, as a manifest lists them),
// gzip-compressed.
Result<SquashStats> write_squashed_aci(const std::vector<LayerFile>& layers,
                                       std::string_view manifest_json,
                                       const std::filesystem::path& out,
                                       const SquashOptions& options = {});
// The same into an open file (a store staging file: it stays locked while
// written); written from the fd's current offset, not synced, not closed.
Result<SquashStats> write_squashed_aci_fd(const std::vector<LayerFile>& layers,
                                          std::string_view manifest_json, int fd,
                                          const SquashOptions& options = {});

}  // namespace aciswarm::convert
