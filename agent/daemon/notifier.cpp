#include "agent/daemon/notifier.hpp"

#include <systemd/sd-daemon.h>

#include "common/system_error.hpp"

namespace aciswarm::agent {

SystemdNotifier::SystemdNotifier(Logger& log) : log_(log) {}

void SystemdNotifier::send(const std::string& message) {
    const int r = sd_notify(0, message.c_str());
    if (r < 0) log_.warn("sd_notify: ", errno_text(-r));
}

void SystemdNotifier::ready(std::string_view status) {
    send("READY=1\nSTATUS=" + std::string(status));
}

void SystemdNotifier::status(std::string_view status) {
    send("STATUS=" + std::string(status));
}

void SystemdNotifier::reloading() {
    send("RELOADING=1");
}

void SystemdNotifier::stopping() {
    send("STOPPING=1");
}

void SystemdNotifier::watchdog() {
    send("WATCHDOG=1");
}

std::optional<std::chrono::microseconds> SystemdNotifier::watchdog_interval() const {
    std::uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return std::nullopt;
    return std::chrono::microseconds(usec / 2);
}

}  // namespace aciswarm::agent
