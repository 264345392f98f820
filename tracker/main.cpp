// aciswarm-tracker: parses the command line and wires a TrackerProcess
// (tracker/app/tracker_process.hpp) to the system clock and POSIX signals.
#include <unistd.h>

#include <iostream>

#include "common/clock.hpp"
#include "common/log.hpp"
#include "tracker/app/config.hpp"
#include "tracker/app/tracker_process.hpp"

namespace {

using namespace aciswarm;
using namespace aciswarm::tracker;

int run(const std::vector<std::string>& args) {
    auto config = load_config(args);
    if (!config) {
        std::cerr << "aciswarm-tracker: " << config.error().message << "\n";
        return 2;
    }
    if (config->help) {
        std::cout << config_parser().help();
        return 0;
    }
    Logger log("aciswarm-tracker", config->verbose ? LogLevel::debug : LogLevel::info);
    const bool detach = config->daemon;
    SystemClock clock;
    TrackerProcess process(args, std::move(*config), clock, log);
    // Before --daemon detaches, so a bad --dir or --state fails the command.
    for (auto open : {&TrackerProcess::open_dir, &TrackerProcess::open_state}) {
        if (auto ok = (process.*open)(); !ok) {
            log.error(ok.error().message);
            return 1;
        }
    }
    if (detach && ::daemon(0, 1) != 0) {
        log.error("--daemon: cannot detach");
        return 1;
    }
    // Before any thread starts: workers and livesync inherit the blocked signals.
    PosixSignals signals;
    if (auto ok = process.start(); !ok) {
        log.error(ok.error().message);
        return 1;
    }
    process.run(signals);
    process.stop();
    log.info("stopped");
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(std::vector<std::string>(argv + 1, argv + argc));
    } catch (const std::exception& e) {
        std::cerr << "aciswarm-tracker: " << e.what() << "\n";
        return 1;
    }
}
