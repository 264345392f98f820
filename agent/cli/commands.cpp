// The table of subcommands. Each command lives in its own file under cli/ and
// is declared here; keep the table in the order --help should show.
#include "agent/cli/cli.hpp"

namespace aciswarm::agent {

int run_discover(std::span<const std::string> args, CliContext& ctx);  // discover.cpp

std::span<const Command> commands() {
    static constexpr Command table[] = {
        {"version", "print the version",
         [](std::span<const std::string>, CliContext& ctx) {
             ctx.out << "aciswarm " << ACISWARM_VERSION << "\n";
             return exit_ok;
         }},
        {"discover",
         "find an image's .aci, .aci.asc, .torrent, magnet and key URLs (appc discovery)",
         &run_discover},
    };
    return table;
}

}  // namespace aciswarm::agent
