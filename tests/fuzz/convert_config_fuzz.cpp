// Fuzzes the image config parser and the appc manifest mapping: no crash,
// and a config that parses maps to a manifest appc's parser accepts (or to
// an error naming a field), never to an invalid manifest.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "appc/manifest.hpp"
#include "convert/image_config.hpp"
#include "convert/manifest_mapping.hpp"

using namespace aciswarm;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto config = convert::parse_image_config(text, "fuzz");
    if (!config) return 0;
    if (config->os.empty() || config->architecture.empty()) std::abort();
    convert::ImageOrigin origin;
    origin.registry = "registry.example";
    origin.repository = "fuzz/image";
    origin.tag = "latest";
    auto manifest = convert::render_converted_manifest(*config, origin);
    if (manifest && !appc::parse_manifest(*manifest)) std::abort();
    return 0;
}
