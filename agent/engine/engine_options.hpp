// The engine's options, written once: each row is a name users type (a --flag
// of `aciswarm fetch` and `aciswarm seed`, a key of the daemon's agent.json),
// its metavar and help, and the setter that parses the text into EngineConfig
// with the option's bounds. Commands pick the rows they offer by name, so
// "--max-upload-rate=4M" means the same and fails the same everywhere. Model:
// libtorrent's settings_pack table.
//
// Pure: no I/O, no state; the table is a constant.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "agent/engine/engine.hpp"
#include "common/options.hpp"
#include "common/result.hpp"

namespace aciswarm::engine {

struct EngineOption {
    std::string_view name;  // "max-upload-rate", without dashes
    OptionSpec::Kind kind;  // flag values arrive as "true" / "false"
    std::string_view metavar;
    std::string_view help;  // one line for --help
    // A former name still accepted on the command line ("" = none; hidden from --help).
    std::string_view alias;
    // Parses `values` (one for flags and values, every one given for a list)
    // into `config`. `option` is how the input is named in errors:
    // "--max-upload-rate" for a flag, "max-upload-rate" for a config key.
    Status (*set)(EngineConfig& config, std::string_view option,
                  std::span<const std::string> values);
};

// Every engine option, in the order --help lists them.
std::span<const EngineOption> engine_options();

// The row named `name`; throws std::out_of_range for a name not in the table
// (a programming error in a command's list, found by its --help test).
const EngineOption& engine_option(std::string_view name);

// One engine option a command offers; `help` replaces the table's text where
// the command's default differs ("" = the table's).
struct EngineOptionUse {
    std::string_view name;
    std::string_view help = {};
};

// The OptionParser specs of the options a command offers, in its order.
std::vector<OptionSpec> engine_option_specs(std::span<const EngineOptionUse> uses);

// Applies the offered options present in `parsed` over `config`. Errors name
// the flag ("--max-connections: '0' is out of range (1 to 65535)").
Status apply_engine_options(EngineConfig& config, const ParsedOptions& parsed,
                            std::span<const EngineOptionUse> uses);

}  // namespace aciswarm::engine
