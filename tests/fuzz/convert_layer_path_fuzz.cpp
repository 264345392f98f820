// Fuzzes layer entry names: no crash, and every path that comes back is
// clean (relative, no "." / ".." / empty components, no NUL), so nothing a
// layer names can leave the image root.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "convert/layer_path.hpp"

using namespace aciswarm::convert;

namespace {

bool is_clean(std::string_view path) {
    if (path.empty()) return true;
    if (path.front() == '/' || path.back() == '/' || path.find('\0') != std::string_view::npos) {
        return false;
    }
    std::size_t start = 0;
    while (start <= path.size()) {
        const auto slash = path.find('/', start);
        const std::size_t end = slash == std::string_view::npos ? path.size() : slash;
        const std::string_view part = path.substr(start, end - start);
        if (part.empty() || part == "." || part == "..") return false;
        start = end + 1;
    }
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view name(reinterpret_cast<const char*>(data), size);
    if (auto entry = classify_layer_entry(name); entry && !is_clean(entry->path)) std::abort();
    if (auto target = clean_link_target(name); target && (target->empty() || !is_clean(*target))) {
        std::abort();
    }
    return 0;
}
