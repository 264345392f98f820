// The service manager protocol (sd_notify(3) through libsystemd): READY=1 once
// the API listens, STATUS= with counts, RELOADING=1 on SIGHUP, STOPPING=1 on
// SIGTERM, WATCHDOG=1 at half of WatchdogSec. Without NOTIFY_SOCKET in the
// environment (not under systemd) every call does nothing.
// Thread: owned by the daemon's loop thread.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "common/log.hpp"

namespace aciswarm::agent {

class SystemdNotifier {
  public:
    explicit SystemdNotifier(Logger& log);

    void ready(std::string_view status);
    void status(std::string_view status);
    void reloading();
    void stopping();
    void watchdog();

    // How often to send WATCHDOG=1: half of WATCHDOG_USEC when the watchdog is
    // enabled for this process (WATCHDOG_PID matches or is unset), else nullopt.
    std::optional<std::chrono::microseconds> watchdog_interval() const;

  private:
    void send(const std::string& message);

    Logger& log_;
};

}  // namespace aciswarm::agent
