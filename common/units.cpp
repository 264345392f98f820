#include "common/units.hpp"

#include <charconv>

#include "common/duration.hpp"
#include "common/text.hpp"

namespace aciswarm {
namespace {

constexpr std::string_view size_units_help = "units k, M, G, T = KiB, MiB, GiB, TiB (1024-based)";

Error invalid(std::string_view text, std::string_view what, std::string_view why) {
    return make_error(Errc::invalid_argument, "'" + escape_control(text) + "' is not " +
                                                  std::string(what) + ": " + std::string(why));
}

Result<std::uint64_t> unit_scale(std::string_view unit) {
    struct Unit {
        std::string_view name;
        int shift;
    };
    static constexpr Unit units[] = {
        {"", 0},     {"B", 0},   {"k", 10},   {"K", 10},   {"KiB", 10},
        {"Ki", 10},  {"M", 20},  {"MiB", 20}, {"Mi", 20},  {"G", 30},
        {"GiB", 30}, {"Gi", 30}, {"T", 40},   {"TiB", 40}, {"Ti", 40},
    };
    for (const Unit& u : units) {
        if (u.name == unit) return std::uint64_t{1} << u.shift;
    }
    return make_error(Errc::invalid_argument, std::string(unit));
}

Result<std::uint64_t> parse_bytes(std::string_view text, std::string_view what) {
    if (text.empty()) return invalid(text, what, "empty");
    if (text.front() == '-') return invalid(text, what, "negative");
    std::size_t digits_end = 0;
    while (digits_end < text.size() && text[digits_end] >= '0' && text[digits_end] <= '9') {
        ++digits_end;
    }
    if (digits_end == 0) return invalid(text, what, "expected a number (e.g. 4M)");
    std::uint64_t whole = 0;
    if (auto [p, ec] = std::from_chars(text.data(), text.data() + digits_end, whole);
        ec != std::errc()) {
        return invalid(text, what, "too large");
    }
    std::string_view rest = text.substr(digits_end);
    std::uint64_t frac_digits = 0, frac_scale = 1;  // 0.25 -> 25 / 100
    if (!rest.empty() && rest.front() == '.') {
        rest.remove_prefix(1);
        std::size_t n = 0;
        while (n < rest.size() && rest[n] >= '0' && rest[n] <= '9') {
            if (n < 9) {  // more precision than a byte of a TiB is noise
                frac_digits = frac_digits * 10 + static_cast<std::uint64_t>(rest[n] - '0');
                frac_scale *= 10;
            }
            ++n;
        }
        if (n == 0) return invalid(text, what, "expected digits after '.'");
        rest.remove_prefix(n);
    }
    const std::string_view unit = rest;
    if (unit == "kB" || unit == "KB" || unit == "MB" || unit == "GB" || unit == "TB") {
        return invalid(text, what,
                       "'" + std::string(unit) + "' is ambiguous; write " +
                           std::string(unit.substr(0, 1)) + " or " +
                           std::string(unit.substr(0, 1)) + "iB (1024-based)");
    }
    auto scale = unit_scale(unit);
    if (!scale) {
        return invalid(
            text, what,
            "unknown unit '" + escape_control(unit) + "' (" + std::string(size_units_help) + ")");
    }
    if (frac_scale > 1 && *scale == 1) {
        return invalid(text, what, "a fraction needs a unit (1.5M, not 1.5)");
    }
    constexpr std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
    if (whole > max / *scale) return invalid(text, what, "too large");
    const std::uint64_t fraction = frac_digits * *scale / frac_scale;  // < *scale, no overflow
    if (whole * *scale > max - fraction) return invalid(text, what, "too large");
    return whole * *scale + fraction;
}

template <typename T>
Result<T> named(std::string_view option, Result<T> r) {
    if (!r) return make_error(r.error().code, std::string(option) + ": " + r.error().message);
    return r;
}

Error out_of_range(std::string_view option, std::string_view text, const std::string& range) {
    return make_error(Errc::invalid_argument, std::string(option) + ": '" + escape_control(text) +
                                                  "' is out of range (" + range + ")");
}

// "16384 bytes (16 KiB) to 67108864 bytes (64 MiB)"; per_second adds "/s".
std::string size_range(std::uint64_t min, std::uint64_t max, bool per_second) {
    const std::string per = per_second ? "/s" : "";
    auto one = [&](std::uint64_t v) {
        std::string s = std::to_string(v) + " bytes" + per;
        if (v >= 1024) s += " (" + format_size(v) + per + ")";
        return s;
    };
    if (max == std::numeric_limits<std::uint64_t>::max()) return "at least " + one(min);
    return one(min) + " to " + one(max);
}

}  // namespace

Result<std::uint64_t> parse_size(std::string_view text) {
    return parse_bytes(text, "a size");
}

Result<std::uint64_t> parse_rate(std::string_view text) {
    if (text.ends_with("/s")) text.remove_suffix(2);
    return parse_bytes(text, "a rate in bytes/s");
}

Result<std::int64_t> parse_integer(std::string_view text) {
    if (text.empty()) return invalid(text, "an integer", "empty");
    std::int64_t v = 0;
    const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec == std::errc::result_out_of_range) return invalid(text, "an integer", "too large");
    if (ec != std::errc() || p != text.data() + text.size()) {
        return invalid(text, "an integer", "expected decimal digits");
    }
    return v;
}

