#include "discovery/cache_control.hpp"

#include <cstdint>
#include <string>

#include "common/text.hpp"

namespace aciswarm::discovery {
namespace {

std::string_view trim(std::string_view s) {
    return aciswarm::trim(s, http_whitespace);
}

}  // namespace

std::optional<std::chrono::seconds> parse_max_age(std::string_view cache_control) {
    std::optional<std::chrono::seconds> max_age;
    bool no_cache = false;
    while (!cache_control.empty()) {
        const std::size_t comma = cache_control.find(',');
        const std::string_view directive = trim(cache_control.substr(0, comma));
        cache_control =
            comma == std::string_view::npos ? std::string_view{} : cache_control.substr(comma + 1);
        const std::size_t eq = directive.find('=');
        const std::string key = ascii_lower(trim(directive.substr(0, eq)));
        if (key == "no-cache" || key == "no-store") {
            no_cache = true;
            continue;
        }
        if (key != "max-age" || eq == std::string_view::npos) continue;
        std::string_view value = trim(directive.substr(eq + 1));
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
            value = value.substr(1, value.size() - 2);
        }
        if (value.empty() || value.size() > 12) continue;  // > 12 digits: malformed here
        std::int64_t seconds = 0;
        bool ok = true;
        for (char c : value) {
            if (c < '0' || c > '9') {
                ok = false;
                break;
            }
            seconds = seconds * 10 + (c - '0');
        }
        if (ok) max_age = std::chrono::seconds(seconds);
    }
    if (no_cache) return std::chrono::seconds(0);
    return max_age;
}

}  // namespace aciswarm::discovery
