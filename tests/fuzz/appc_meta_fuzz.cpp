// Fuzzes the ac-discovery meta tag extraction (gumbo) over arbitrary bytes:
// no crash, a refusal only for pages nesting too deep, and every tag it returns
// keeps its invariants (an "ac-" name, a prefix without white space, a
// non-empty trimmed value).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "appc/meta.hpp"

using namespace aciswarm::appc;

namespace {

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto parsed = extract_meta(text);
    if (!parsed) {
        if (parsed.error().code != aciswarm::Errc::too_large) std::abort();
        return 0;
    }
    for (const MetaTag& tag : *parsed) {
        if (!tag.name.starts_with("ac-") || tag.prefix.empty() || tag.value.empty()) std::abort();
        if (is_space(tag.value.front()) || is_space(tag.value.back())) std::abort();
        for (char c : tag.prefix) {
            if (is_space(c)) std::abort();
        }
    }
    return 0;
}
