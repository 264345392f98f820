// Fuzzes discovery's pure parsers: meta extraction never crashes and every tag
// it returns keeps its invariants; rendering what it found, parsing the bytes
// as an image argument and as a Cache-Control header never crash either.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "discovery/cache_control.hpp"
#include "discovery/discover.hpp"
#include "discovery/image_ref.hpp"
#include "discovery/meta.hpp"
#include "discovery/render.hpp"

namespace {

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace aciswarm::discovery;
    const std::string_view text(reinterpret_cast<const char*>(data), size);

    const auto parsed = extract_meta(text);
    if (!parsed) {
        if (parsed.error().code != aciswarm::Errc::too_large) std::abort();
        return 0;
    }
    const std::vector<MetaTag>& tags = *parsed;
    for (const MetaTag& tag : tags) {
        if (!tag.name.starts_with("ac-") || tag.prefix.empty() || tag.value.empty()) std::abort();
        if (is_space(tag.value.front()) || is_space(tag.value.back())) std::abort();
        for (char c : tag.prefix) {
            if (is_space(c)) std::abort();
        }
    }
    const ImageRef image = with_defaults(ImageRef{"example.com/app", {{"channel", "beta"}}},
                                         Platform{"linux", "amd64"});
    const PageEndpoints endpoints = page_endpoints(tags, image);
    for (const RenderedEndpoint& e : endpoints.rendered) {
        if (e.template_index >= endpoints.discovery_tags) std::abort();
    }

    if (auto ref = parse_image_ref(text)) {
        if (!is_ac_identifier(ref->name)) std::abort();
        auto again = parse_image_ref(ref->to_string());
        if (!again || !(*again == *ref)) std::abort();
    }
    (void)parse_max_age(text);
    (void)is_bittorrent_magnet(text);
    return 0;
}
