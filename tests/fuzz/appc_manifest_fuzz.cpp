// Fuzzes the image manifest parser: no crash, and whatever parses satisfies
// its own invariants (valid name and label names; its own name and labels
// pass rkt's expectation check).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "appc/identifier.hpp"
#include "appc/label.hpp"
#include "appc/manifest.hpp"

using namespace aciswarm::appc;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto m = parse_manifest(text);
    if (!m) return 0;
    if (!is_ac_identifier(m->name) || m->ac_version.empty() || m->raw != text) std::abort();
    for (const auto& [name, value] : m->labels) {
        if (!is_label_name(name)) std::abort();
    }
    if (!check_expectation(*m, ImageExpectation{m->name, m->labels})) std::abort();
    return 0;
}
