// Small ASCII text helpers for protocol text (HTTP headers, HTML attributes,
// URLs), where case and white space rules are ASCII-only and locale-free.
#pragma once

#include <cstddef>
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

// For messages that echo input (names, URLs, paths from files, pages or peers):
// control bytes (C0, DEL) become \xNN so an ESC in a manifest name cannot
// drive the terminal, and text past max_bytes is cut and marked "...".
// Other bytes (UTF-8 included) are kept.
inline std::string escape_control(std::string_view s, std::size_t max_bytes = 512) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    const std::string_view shown = s.substr(0, max_bytes);
    out.reserve(shown.size());
    for (const char c : shown) {
        const auto b = static_cast<unsigned char>(c);
        if (b < 0x20 || b == 0x7f) {
            out += "\\x";
            out += hex[b >> 4];
            out += hex[b & 0xf];
        } else {
            out += c;
        }
    }
    if (s.size() > max_bytes) out += "...";
    return out;
}

// & < > " ' -> character references: safe in HTML text and in quoted attributes.
inline std::string html_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&#39;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

}  // namespace aciswarm
