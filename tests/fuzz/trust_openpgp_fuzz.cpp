// Arbitrary bytes as an OpenPGP public key and as a detached signature (over
// a fixed payload, with and without a trusted key): must return an error or a
// result, never crash, leak or hang.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "trust/openpgp.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace aciswarm;
    const std::span<const std::uint8_t> input(data, size);
    auto key = trust::read_public_key(input, "fuzz key");
    std::vector<std::string> keys;
    if (key) keys.emplace_back(reinterpret_cast<const char*>(data), size);
    static const std::string payload = "aciswarm fuzz payload";
    const Clock::WallTime now{std::chrono::seconds(1767225600)};
    (void)trust::verify_detached(trust::as_bytes(payload), input, keys, now, "fuzz image");
    return 0;
}
