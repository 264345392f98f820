// Fuzzes discovery's pure parsers: rendering the meta tags found in the bytes
// (appc_meta_fuzz checks the tags themselves), parsing the bytes as an image
// argument and as a Cache-Control header never crash.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "appc/identifier.hpp"
#include "appc/meta.hpp"
#include "discovery/cache_control.hpp"
#include "discovery/discover.hpp"
#include "discovery/image_ref.hpp"
#include "discovery/render.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace aciswarm::discovery;
    const std::string_view text(reinterpret_cast<const char*>(data), size);

    const auto parsed = aciswarm::appc::extract_meta(text);
    if (!parsed) {
        if (parsed.error().code != aciswarm::Errc::too_large) std::abort();
        return 0;
    }
    const std::vector<aciswarm::appc::MetaTag>& tags = *parsed;
    const ImageRef image = with_defaults(ImageRef{"example.com/app", {{"channel", "beta"}}},
                                         Platform{"linux", "amd64"});
    const PageEndpoints endpoints = page_endpoints(tags, image);
    for (const RenderedEndpoint& e : endpoints.rendered) {
        if (e.template_index >= endpoints.discovery_tags) std::abort();
    }

    if (auto ref = parse_image_ref(text)) {
        if (!aciswarm::appc::is_ac_identifier(ref->name)) std::abort();
        auto again = parse_image_ref(ref->to_string());
        if (!again || !(*again == *ref)) std::abort();
    }
    (void)parse_max_age(text);
    (void)is_bittorrent_magnet(text);
    return 0;
}
