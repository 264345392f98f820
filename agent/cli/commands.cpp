// The table of subcommands. Each command lives in its own file under cli/ and
// is declared here; keep the table in the order --help should show.
#include "agent/cli/cli.hpp"

namespace aciswarm::agent {

std::span<const Command> commands() {
    static constexpr Command table[] = {
        {"version", "print the version",
         [](std::span<const std::string>, CliContext& ctx) {
             ctx.out << "aciswarm " << ACISWARM_VERSION << "\n";
             return exit_ok;
         }},
    };
    return table;
}

}  // namespace aciswarm::agent
