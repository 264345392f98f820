// Fuzzes oci-archive tar entry names and arguments: no crash, and a name that
// is unpacked is one of the layout's own files (oci-layout, index.json,
// blobs/sha256/<64 hex>), so nothing an archive names can leave the directory.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "convert/oci_archive.hpp"

using namespace aciswarm::convert;

namespace {

bool is_layout_file(std::string_view name) {
    if (name == "oci-layout" || name == "index.json") return true;
    constexpr std::string_view blobs = "blobs/sha256/";
    if (!name.starts_with(blobs) || name.size() != blobs.size() + 64) return false;
    for (const char c : name.substr(blobs.size()))
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    if (auto file = layout_entry_file(text); file && !is_layout_file(*file)) std::abort();
    if (auto parsed = parse_archive_argument(text); parsed && parsed->file.empty()) std::abort();
    return 0;
}
