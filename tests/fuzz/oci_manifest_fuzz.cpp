// Fuzzes manifest and index parsing: any bytes parse or fail with a one-line
// error; a parsed index answers choose_platform without crashing.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "oci/manifest.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace aciswarm::oci;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto m = parse_manifest(text, "", "fuzz");
    if (!m) {
        if (m.error().message.find('\n') != std::string::npos) std::abort();
        return 0;
    }
    if (const auto* index = std::get_if<ImageIndex>(&*m)) {
        if (!is_manifest_media_type(index->media_type)) std::abort();
        auto chosen = choose_platform(*index, default_platform());
        if (chosen && (!chosen->platform || chosen->platform->os != "linux")) std::abort();
    } else if (!is_manifest_media_type(std::get<ImageManifest>(*m).media_type)) {
        std::abort();
    }
    return 0;
}
