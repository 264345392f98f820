// Command-line options in the project's one style: --name=value (or
// --name value), booleans as --flag, --flag=true or --flag=false, -v for
// verbose, "--" ends options. Unknown options and missing values are errors
// that name the option. Used by aciswarm's subcommands and aciswarm-tracker.
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

class OptionParser {
  public:
    OptionParser(std::string usage, std::vector<OptionSpec> specs);
    Result<ParsedOptions> parse(std::span<const std::string> args) const;
    std::string help() const;
    const std::vector<OptionSpec>& specs() const { return specs_; }

  private:
    const OptionSpec* find(std::string_view name) const;
    const OptionSpec* find_short(char c) const;

    std::string usage_;
    std::vector<OptionSpec> specs_;
};

}  // namespace aciswarm
