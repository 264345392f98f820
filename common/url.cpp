#include "common/url.hpp"

#include "common/hex.hpp"

namespace aciswarm {
namespace {

bool is_unreserved(std::uint8_t c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

// Walks text, calling emit(byte) for each decoded byte.
template <class Emit>
Status decode_each(std::string_view text, PlusIs plus, Emit&& emit) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '%') {
            if (i + 2 >= text.size()) {
                return make_error(
                    Errc::invalid_argument,
                    "percent-encoding: truncated escape at offset " + std::to_string(i));
            }
            const int hi = hex_digit_value(text[i + 1]);
            const int lo = hex_digit_value(text[i + 2]);
            if (hi < 0 || lo < 0) {
                return make_error(Errc::invalid_argument,
                                  "percent-encoding: bad escape at offset " + std::to_string(i));
            }
            if (!emit(static_cast<std::uint8_t>(hi << 4 | lo))) {
                return make_error(Errc::too_large, "percent-encoding: output buffer too small");
            }
            i += 2;
        } else if (c == '+' && plus == PlusIs::space) {
            if (!emit(static_cast<std::uint8_t>(' '))) {
                return make_error(Errc::too_large, "percent-encoding: output buffer too small");
            }
        } else {
            if (!emit(static_cast<std::uint8_t>(c))) {
                return make_error(Errc::too_large, "percent-encoding: output buffer too small");
            }
        }
    }
    return {};
}

}  // namespace

std::string percent_encode(std::span<const std::uint8_t> bytes) {
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(bytes.size() * 3);
    for (std::uint8_t c : bytes) {
        if (is_unreserved(c)) {
            out.push_back(static_cast<char>(c));
        } else {
            out.push_back('%');
            out.push_back(digits[c >> 4]);
            out.push_back(digits[c & 0x0f]);
        }
    }
    return out;
}

std::string percent_encode(std::string_view text) {
    return percent_encode(
        std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

Result<std::string> percent_decode(std::string_view text, PlusIs plus) {
    std::string out;
    out.reserve(text.size());
    auto ok = decode_each(text, plus, [&](std::uint8_t b) {
        out.push_back(static_cast<char>(b));
        return true;
    });
    if (!ok) return std::move(ok).error();
    return out;
}

Result<std::size_t> percent_decode_into(std::string_view text, std::span<std::uint8_t> out,
                                        PlusIs plus) {
    std::size_t n = 0;
    auto ok = decode_each(text, plus, [&](std::uint8_t b) {
        if (n == out.size()) return false;
        out[n++] = b;
        return true;
    });
    if (!ok) return std::move(ok).error();
    return n;
}

Result<std::vector<QueryParam>> parse_query(std::string_view query) {
    std::vector<QueryParam> params;
    auto ok = for_each_query_param(
        query, [&](std::string_view raw_key, std::string_view raw_value) -> Status {
            auto key = percent_decode(raw_key, PlusIs::space);
            if (!key) return with_context("query key", std::move(key).error());
            auto value = percent_decode(raw_value, PlusIs::space);
            if (!value)
                return with_context("query value of '" + *key + "'", std::move(value).error());
            params.push_back({std::move(*key), std::move(*value)});
            return {};
        });
    if (!ok) return std::move(ok).error();
    return params;
}

}  // namespace aciswarm
