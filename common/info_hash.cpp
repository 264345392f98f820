#include "common/info_hash.hpp"

#include <cassert>

namespace aciswarm {

InfoHash InfoHashV2::truncated() const {
    std::array<std::uint8_t, 20> first{};
    std::copy_n(data(), first.size(), first.begin());
    return InfoHash(first);
}

InfoHash InfoHashes::best() const {
    assert(v1 || v2);
    return v1 ? *v1 : v2->truncated();
}

}  // namespace aciswarm