Result<std::int64_t> parse_integer_option(std::string_view option, std::string_view text,
                                          std::int64_t min, std::int64_t max) {
    auto v = named(option, parse_integer(text));
    if (!v) return v;
    if (*v < min || *v > max) {
        return out_of_range(option, text, std::to_string(min) + " to " + std::to_string(max));
    }
    return v;
}

Result<std::uint64_t> parse_size_option(std::string_view option, std::string_view text,
                                        std::uint64_t min, std::uint64_t max) {
    auto v = named(option, parse_size(text));
    if (!v) return v;
    if (*v < min || *v > max) return out_of_range(option, text, size_range(min, max, false));
    return v;
}

Result<std::uint64_t> parse_rate_option(std::string_view option, std::string_view text,
                                        std::uint64_t min, std::uint64_t max) {
    auto v = named(option, parse_rate(text));
    if (!v) return v;
    if (*v < min || *v > max) return out_of_range(option, text, size_range(min, max, true));
    return v;
}

Result<std::chrono::milliseconds> parse_duration_option(std::string_view option,
                                                        std::string_view text,
                                                        std::chrono::milliseconds min,
                                                        std::chrono::milliseconds max) {
    if (!text.empty() && text.front() == '-') {
        return make_error(
            Errc::invalid_argument,
            std::string(option) + ": '" + escape_control(text) + "' is not a duration: negative");
    }
    auto d = parse_duration(text);
    if (!d) {
        return make_error(Errc::invalid_argument,
                          std::string(option) + ": " + escape_control(d.error().message));
    }
    if (*d < min || *d > max) {
        std::string range = "at least " + format_duration(min);
        if (max != std::chrono::milliseconds::max())
            range = format_duration(min) + " to " + format_duration(max);
        return out_of_range(option, text, range);
    }
    return d;
}

std::string format_size(std::uint64_t bytes) {
    static constexpr const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    std::size_t u = 0;
    std::uint64_t scale = 1;
    while (u + 1 < std::size(units) && bytes / scale >= 1024) {
        scale *= 1024;
        ++u;
    }
    if (u == 0) return std::to_string(bytes) + " B";
    // One decimal, rounded down, dropped when it is zero: "4 MiB", "1.5 GiB".
    const std::uint64_t whole = bytes / scale;
    const auto tenth = static_cast<unsigned>(static_cast<double>(bytes % scale) /
                                             static_cast<double>(scale) * 10.0);
    std::string s = std::to_string(whole);
    if (tenth % 10 != 0) s += "." + std::to_string(tenth % 10);
    return s + " " + units[u];
}

}  // namespace aciswarm
