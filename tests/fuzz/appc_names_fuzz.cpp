// Fuzzes appc's name rules and tar path cleaning over arbitrary text: the
// validators agree with their "problem in words" twins, an AC Name is always
// an AC Identifier, and clean_archive_path is idempotent (as Go's path.Clean).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "appc/aci_reader.hpp"
#include "appc/identifier.hpp"
#include "appc/label.hpp"
#include "appc/name.hpp"

using namespace aciswarm::appc;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    if (is_ac_identifier(text) != ac_identifier_problem(text).empty()) std::abort();
    if (is_label_name(text) != label_name_problem(text).empty()) std::abort();
    if (is_ac_name(text) && !is_ac_identifier(text)) std::abort();
    if (is_label_name(text) && !is_ac_identifier(text)) std::abort();
    for (char c : ac_identifier_problem(text)) {
        if (static_cast<unsigned char>(c) < 0x20) std::abort();  // control bytes escaped
    }
    const std::string clean = clean_archive_path(text);
    if (clean.empty() || clean_archive_path(clean) != clean) std::abort();
    if (is_manifest_entry(text) != is_manifest_entry(clean)) std::abort();
    return 0;
}
