// Small ASCII text helpers for protocol text (HTTP headers, HTML attributes,
// URLs), where case and white space rules are ASCII-only and locale-free.
#pragma once

#include <string>
#include <string_view>

namespace aciswarm {

// A-Z → a-z; every other byte unchanged (no locale).
inline std::string ascii_lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

// HTTP optional white space (RFC 9110 OWS): space and tab.
inline constexpr std::string_view http_whitespace = " \t";
// HTML's ASCII white space (space, tab, LF, CR, FF), plus VT for lenient pages.
inline constexpr std::string_view html_whitespace = " \t\n\r\f\v";

// `s` without leading and trailing bytes from `blanks`.
inline std::string_view trim(std::string_view s, std::string_view blanks) {
    const auto first = s.find_first_not_of(blanks);
    if (first == std::string_view::npos) return {};
    return s.substr(first, s.find_last_not_of(blanks) - first + 1);
}

}  // namespace aciswarm
