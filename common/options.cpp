#include "common/options.hpp"

#include <algorithm>

namespace aciswarm {

bool ParsedOptions::has(std::string_view name) const {
    return values_.find(name) != values_.end();
}

std::optional<std::string> ParsedOptions::get(std::string_view name) const {
    auto it = values_.find(name);
    if (it == values_.end() || it->second.empty()) return std::nullopt;
    return it->second.back();
}

std::string ParsedOptions::get_or(std::string_view name, std::string fallback) const {
    auto v = get(name);
    return v ? *v : std::move(fallback);
}

std::vector<std::string> ParsedOptions::get_all(std::string_view name) const {
    auto it = values_.find(name);
    return it == values_.end() ? std::vector<std::string>{} : it->second;
}

bool ParsedOptions::flag(std::string_view name) const {
    auto v = get(name);
    return v && parse_bool(name, *v).value_or(false);
}

int ParsedOptions::count(std::string_view name) const {
    auto it = values_.find(name);
    return it == values_.end() ? 0 : static_cast<int>(it->second.size());
}

Result<bool> parse_bool(std::string_view name, std::string_view text) {
    if (text == "true" || text == "1" || text == "yes" || text == "on") return true;
    if (text == "false" || text == "0" || text == "no" || text == "off") return false;
    return make_error(Errc::invalid_argument, "--" + std::string(name) + ": '" + std::string(text) +
                                                  "' is not a boolean (true or false)");
}

OptionParser::OptionParser(std::string usage, std::vector<OptionSpec> specs,
                           std::vector<std::string> examples)
    : usage_(std::move(usage)), specs_(std::move(specs)), examples_(std::move(examples)) {
    // -h and --help everywhere, whatever the table says.
    auto help = std::find_if(specs_.begin(), specs_.end(),
                             [](const OptionSpec& s) { return s.name == "help"; });
    if (help == specs_.end()) {
        specs_.push_back({"help", OptionSpec::Kind::flag, "show this help", "", 'h'});
    } else if (help->short_name == 0 && find_short('h') == nullptr) {
        help->short_name = 'h';
    }
}

const OptionSpec* OptionParser::find(std::string_view name) const {
    auto it = std::find_if(specs_.begin(), specs_.end(), [&](const OptionSpec& s) {
        return s.name == name ||
               std::find(s.aliases.begin(), s.aliases.end(), name) != s.aliases.end();
    });
    return it == specs_.end() ? nullptr : &*it;
}

const OptionSpec* OptionParser::find_short(char c) const {
    auto it = std::find_if(specs_.begin(), specs_.end(),
                           [&](const OptionSpec& s) { return s.short_name == c; });
    return it == specs_.end() ? nullptr : &*it;
}

Result<ParsedOptions> OptionParser::parse(std::span<const std::string> args) const {
    ParsedOptions out;
    bool options_done = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (options_done || arg.size() < 2 || arg[0] != '-' || arg == "-") {
            out.positional_.push_back(arg);
            continue;
        }
        if (arg == "--") {
            options_done = true;
            continue;
        }
        if (arg[1] != '-') {  // short flags, possibly grouped: -vv
            for (std::size_t k = 1; k < arg.size(); ++k) {
                const OptionSpec* spec = find_short(arg[k]);
                if (spec == nullptr || spec->kind != OptionSpec::Kind::flag) {
                    return make_error(
                        Errc::invalid_argument,
                        "unknown option -" + std::string(1, arg[k]) + " (see --help)");
                }
                out.values_[spec->name].push_back("true");
            }
            continue;
        }
        const std::string_view body = std::string_view(arg).substr(2);
        const std::size_t eq = body.find('=');
        const std::string_view name = body.substr(0, eq);
        const OptionSpec* spec = find(name);
        if (spec == nullptr) {
            return make_error(Errc::invalid_argument,
                              "unknown option --" + std::string(name) + " (see --help)");
        }
        std::string value;
        if (eq != std::string_view::npos) {
            value = std::string(body.substr(eq + 1));
        } else if (spec->kind == OptionSpec::Kind::flag) {
            value = "true";
        } else if (i + 1 < args.size()) {
            value = args[++i];
        } else {
            return make_error(Errc::invalid_argument, "option --" + std::string(name) +
                                                          " needs a value (--" + std::string(name) +
                                                          "=" + spec->metavar + ")");
        }
        if (spec->kind == OptionSpec::Kind::flag) {
            if (auto b = parse_bool(name, value); !b) return std::move(b).error();
        }
        auto& slot = out.values_[spec->name];
        if (spec->kind == OptionSpec::Kind::value) slot.clear();
        slot.push_back(std::move(value));
    }
    return out;
}

std::string wrap_text(std::string_view text, std::size_t width, std::size_t indent) {
    // Leading spaces stay (indented lines); inside the text, runs of spaces stay
    // too (aligned columns) except where a line breaks.
    const std::size_t lead = std::min(text.find_first_not_of(' '), text.size());
    std::string out(lead, ' ');
    text.remove_prefix(lead);
    std::size_t column = lead;
    std::size_t pending_spaces = 0;
    bool line_has_word = false;
    while (!text.empty()) {
        const std::size_t space = text.find(' ');
        const std::string_view word = text.substr(0, space);
        text = space == std::string_view::npos ? std::string_view{} : text.substr(space + 1);
        if (word.empty()) {
            ++pending_spaces;
            continue;
        }
        const std::size_t gap = line_has_word ? pending_spaces + 1 : 0;
        pending_spaces = 0;
        if (line_has_word && column + gap + word.size() > width) {
            out += "\n" + std::string(indent, ' ');
            column = indent;
        } else {
            out += std::string(gap, ' ');
            column += gap;
        }
        out += word;
        column += word.size();
        line_has_word = true;
    }
    return out;
}

std::string OptionParser::help() const {
    std::string out;
    // The first line is the usage line, the rest a description; both wrapped.
    std::string_view rest = usage_;
    bool first = true;
    while (first || !rest.empty()) {
        const std::size_t nl = rest.find('\n');
        std::string_view line = rest.substr(0, nl);
        rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
        if (first) {
            out += wrap_text("usage: " + std::string(line), help_width, 6) + "\n";
            first = false;
        } else {
            out += wrap_text(line, help_width, 0) + "\n";
        }
    }
    out += "\noptions:\n";
    constexpr std::size_t help_column = 34;
    for (const OptionSpec& s : specs_) {
        if (s.hidden) continue;
        std::string left = "  ";
        left += s.short_name ? std::string("-") + s.short_name + ", " : "    ";
        left += "--" + s.name;
        if (s.kind != OptionSpec::Kind::flag) left += "=" + s.metavar;
        std::string text = s.help;
        if (s.kind == OptionSpec::Kind::list && text.find("repeatable") == std::string::npos) {
            text += " (repeatable)";
        }
        if (left.size() + 2 > help_column) {  // a long name: help on the next line
            out += left + "\n";
            left.clear();
        }
        left.resize(help_column, ' ');
        const std::string wrapped =
            wrap_text(text, help_width - help_column, 0);  // then indent continuation lines
        std::string indented;
        for (char c : wrapped) {
            indented += c;
            if (c == '\n') indented += std::string(help_column, ' ');
        }
        out += left + indented + "\n";
    }
    if (!examples_.empty()) {
        out += "\nexamples:\n";
        for (const std::string& e : examples_)
            out += "  " + wrap_text(e, help_width - 2, 4) + "\n";
    }
    return out;
}

}  // namespace aciswarm
