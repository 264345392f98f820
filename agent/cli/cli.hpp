// The `aciswarm` command line: a table of subcommands, each a function over
// its arguments and a context holding the streams, logger and clock, so tests
// run commands in-process and read what they print.
#pragma once

#include <iosfwd>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/log.hpp"
#include "common/options.hpp"

namespace aciswarm::agent {

struct CliContext {
    std::ostream& out;  // results (image ids, tables, JSON)
    std::ostream& err;  // progress and error lines
    Logger& log;
    const Clock& clock;
    bool stderr_is_terminal = false;
};

// `own` followed by -v/--verbose (debug logging, which parse_command turns on)
// and -h/--help: the last two options of most commands.
std::vector<OptionSpec> with_common_flags(std::vector<OptionSpec> own);

// Every command's preamble: parses args with the command's options; on --help
// prints help and returns nullopt with exit_code = exit_ok, on a usage error
// prints "WHO: message" and returns nullopt with exit_code = exit_usage; -v
// turns on debug logging. `who` names the command in errors ("aciswarm fetch").
std::optional<ParsedOptions> parse_command(const OptionParser& parser,
                                           std::span<const std::string> args, CliContext& ctx,
                                           int& exit_code, std::string_view who = "aciswarm");

// args excludes the subcommand's own name. Returns the process exit code.
using CommandFn = int (*)(std::span<const std::string> args, CliContext& ctx);

struct Command {
    std::string_view name;     // "fetch", or "image list" for a nested one
    std::string_view summary;  // one line for `aciswarm --help`
    CommandFn run;
};

// Every subcommand, in the order `aciswarm --help` lists them (commands.cpp).
std::span<const Command> commands();

// Dispatches argv (without the program name). Exit codes: 0 ok, 1 failure, 2 usage.
int run_cli(std::span<const std::string> args, CliContext& ctx);

inline constexpr int exit_ok = 0;
inline constexpr int exit_failure = 1;
inline constexpr int exit_usage = 2;
inline constexpr int exit_interrupted = 130;  // stopped by Ctrl-C / SIGTERM (as a shell reports it)

}  // namespace aciswarm::agent
