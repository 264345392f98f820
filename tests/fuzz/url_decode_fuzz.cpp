// Fuzzes the strict percent-decoder and query parser: no crash, and whatever
// decodes re-encodes and decodes to the same bytes.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/url.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto decoded = aciswarm::percent_decode(text);
    if (decoded) {
        auto again = aciswarm::percent_decode(aciswarm::percent_encode(*decoded));
        if (!again || *again != *decoded) std::abort();
    }
    std::uint8_t buf[64];
    (void)aciswarm::percent_decode_into(text, buf, aciswarm::PlusIs::space);
    (void)aciswarm::parse_query(text);
    return 0;
}
