// `aciswarm daemon`: one event loop that serves the local API, seeds the store
// per policy through a DaemonBackend, talks to systemd (notify + watchdog) and
// handles signals: SIGHUP reloads the configuration, SIGTERM/SIGINT save resume
// data and stop. Thread: everything runs on the thread that calls run(); the
// backend may have its own threads (libtorrent), which is why signals must be
// blocked (block_daemon_signals) before the backend is created.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "agent/daemon/backend.hpp"
#include "agent/daemon/config.hpp"
#include "common/clock.hpp"
#include "common/log.hpp"

namespace aciswarm::agent {

// Blocks SIGTERM, SIGINT and SIGHUP in the calling thread (and threads it
// starts later) so the daemon receives them through a signalfd; ignores SIGPIPE.
void block_daemon_signals();

// Re-reads the configuration for SIGHUP (file, then the original flags).
using ConfigReloader = std::function<Result<DaemonConfig>()>;

class Daemon {
  public:
    Daemon(DaemonConfig config, ConfigReloader reload, DaemonBackend& backend, const Clock& clock,
           Logger& log);
    ~Daemon();
    Daemon(const Daemon&) = delete;
    Daemon& operator=(const Daemon&) = delete;

    // Runs until SIGTERM/SIGINT. Returns the process exit code; start-up
    // failures (socket, state file) are logged and return 1.
    int run();

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace aciswarm::agent
