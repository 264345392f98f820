// aciswarm-tracker: wiring only. Options -> Tracker (core) + TorrentDirectory
// (whitelist) + Server (network); the main thread handles signals (SIGHUP
// reloads, SIGTERM/SIGINT stop), directory scans, expiry and rate sampling.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>

#include "common/clock.hpp"
#include "common/log.hpp"
#include "tracker/app/config.hpp"
#include "tracker/app/tracker_swarm.hpp"
#include "tracker/core/tracker.hpp"
#include "tracker/core/whitelist.hpp"
#include "tracker/livesync/livesync.hpp"
#include "tracker/server/server.hpp"

namespace {

using namespace aciswarm;
using namespace aciswarm::tracker;

struct Whitelist {
    std::unique_ptr<TorrentDirectory> dir;

    // (Re)scans; logs a line when the set changed (tests wait for it).
    void refresh(Tracker& tracker, Logger& log, bool force_log) {
        if (!dir) {
            if (force_log) tracker.set_whitelist({});
            return;
        }
        if (auto ok = dir->rescan(); !ok) {
            log.warn("whitelist: ", ok.error().message);
            return;
        }
        const WhitelistChange change = tracker.set_torrents(dir->torrents());
        if (force_log || change.added || change.removed) {
            log.info("whitelist: ", change.total, " info hashes from ", dir->file_count(),
                     " torrents in ", dir->path().string(), " (+", change.added, " -",
                     change.removed, ")");
        }
    }
};

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
    if (!config->settings.locked || !config->dir.empty()) {
    } else {
        log.warn("--locked=true without --dir: every announce will be refused");
    }
    std::string pidfile = config->pidfile;
    if (!pidfile.empty()) pidfile = std::filesystem::absolute(pidfile).string();
    if (!config->dir.empty()) config->dir = std::filesystem::absolute(config->dir).string();

    SystemClock clock;
    Tracker tracker(clock, config->settings);
    Whitelist whitelist;
    if (!config->dir.empty()) {
        whitelist.dir = std::make_unique<TorrentDirectory>(config->dir, log);
        if (auto ok = whitelist.dir->rescan(); !ok) {
            log.error("--dir: ", ok.error().message);
            return 1;
        }
    }
    whitelist.refresh(tracker, log, true);

    ServerOptions so;
    so.http = config->http;
    so.udp = config->udp;
    so.workers = config->workers;
    so.max_connections = config->max_connections;
    so.max_connections_per_address = config->max_connections_per_address;
    so.reserved_connections = config->reserved_connections;
    so.first_request_timeout = config->first_request_timeout;
    so.header_timeout = config->header_timeout;
    so.idle_timeout = config->idle_timeout;
    so.verbose = config->verbose > 0;

    if (config->daemon && ::daemon(0, 1) != 0) {
        log.error("--daemon: cannot detach");
        return 1;
    }
    // Workers inherit this mask; only the main thread takes the signals.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGHUP);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    ::signal(SIGPIPE, SIG_IGN);

    // Livesync: after the signal mask (its thread inherits it), before the workers start.
    // --sync-* options are read at start only; SIGHUP does not change them.
    TrackerSwarm sync_swarm(tracker);
    std::unique_ptr<livesync::LiveSync> sync;
    if (config->livesync) {
        auto started = livesync::LiveSync::start(*config->livesync, sync_swarm, clock, log);
        if (!started) {
            log.error("livesync: ", started.error().message);
            return 1;
        }
        sync = std::move(*started);
        tracker.set_peer_observer([s = sync.get()](const PeerChange& change) {
            s->on_local_peer_change(TrackerSwarm::local_change(change));
        });
        so.extra_metrics = [s = sync.get()] { return s->metrics(); };
    }

    // Before binding, so it exists once the "listening" lines are out.
    if (!pidfile.empty()) std::ofstream(pidfile) << ::getpid() << "\n";
    Server server(tracker, log, so);
    if (auto ok = server.bind(); !ok) {
        log.error(ok.error().message);
        if (!pidfile.empty()) std::filesystem::remove(pidfile);
        return 1;
    }
    server.start();
    log.info("tracking in ", mode_name(config->settings.mode), " mode with ", so.workers,
             " workers");

    auto last_scan = clock.now();
    auto last_expire = clock.now();
    server.sample_rates(clock.now());
    auto last_rates = clock.now();
    for (;;) {
        timespec tick{1, 0};
        const int sig = sigtimedwait(&signals, nullptr, &tick);
        if (sig == SIGTERM || sig == SIGINT) {
            log.info("stopping on signal ", sig);
            break;
        }
        const auto now = clock.now();
        if (sig == SIGHUP) {
            auto next = load_config(args);
            if (!next) {
                log.error("reload: ", next.error().message, " (keeping the old configuration)");
            } else {
                if (!next->dir.empty()) next->dir = std::filesystem::absolute(next->dir).string();
                tracker.update_settings(next->settings);
                server.set_verbose(next->verbose > 0);
                log.set_level(next->verbose ? LogLevel::debug : LogLevel::info);
                if (next->dir != config->dir) {
                    whitelist.dir = next->dir.empty()
                                        ? nullptr
                                        : std::make_unique<TorrentDirectory>(next->dir, log);
                }
                config = std::move(next);
                log.info("reloaded configuration: mode ", mode_name(config->settings.mode),
                         ", maxpeers ", config->settings.maxpeers, ", locked ",
                         config->settings.locked ? "true" : "false");
            }
            whitelist.refresh(tracker, log, true);
            last_scan = now;
        }
        if (config->scan && now - last_scan >= std::chrono::seconds(config->scan_interval)) {
            whitelist.refresh(tracker, log, false);
            last_scan = now;
        }
        if (now - last_expire >= std::chrono::seconds(10)) {
            const std::size_t dropped = tracker.expire();
            if (dropped) log.debug("expired ", dropped, " peers");
            last_expire = now;
        }
        if (now - last_rates >= std::chrono::seconds(5)) {
            server.sample_rates(now);
            last_rates = now;
        }
    }
    server.stop();
    if (!pidfile.empty()) std::filesystem::remove(pidfile);
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
