// Command-line options in the project's one style: --name=value (or
// --name value), booleans as --flag, --flag=true or --flag=false, -v for
// verbose, "--" ends options. Unknown options and missing values are errors
// that name the option. Used by aciswarm's subcommands and aciswarm-tracker.
// Every parser accepts -h/--help (added when a table lacks it). Old spellings
// of a renamed option stay accepted as `aliases` (not shown in --help; the
// vocabulary and its old names are in docs/conventions.md). help() fits 80
// columns and ends with the command's examples.
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace aciswarm {

struct OptionSpec {
    enum class Kind { flag, value, list };  // list: repeatable value
    std::string name;                       // without dashes: "store"
    Kind kind = Kind::value;
    std::string help;               // one line
    std::string metavar = "VALUE";  // shown in --help
    char short_name = 0;            // e.g. 'v'
    // Former names, still accepted and stored under `name` (hidden from help).
    std::vector<std::string> aliases = {};
    bool hidden = false;  // accepted, not listed in help (a deprecated option)
};

class ParsedOptions {
  public:
    bool has(std::string_view name) const;
    // Last value given (flags: "true"/"false"), or nullopt.
    std::optional<std::string> get(std::string_view name) const;
    std::string get_or(std::string_view name, std::string fallback) const;
    std::vector<std::string> get_all(std::string_view name) const;
    // A flag: false unless given; "--x=false" is false. Bad spellings were rejected by parse().
    bool flag(std::string_view name) const;
    // How many times a flag appeared (-v -v).
    int count(std::string_view name) const;
    const std::vector<std::string>& positional() const { return positional_; }

  private:
    friend class OptionParser;
    std::map<std::string, std::vector<std::string>, std::less<>> values_;
    std::vector<std::string> positional_;
};

// Parses "true"/"false" (also 1/0, yes/no, on/off).
Result<bool> parse_bool(std::string_view name, std::string_view text);

// Help output is wrapped to this many columns.
inline constexpr std::size_t help_width = 80;

class OptionParser {
  public:
    // usage: "aciswarm fetch IMAGE [OPTIONS]", optionally followed by "\n\n"
    // and a description. examples: command lines shown at the end of help(),
    // each optionally followed by "  # what it does".
    OptionParser(std::string usage, std::vector<OptionSpec> specs,
                 std::vector<std::string> examples = {});
    Result<ParsedOptions> parse(std::span<const std::string> args) const;
    std::string help() const;
    const std::vector<OptionSpec>& specs() const { return specs_; }
    const std::vector<std::string>& examples() const { return examples_; }

  private:
    const OptionSpec* find(std::string_view name) const;
    const OptionSpec* find_short(char c) const;

    std::string usage_;
    std::vector<OptionSpec> specs_;
    std::vector<std::string> examples_;
};

// `text` broken at spaces into lines of at most `width` columns; lines after
// the first start with `indent` spaces. A word longer than a line stays whole.
std::string wrap_text(std::string_view text, std::size_t width, std::size_t indent);

}  // namespace aciswarm
