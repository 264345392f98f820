// Which entries of a stack of OCI layers survive into one squashed root
// filesystem, decided from the top layer down so that every entry is read
// once and written at most once (no extraction to disk, no layer in memory).
//
// Layers are numbered from 0 (the base) up; entries are offered layer by
// layer from the top one, each layer's entries in tar order. A path keeps the
// entry of the highest layer that has it; a whiteout of P in layer L hides P
// and everything under it in layers below L; an opaque marker in directory D
// in layer L hides everything under D in layers below L; a non-directory at
// P in layer L hides everything under P below L. Within one layer the first
// entry for a path wins (a tar with two is malformed; we keep the first).
//
// Refused (Errc::invalid_argument, naming the path and layer): an entry that
// would sit under a non-directory of the final tree (a file or symlink of a
// lower or the same layer) — written as it is, a tar extractor would follow
// that symlink out of the root.
//
// Memory: one small node per path seen. Owned by one thread (the conversion).
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "common/result.hpp"

namespace aciswarm::convert {

enum class NodeType { directory, regular, hard_link, other };  // other: symlink, fifo, device

class OverlayState {
  public:
    // Whether the entry at `path` of type `type` in `layer` belongs in the
    // squashed tree (true: write it now), is hidden (false), or makes the
    // tree invalid (error).
    Result<bool> offer_entry(const std::string& path, NodeType type, int layer);
    void offer_whiteout(const std::string& path, int layer);
    Status offer_opaque(const std::string& dir, int layer);

    // True when the version of `path` as of `layer` is not the one the
    // squashed tree holds: a higher layer replaced, deleted or hid it.
    bool replaced_above(const std::string& path, int layer) const;

    // True when the squashed tree's `path` is a regular file already written.
    bool is_written_regular(const std::string& path) const;

    // Directories that entries under them imply but no layer has an entry
    // for; written last (mode 0755, root) so the tree is complete. Sorted.
    std::vector<std::string> implied_directories() const;

    std::size_t size() const { return nodes_.size(); }

  private:
    enum class Kind { directory, implied_directory, regular, hard_link, other, whiteout };
    struct Node {
        int layer = 0;  // the highest layer that decided this path
        Kind kind = Kind::implied_directory;
        int hide_self_below = -1;      // entries at this path in lower layers are hidden
        int hide_children_below = -1;  // entries under this path in lower layers are hidden
    };
    bool hidden(const std::string& path, int layer) const;
    Status imply_ancestors(const std::string& path, int layer);
    Result<bool> offer_existing(Node& node, const std::string& path, NodeType type, int layer);

    std::unordered_map<std::string, Node> nodes_;
};

}  // namespace aciswarm::convert
