#include "common/duration.hpp"

#include <cctype>
#include <charconv>
#include <limits>

namespace aciswarm {

Result<std::chrono::milliseconds> parse_duration(std::string_view text) {
    auto fail = [&](const std::string& why) {
        return make_error(Errc::invalid_argument, "duration '" + std::string(text) + "': " + why);
    };
    if (text.empty()) return fail("empty");
    const auto all_digits = [](std::string_view s) {
        for (char c : s) {
            if (!std::isdigit(static_cast<unsigned char>(c))) return false;
        }
        return true;
    };
    std::int64_t total_ms = 0;
    std::string_view rest = text;
    if (all_digits(rest)) {
        std::int64_t seconds = 0;
        auto [p, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), seconds);
        if (ec != std::errc() || seconds > std::numeric_limits<std::int64_t>::max() / 1000) {
            return fail("too large");
        }
        return std::chrono::milliseconds(seconds * 1000);
    }
    while (!rest.empty()) {
        std::int64_t value = 0;
        auto [p, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), value);
        if (ec == std::errc::result_out_of_range) return fail("too large");
        if (ec != std::errc() || value < 0) return fail("expected a number");
        rest.remove_prefix(static_cast<std::size_t>(p - rest.data()));
        std::size_t unit_len = 0;
        while (unit_len < rest.size() && std::isalpha(static_cast<unsigned char>(rest[unit_len]))) {
            ++unit_len;
        }
        const std::string_view unit = rest.substr(0, unit_len);
        rest.remove_prefix(unit_len);
        std::int64_t scale = 0;
        if (unit == "ms")
            scale = 1;
        else if (unit == "s")
            scale = 1000;
        else if (unit == "m")
            scale = 60'000;
        else if (unit == "h")
            scale = 3'600'000;
        else if (unit == "d")
            scale = 86'400'000;
        else if (unit.empty())
            return fail("missing unit after " + std::to_string(value) + " (ms, s, m, h, d)");
        else
            return fail("unknown unit '" + std::string(unit) + "' (ms, s, m, h, d)");
        if (value > (std::numeric_limits<std::int64_t>::max() - total_ms) / scale) {
            return fail("too large");
        }
        total_ms += value * scale;
    }
    return std::chrono::milliseconds(total_ms);
}

std::string format_duration(std::chrono::milliseconds d) {
    std::int64_t ms = d.count();
    if (ms == 0) return "0s";
    std::string out;
    if (ms < 0) {
        out = "-";
        ms = -ms;
    }
    static constexpr struct {
        std::int64_t scale;
        const char* unit;
    } units[] = {{86'400'000, "d"}, {3'600'000, "h"}, {60'000, "m"}, {1000, "s"}, {1, "ms"}};
    for (const auto& u : units) {
        if (ms >= u.scale) {
            out += std::to_string(ms / u.scale) + u.unit;
            ms %= u.scale;
        }
    }
    return out;
}

}  // namespace aciswarm
