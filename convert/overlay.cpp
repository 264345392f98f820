#include "convert/overlay.hpp"

#include <algorithm>

#include "common/text.hpp"

namespace aciswarm::convert {
namespace {

// Calls f("") (the root), then f on each proper ancestor of `path`, top down.
template <class F>
bool any_ancestor(const std::string& path, F&& f) {
    if (f(std::string())) return true;
    for (auto slash = path.find('/'); slash != std::string::npos;
         slash = path.find('/', slash + 1)) {
        if (f(path.substr(0, slash))) return true;
    }
    return false;
}

std::string where(const std::string& path, int layer) {
    return "'" + escape_control(path, 256) + "' in layer " + std::to_string(layer);
}

}  // namespace

bool OverlayState::hidden(const std::string& path, int layer) const {
    const bool under_hider = any_ancestor(path, [&](const std::string& ancestor) {
        const auto it = nodes_.find(ancestor);
        return it != nodes_.end() && it->second.hide_children_below > layer;
    });
    if (under_hider) return true;
    const auto it = nodes_.find(path);
    return it != nodes_.end() && it->second.hide_self_below > layer;
}

bool OverlayState::replaced_above(const std::string& path, int layer) const {
    return hidden(path, layer);
}

Status OverlayState::imply_ancestors(const std::string& path, int layer) {
    Status status;
    any_ancestor(path, [&](const std::string& ancestor) {
        if (ancestor.empty()) return false;  // the root is always a directory
        auto [it, inserted] = nodes_.try_emplace(ancestor, Node{layer, Kind::implied_directory});
        Node& node = it->second;
        if (inserted || node.kind == Kind::directory || node.kind == Kind::implied_directory) {
            return false;
        }
        if (node.kind == Kind::whiteout) {  // deleted and recreated by the same layer
            node.kind = Kind::implied_directory;
            return false;
        }
        status = make_error(Errc::invalid_argument, "entry " + where(path, layer) + " is under '" +
                                                        escape_control(ancestor, 256) +
                                                        "', which is not a directory");
        return true;
    });
    return status;
}

Result<bool> OverlayState::offer_existing(Node& node, const std::string& path, NodeType type,
                                          int layer) {
    if (node.kind == Kind::whiteout) return true;            // this layer deleted and recreated it
    if (node.kind != Kind::implied_directory) return false;  // the same layer had it first
    if (type == NodeType::directory) return true;
    return make_error(Errc::invalid_argument,
                      "entry " + where(path, layer) +
                          " is not a directory, but a higher layer has entries under it");
}

Result<bool> OverlayState::offer_entry(const std::string& path, NodeType type, int layer) {
    if (hidden(path, layer)) return false;
    if (const auto it = nodes_.find(path); it != nodes_.end()) {
        auto keep = offer_existing(it->second, path, type, layer);
        if (!keep || !*keep) return keep;
    }
    if (auto ok = imply_ancestors(path, layer); !ok) return std::move(ok).error();
    Node& node = nodes_.try_emplace(path, Node{layer, Kind::regular}).first->second;
    switch (type) {
        case NodeType::directory:
            node.kind = Kind::directory;
            break;
        case NodeType::regular:
            node.kind = Kind::regular;
            break;
        case NodeType::hard_link:
            node.kind = Kind::hard_link;
            break;
        case NodeType::other:
            node.kind = Kind::other;
            break;
    }
    node.hide_self_below = std::max(node.hide_self_below, layer);
    if (type != NodeType::directory) {
        node.hide_children_below = std::max(node.hide_children_below, layer);
    }
    return true;
}

void OverlayState::offer_whiteout(const std::string& path, int layer) {
    Node& node = nodes_.try_emplace(path, Node{layer, Kind::whiteout}).first->second;
    node.hide_self_below = std::max(node.hide_self_below, layer);
    node.hide_children_below = std::max(node.hide_children_below, layer);
}

Status OverlayState::offer_opaque(const std::string& dir, int layer) {
    if (hidden(dir, layer)) return {};
    if (!dir.empty()) {
        if (auto ok = imply_ancestors(dir, layer); !ok) return ok;
    }
    Node& node = nodes_.try_emplace(dir, Node{layer, Kind::implied_directory}).first->second;
    if (node.kind != Kind::directory && node.kind != Kind::implied_directory) {
        return make_error(Errc::invalid_argument, "opaque marker " + where(dir, layer) +
                                                      " is in something that is not a directory");
    }
    node.hide_children_below = std::max(node.hide_children_below, layer);
    return {};
}

bool OverlayState::is_written_regular(const std::string& path) const {
    const auto it = nodes_.find(path);
    return it != nodes_.end() && it->second.kind == Kind::regular;
}

std::vector<std::string> OverlayState::implied_directories() const {
    std::vector<std::string> out;
    for (const auto& [path, node] : nodes_) {
        if (!path.empty() && node.kind == Kind::implied_directory) out.push_back(path);
    }
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace aciswarm::convert
