// Echoing input in messages: control bytes become \xNN so a key's user id or
// an image name can't rewrite the terminal or forge a log line.
#pragma once

#include <string>
#include <string_view>

namespace aciswarm::trust {

inline std::string printable(std::string_view s) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f) {
            out += "\\x";
            out.push_back(digits[u >> 4]);
            out.push_back(digits[u & 15]);
        } else {
            out.push_back(c);
        }
    }
    return out;
}

}  // namespace aciswarm::trust
