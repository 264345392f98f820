// FixedBytes<N, Derived>: the base of strong types over N raw bytes (hashes,
// ids): ordered, hashable and printable as hex. Each Derived is its own type,
// so an info hash can't be passed where a peer id is wanted:
//
//   struct PeerId : FixedBytes<20, PeerId> {
//       static constexpr const char* type_name = "peer id";
//       using FixedBytes::FixedBytes;
//   };
#pragma once

#include <algorithm>
#include <array>
#include <compare>
#include <cstdint>
#include <cstring>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "common/hex.hpp"
#include "common/result.hpp"

namespace aciswarm {

template <std::size_t N, class Derived>
class FixedBytes {
  public:
    static constexpr std::size_t size_bytes = N;

    constexpr FixedBytes() = default;
    constexpr explicit FixedBytes(const std::array<std::uint8_t, N>& bytes) : bytes_(bytes) {}

    // Exactly N raw bytes; fails on any other length.
    static Result<Derived> from_bytes(std::span<const std::uint8_t> bytes) {
        if (bytes.size() != N) {
            return make_error(Errc::invalid_argument, std::string(Derived::type_name) + ": " +
                                                          std::to_string(bytes.size()) +
                                                          " bytes, want " + std::to_string(N));
        }
        Derived out;
        std::copy(bytes.begin(), bytes.end(), out.bytes_.begin());
        return out;
    }
    static Result<Derived> from_bytes(std::string_view bytes) {
        return from_bytes(
            std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
    }
    // Exactly 2N hex digits, either case.
    static Result<Derived> from_hex(std::string_view hex) {
        Derived out;
        if (auto ok = hex_decode_into(hex, out.bytes_); !ok) {
            return with_context(Derived::type_name, std::move(ok).error());
        }
        return out;
    }

    std::string hex() const { return to_hex(bytes_); }
    std::span<const std::uint8_t, N> bytes() const { return bytes_; }
    std::string_view as_chars() const { return {reinterpret_cast<const char*>(bytes_.data()), N}; }
    std::uint8_t* data() { return bytes_.data(); }
    std::span<std::uint8_t, N> mutable_bytes() { return bytes_; }
    const std::uint8_t* data() const { return bytes_.data(); }
    bool is_zero() const {
        return std::all_of(bytes_.begin(), bytes_.end(), [](std::uint8_t b) { return b == 0; });
    }

    friend constexpr auto operator<=>(const FixedBytes&, const FixedBytes&) = default;

  protected:
    std::array<std::uint8_t, N> bytes_{};
};

}  // namespace aciswarm

namespace aciswarm {
// Hash functor for any FixedBytes type; std::hash is specialised with it per type.
struct FixedBytesHash {
    template <std::size_t N, class Derived>
    std::size_t operator()(const FixedBytes<N, Derived>& v) const noexcept {
        // Mixes every byte: peer ids share client prefixes, so no single word is enough.
        std::uint64_t h = 0x9e3779b97f4a7c15ULL;
        for (std::size_t i = 0; i < N; ++i) {
            h = (h ^ v.data()[i]) * 0x100000001b3ULL;
        }
        return static_cast<std::size_t>(h ^ (h >> 29));
    }
};
}  // namespace aciswarm

// Makes std::hash<T> work for a FixedBytes type T (use at global scope).
#define ACISWARM_FIXED_BYTES_HASH(T) \
    template <>                      \
    struct std::hash<T> : aciswarm::FixedBytesHash {}
