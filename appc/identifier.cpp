#include "appc/identifier.hpp"

#include "common/text.hpp"

namespace aciswarm::appc {
namespace {

bool is_lower_alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool is_identifier_separator(char c) {
    return ac_identifier_separators.find(c) != std::string_view::npos;
}

}  // namespace

bool matches_ac_pattern(std::string_view text, std::string_view separators) {
    bool need_alnum = true;  // at the start and after each separator
    for (char c : text) {
        if (is_lower_alnum(c)) {
            need_alnum = false;
        } else if (separators.find(c) != std::string_view::npos) {
            if (need_alnum) return false;
            need_alnum = true;
        } else {
            return false;
        }
    }
    return !need_alnum;
}

bool is_ac_identifier(std::string_view text) {
    return matches_ac_pattern(text, ac_identifier_separators);
}

std::string ac_identifier_problem(std::string_view text) {
    if (text.empty()) return "is empty";
    auto quoted = [](char c) { return "'" + escape_control(std::string_view(&c, 1)) + "'"; };
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c >= 'A' && c <= 'Z') return "has an uppercase letter " + quoted(c);
        if (c == ' ') return "has a space";
        if (!is_lower_alnum(c) && !is_identifier_separator(c)) return "has " + quoted(c);
        if (is_identifier_separator(c) && i > 0 && is_identifier_separator(text[i - 1])) {
            return "has two separators in a row ('" + std::string(text.substr(i - 1, 2)) + "')";
        }
    }
    if (is_identifier_separator(text.front())) return "starts with " + quoted(text.front());
    if (is_identifier_separator(text.back())) return "ends with " + quoted(text.back());
    return {};
}

}  // namespace aciswarm::appc
