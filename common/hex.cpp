#include "common/hex.hpp"

namespace aciswarm {

std::string to_hex(std::span<const std::uint8_t> bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out(bytes.size() * 2, '\0');
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 0x0f];
    }
    return out;
}

Status hex_decode_into(std::string_view hex, std::span<std::uint8_t> out) {
    if (hex.size() != out.size() * 2) {
        return make_error(Errc::invalid_argument, "hex: " + std::to_string(hex.size()) +
                                                      " digits, want " +
                                                      std::to_string(out.size() * 2));
    }
    for (std::size_t i = 0; i < out.size(); ++i) {
        const int hi = hex_digit_value(hex[2 * i]);
        const int lo = hex_digit_value(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            const std::size_t at = hi < 0 ? 2 * i : 2 * i + 1;
            return make_error(Errc::invalid_argument,
                              "hex: not a hex digit at offset " + std::to_string(at));
        }
        out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
    }
    return {};
}

Result<std::vector<std::uint8_t>> hex_decode(std::string_view hex) {
    if (hex.size() % 2 != 0) {
        return make_error(Errc::invalid_argument,
                          "hex: odd number of digits (" + std::to_string(hex.size()) + ")");
    }
    std::vector<std::uint8_t> out(hex.size() / 2);
    if (auto ok = hex_decode_into(hex, out); !ok) return std::move(ok).error();
    return out;
}

}  // namespace aciswarm
