// Lower-case hexadecimal encoding and strict decoding.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace aciswarm {

std::string to_hex(std::span<const std::uint8_t> bytes);

// Decodes exactly 2*out.size() hex digits (either case) into out.
// Fails on a wrong length or a non-hex character, naming the offending offset.
Status hex_decode_into(std::string_view hex, std::span<std::uint8_t> out);

Result<std::vector<std::uint8_t>> hex_decode(std::string_view hex);

// Value of one hex digit, or -1.
constexpr int hex_digit_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace aciswarm
