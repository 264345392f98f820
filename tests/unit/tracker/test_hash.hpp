// Info hashes for the tracker core's unit tests: hash(n) differs from hash(m) in its
// first and last byte, so a shard or alias bug that reads only one end still shows.
#pragma once

#include <cstdint>

#include "common/info_hash.hpp"

namespace aciswarm::tracker::test {

inline InfoHash hash(std::uint8_t n) {
    InfoHash h;
    h.data()[0] = n;
    h.data()[19] = n;
    return h;
}

}  // namespace aciswarm::tracker::test
