#include "convert/layer_path.hpp"

#include <vector>

#include "common/text.hpp"

namespace aciswarm::convert {
namespace {

Error refuse(std::string_view name, std::string_view why) {
    return make_error(Errc::invalid_argument,
                      "entry '" + escape_control(name, 256) + "': " + std::string(why));
}

// The clean components of `name`; "" for the root.
Result<std::string> clean(std::string_view name) {
    if (name.find('\0') != std::string_view::npos) return refuse(name, "has a NUL byte");
    if (!name.empty() && name.front() == '/') return refuse(name, "is an absolute path");
    std::string out;
    std::size_t start = 0;
    while (start <= name.size()) {
        const auto slash = name.find('/', start);
        const std::size_t end = slash == std::string_view::npos ? name.size() : slash;
        const std::string_view part = name.substr(start, end - start);
        if (part == "..") return refuse(name, "has a '..' component");
        if (!part.empty() && part != ".") {
            if (!out.empty()) out += '/';
            out += part;
        }
        start = end + 1;
    }
    return out;
}

}  // namespace

Result<LayerPath> classify_layer_entry(std::string_view name) {
    auto path = clean(name);
    if (!path) return std::move(path).error();
    if (path->empty()) return LayerPath{LayerEntryKind::root, {}};
    const auto slash = path->rfind('/');
    const std::string parent = slash == std::string::npos ? "" : path->substr(0, slash);
    const std::string_view base =
        std::string_view(*path).substr(slash == std::string::npos ? 0 : slash + 1);
    if (base == opaque_marker) return LayerPath{LayerEntryKind::opaque, parent};
    // AUFS keeps hard-link and metadata directories under ".wh..wh.*".
    if (path->find("/.wh..wh.") != std::string::npos || path->starts_with(".wh..wh.")) {
        return LayerPath{LayerEntryKind::ignore, *path};
    }
    if (!base.starts_with(whiteout_prefix)) return LayerPath{LayerEntryKind::normal, *path};
    const std::string_view deleted = base.substr(whiteout_prefix.size());
    if (deleted.empty() || deleted == "." || deleted == "..") {
        return refuse(name, "is a whiteout without a name");
    }
    return LayerPath{LayerEntryKind::whiteout,
                     parent.empty() ? std::string(deleted) : parent + "/" + std::string(deleted)};
}

Result<std::string> clean_link_target(std::string_view target) {
    auto path = clean(target);
    if (!path) return std::move(path).error();
    if (path->empty()) return refuse(target, "links to the root");
    return path;
}

}  // namespace aciswarm::convert
