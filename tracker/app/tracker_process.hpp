// The aciswarm-tracker process without main(): Tracker (core) + TorrentDirectory
// (whitelist) + LiveSync + Server (network), and the control loop that reloads
// the configuration on SIGHUP, rescans --dir, expires peers and samples request
// rates. The clock and the signal source are injected, so a test drives the loop
// with a ManualClock and scripted signals; main() passes SystemClock and
// PosixSignals.
//
// Web pages (--web): served as a route of the --http listeners, or by a second
// one-worker Server on --web=ADDR:PORT; tick() samples the rates chart every 5 s.
//
// Persistent state (--state=FILE): open_state() refuses an unusable file (one line
// naming it) unless --state-reset, restores the stored completed counts into the
// core, then lets the core note new completions in a StateJournal; tick() marks
// swarms with peers as seen and writes the journal to the file every 5 s
// (kStateFlushEvery), stop() once more.
//
// Thread-safety: owned by the main thread (start, run, stop); the server's
// workers and livesync's thread run inside it. What survives kill -9: the
// pidfile (removed by stop() only) and the state file as of its last flush: a
// kill -9 loses at most the last 5 s of completed counts and seen times.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/fd.hpp"
#include "common/log.hpp"
#include "common/result.hpp"
#include "tracker/app/config.hpp"
#include "tracker/app/dir_watch.hpp"
#include "tracker/app/tracker_swarm.hpp"
#include "tracker/app/tracker_web_source.hpp"
#include "tracker/core/tracker.hpp"
#include "tracker/core/whitelist.hpp"
#include "tracker/livesync/livesync.hpp"
#include "tracker/server/server.hpp"
#include "tracker/state/journal.hpp"
#include "tracker/state/state_file.hpp"

namespace aciswarm::tracker {

// Where the control loop learns of signals: SIGHUP reloads, SIGTERM and SIGINT stop.
class SignalSource {
  public:
    virtual ~SignalSource() = default;
    // Waits up to `timeout` for a signal number; nullopt when nothing arrived or
    // `wake_fd` (when not -1) became readable first.
    virtual std::optional<int> wait(std::chrono::milliseconds timeout, int wake_fd) = 0;
};

// SIGHUP, SIGTERM and SIGINT through a signalfd, polled with the wake fd. The
// constructor blocks those signals in the calling thread (threads started later
// inherit the mask, so only this thread takes them) and ignores SIGPIPE; it
// throws when the signalfd cannot be made (a fatal start-up error).
class PosixSignals final : public SignalSource {
  public:
    PosixSignals();
    std::optional<int> wait(std::chrono::milliseconds timeout, int wake_fd) override;

  private:
    UniqueFd signal_fd_;
};

// How often the control loop writes completed counts to --state (the kill -9 bound).
inline constexpr auto kStateFlushEvery = std::chrono::seconds(5);

class TrackerProcess {
  public:
    // `args`: the command line, re-read on reload (with its --config file).
    TrackerProcess(std::vector<std::string> args, Config config, const Clock& clock, Logger& log);
    ~TrackerProcess();
    TrackerProcess(const TrackerProcess&) = delete;
    TrackerProcess& operator=(const TrackerProcess&) = delete;

    // Reads --dir (main calls it before --daemon detaches, so a bad --dir fails
    // the command); start() calls it when main did not.
    Status open_dir();
    // Opens --state and restores its counts (after open_dir, so whitelisted swarms
    // exist); start() calls it when main did not. An unusable file is an error
    // naming it unless --state-reset.
    Status open_state();
    // Starts livesync, writes the pidfile, binds and starts the workers.
    // Errors name the part that failed; nothing is left running after one.
    Status start();
    // The control loop: returns when `signals` says stop.
    void run(SignalSource& signals);
    // One pass of the loop's periodic work (scan, expiry, rates, state) at clock.now().
    void tick();
    // Re-reads the configuration; a bad one is logged and the old one kept.
    void reload();
    // Stops the workers, writes the state file and removes the pidfile (idempotent).
    void stop();

    Tracker& tracker() { return tracker_; }
    Server& server() { return *server_; }
    const Config& config() const { return config_; }

  private:
    void refresh_whitelist(bool force_log);
    // Watches --dir (config_.dir) with inotify; on failure warns and keeps interval scans.
    void watch_dir();
    // --keys: (re)reads the keys file into the tracker's KeyRing. An error
    // leaves the keys in use (none at start: the caller fails).
    Status load_keys();
    Status start_livesync(ServerOptions& options);
    // The web pages as an HTTP route (tracker/web), with their security headers.
    http::Route web_route() const;
    // --web=ADDR:PORT: a one-worker HTTP listener of its own for the pages.
    Status start_web_listener();
    ServerOptions server_options() const;
    // Marks swarms with peers as seen and writes the journal to the state file.
    void flush_state();

    std::vector<std::string> args_;
    Config config_;
    const Clock& clock_;
    Logger& log_;
    std::string pidfile_;  // absolute
    Tracker tracker_;
    std::unique_ptr<TorrentDirectory> whitelist_;
    std::optional<DirWatch> dir_watch_;  // --dir changes wake the loop (none: interval scans)
    TrackerSwarm sync_swarm_;
    std::unique_ptr<livesync::LiveSync> sync_;
    std::unique_ptr<Server> server_;
    TrackerWebSource web_source_;
    std::unique_ptr<Server> web_server_;  // --web=ADDR:PORT only
    state::StateJournal journal_;
    std::optional<state::StateFile> state_file_;
    bool dir_opened_ = false;
    bool state_opened_ = false;
    Clock::SteadyTime last_scan_{}, last_expire_{}, last_rates_{}, last_flush_{};
};

}  // namespace aciswarm::tracker
