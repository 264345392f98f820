// Fuzzes the one-pass ACI reader (gzip/bzip2/xz/zstd detection, tar, manifest)
// over arbitrary bytes: no crash, and an accepted archive reports the digest
// and size of exactly the bytes it was given.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "appc/aci_reader.hpp"
#include "appc/identifier.hpp"
#include "common/digest.hpp"

using namespace aciswarm;
using namespace aciswarm::appc;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto info = read_aci_bytes(std::span<const std::uint8_t>(data, size), "fuzz.aci");
    if (!info) {
        if (info.error().message.rfind("fuzz.aci", 0) != 0) std::abort();  // names the input
        return 0;
    }
    const auto digest = Digest::of(Digest::Algorithm::sha512,
                                   std::string_view(reinterpret_cast<const char*>(data), size));
    if (info->size != size ||
        !std::equal(digest.begin(), digest.end(), info->blob_sha512.bytes().begin())) {
        std::abort();
    }
    if (!is_ac_identifier(info->manifest.name)) std::abort();
    return 0;
}
