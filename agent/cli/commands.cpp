// The table of subcommands. Each command lives in its own file under cli/ and
// is declared here; keep the table in the order --help should show.
#include "agent/cli/cli.hpp"

namespace aciswarm::agent {

int cmd_build_aci(std::span<const std::string> args, CliContext& ctx);  // build_aci.cpp
int cmd_publish(std::span<const std::string> args, CliContext& ctx);    // publish.cpp
int cmd_seed(std::span<const std::string> args, CliContext& ctx);       // seed.cpp

std::span<const Command> commands() {
    static constexpr Command table[] = {
        {"build-aci", "build an ACI from a root filesystem directory", cmd_build_aci},
        {"publish", "publish an ACI: .torrent, .magnet, discovery index.html", cmd_publish},
        {"seed", "seed every image published in a directory (everseed)", cmd_seed},
        {"version", "print the version",
         [](std::span<const std::string>, CliContext& ctx) {
             ctx.out << "aciswarm " << ACISWARM_VERSION << "\n";
             return exit_ok;
         }},
    };
    return table;
}

}  // namespace aciswarm::agent
