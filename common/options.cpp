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

OptionParser::OptionParser(std::string usage, std::vector<OptionSpec> specs)
    : usage_(std::move(usage)), specs_(std::move(specs)) {}

const OptionSpec* OptionParser::find(std::string_view name) const {
    auto it = std::find_if(specs_.begin(), specs_.end(),
                           [&](const OptionSpec& s) { return s.name == name; });
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

std::string OptionParser::help() const {
    std::string out = "usage: " + usage_ + "\n";
    if (specs_.empty()) return out;
    out += "\noptions:\n";
    for (const OptionSpec& s : specs_) {
        std::string left = "  ";
        left += s.short_name ? std::string("-") + s.short_name + ", " : "    ";
        left += "--" + s.name;
        if (s.kind != OptionSpec::Kind::flag) left += "=" + s.metavar;
        if (left.size() < 34)
            left.resize(34, ' ');
        else
            left += "  ";
        out += left + s.help + (s.kind == OptionSpec::Kind::list ? " (repeatable)" : "") + "\n";
    }
    return out;
}

}  // namespace aciswarm
