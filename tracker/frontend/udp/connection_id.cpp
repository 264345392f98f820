#include "tracker/frontend/udp/connection_id.hpp"

#include <sys/random.h>

#include <cstring>
#include <stdexcept>

namespace aciswarm::tracker::udp {
namespace {

inline std::uint64_t rotl(std::uint64_t x, int b) {
    return (x << b) | (x >> (64 - b));
}
inline std::uint64_t load64(const std::uint8_t* p) {
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i)
        v = (v << 8) | p[i];
    return v;
}

}  // namespace

std::uint64_t siphash24(const std::array<std::uint8_t, 16>& key, const std::uint8_t* data,
                        std::size_t len) {
    const std::uint64_t k0 = load64(key.data());
    const std::uint64_t k1 = load64(key.data() + 8);
    std::uint64_t v0 = 0x736f6d6570736575ULL ^ k0;
    std::uint64_t v1 = 0x646f72616e646f6dULL ^ k1;
    std::uint64_t v2 = 0x6c7967656e657261ULL ^ k0;
    std::uint64_t v3 = 0x7465646279746573ULL ^ k1;
    auto round = [&] {
        v0 += v1;
        v1 = rotl(v1, 13);
        v1 ^= v0;
        v0 = rotl(v0, 32);
        v2 += v3;
        v3 = rotl(v3, 16);
        v3 ^= v2;
        v0 += v3;
        v3 = rotl(v3, 21);
        v3 ^= v0;
        v2 += v1;
        v1 = rotl(v1, 17);
        v1 ^= v2;
        v2 = rotl(v2, 32);
    };
    const std::size_t full = len & ~std::size_t{7};
    for (std::size_t i = 0; i < full; i += 8) {
        const std::uint64_t m = load64(data + i);
        v3 ^= m;
        round();
        round();
        v0 ^= m;
    }
    std::uint64_t b = std::uint64_t{len & 0xff} << 56;
    for (std::size_t i = 0; i < (len & 7); ++i)
        b |= std::uint64_t{data[full + i]} << (8 * i);
    v3 ^= b;
    round();
    round();
    v0 ^= b;
    v2 ^= 0xff;
    round();
    round();
    round();
    round();
    return v0 ^ v1 ^ v2 ^ v3;
}

ConnectionIds::ConnectionIds() {
    if (getrandom(key_.data(), key_.size(), 0) != static_cast<ssize_t>(key_.size())) {
        throw std::runtime_error("getrandom failed: cannot key UDP connection ids");
    }
}

std::uint64_t ConnectionIds::make(const PeerEndpoint& from, std::uint64_t slot) const {
    std::uint8_t buf[16 + 2 + 1 + 8];
    const auto& a = from.address_bytes();
    std::memcpy(buf, a.data(), 16);
    buf[16] = static_cast<std::uint8_t>(from.port() >> 8);
    buf[17] = static_cast<std::uint8_t>(from.port());
    buf[18] = from.is_v6() ? 6 : 4;
    for (int i = 0; i < 8; ++i)
        buf[19 + i] = static_cast<std::uint8_t>(slot >> (8 * i));
    return siphash24(key_, buf, sizeof(buf));
}

std::uint64_t ConnectionIds::issue(const PeerEndpoint& from, std::uint64_t now_seconds) const {
    return make(from, now_seconds / kSlotSeconds);
}

bool ConnectionIds::valid(std::uint64_t id, const PeerEndpoint& from,
                          std::uint64_t now_seconds) const {
    const std::uint64_t slot = now_seconds / kSlotSeconds;
    return id == make(from, slot) || (slot > 0 && id == make(from, slot - 1));
}

}  // namespace aciswarm::tracker::udp
