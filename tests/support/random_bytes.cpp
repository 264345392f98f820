#include "tests/support/random_bytes.hpp"

#include <algorithm>
#include <cstring>
#include <random>

namespace aciswarm::test {

std::string random_bytes(std::size_t n, std::uint64_t seed) {
    std::string out(n, '\0');
    std::mt19937_64 rng(seed);
    // Eight bytes per draw: tests ask for up to 64 MiB.
    for (std::size_t i = 0; i < n; i += sizeof(std::uint64_t)) {
        const std::uint64_t v = rng();
        std::memcpy(out.data() + i, &v, std::min(sizeof v, n - i));
    }
    return out;
}

}  // namespace aciswarm::test
