// The table of subcommands. Each command lives in its own file under cli/ and
// is declared here; keep the table in the order --help should show.
#include "agent/cli/cli.hpp"

namespace aciswarm::agent {

// daemon_cli.cpp
int cmd_daemon(std::span<const std::string> args, CliContext& ctx);
int cmd_status(std::span<const std::string> args, CliContext& ctx);
int cmd_image_seed(std::span<const std::string> args, CliContext& ctx);

std::span<const Command> commands() {
    static constexpr Command table[] = {
        {"version", "print the version",
         [](std::span<const std::string>, CliContext& ctx) {
             ctx.out << "aciswarm " << ACISWARM_VERSION << "\n";
             return exit_ok;
         }},
        {"daemon", "run the background agent: seed per policy, serve the local API", cmd_daemon},
        {"status", "show the daemon's images, peers, rates and seeding policies", cmd_status},
        {"image seed", "set how long the daemon seeds an image (--for, --forever, --stop)", cmd_image_seed},
    };
    return table;
}

}  // namespace aciswarm::agent
