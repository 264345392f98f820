// Fuzzes image references and digests: any bytes parse or fail with a
// one-line error; what parses prints to a reference that parses to itself.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "oci/digest.hpp"
#include "oci/reference.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace aciswarm::oci;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    if (auto d = parse_digest(text); d) {
        if (d->to_string() != text) std::abort();
    } else if (d.error().message.find('\n') != std::string::npos) {
        std::abort();
    }
    auto r = parse_reference(text);
    if (!r) {
        if (r.error().message.find('\n') != std::string::npos) std::abort();
        return 0;
    }
    if (r->tag.empty() && !r->digest) std::abort();
    auto again = parse_reference(r->to_string());
    if (!again || !(*again == *r)) std::abort();
    return 0;
}
