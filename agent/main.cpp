// aciswarm: the node agent. Wiring only; the work is in aciswarm_agent.
#include <unistd.h>

#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "agent/cli/cli.hpp"

int main(int argc, char** argv) {
    aciswarm::Logger log("aciswarm");
    aciswarm::SystemClock clock;
    aciswarm::agent::CliContext ctx{std::cout, std::cerr, log, clock, ::isatty(STDERR_FILENO) == 1};
    std::vector<std::string> args(argv + 1, argv + argc);
    try {
        return aciswarm::agent::run_cli(args, ctx);
    } catch (const std::exception& e) {  // fatal start-up/config errors only
        std::cerr << "aciswarm: " << e.what() << "\n";
        return aciswarm::agent::exit_failure;
    }
}
