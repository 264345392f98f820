#include "tracker/app/tracker_process.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "common/file_read.hpp"
#include "common/system_error.hpp"
#include "tracker/web/web.hpp"

namespace aciswarm::tracker {
namespace {

constexpr auto kExpireEvery = std::chrono::seconds(10);
constexpr auto kRatesEvery = std::chrono::seconds(5);

sigset_t control_signals() {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGHUP);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    return signals;
}

std::string absolute_or_empty(const std::string& path) {
    return path.empty() ? path : std::filesystem::absolute(path).string();
}

}  // namespace

PosixSignals::PosixSignals() {
    const sigset_t signals = control_signals();
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    ::signal(SIGPIPE, SIG_IGN);
    signal_fd_ = UniqueFd(::signalfd(-1, &signals, SFD_NONBLOCK | SFD_CLOEXEC));
    if (!signal_fd_) throw std::runtime_error(errno_error("signalfd", "tracker", errno).message);
}

std::optional<int> PosixSignals::wait(std::chrono::milliseconds timeout, int wake_fd) {
    std::array<pollfd, 2> fds{pollfd{signal_fd_.get(), POLLIN, 0}, pollfd{wake_fd, POLLIN, 0}};
    const nfds_t count = wake_fd >= 0 ? 2 : 1;
    if (::poll(fds.data(), count, static_cast<int>(timeout.count())) <= 0) return std::nullopt;
    signalfd_siginfo info{};
    if (::read(signal_fd_.get(), &info, sizeof info) != static_cast<ssize_t>(sizeof info))
        return std::nullopt;  // the wake fd, not a signal
    return static_cast<int>(info.ssi_signo);
}

TrackerProcess::TrackerProcess(std::vector<std::string> args, Config config, const Clock& clock,
                               Logger& log)
    : args_(std::move(args)),
      config_(std::move(config)),
      clock_(clock),
      log_(log),
      pidfile_(absolute_or_empty(config_.pidfile)),
      tracker_(clock, config_.settings),
      sync_swarm_(tracker_),
      web_source_(tracker_, clock) {
    config_.dir = absolute_or_empty(config_.dir);
    config_.keys_file = absolute_or_empty(config_.keys_file);
    tracker_.set_zone_map(config_.zones);
}

TrackerProcess::~TrackerProcess() {
    stop();
}

http::Route TrackerProcess::web_route() const {
    const web::WebOptions options{config_.web_show_peers};
    return [this, options](const http::RequestHead& head,
                           const PeerEndpoint&) -> std::optional<http::Response> {
        auto page = web::handle(head.path, web_source_, options);
        if (!page) return std::nullopt;
        http::Response response =
            http::text_response(page->status, page->content_type, std::move(page->body));
        response.failed = false;  // a 404 page is an answer, not a protocol error
        response.extra_headers = web::security_headers();
        return response;
    };
}

Status TrackerProcess::start_web_listener() {
    if (config_.web != Config::Web::own_listener) return {};
    ServerOptions options = server_options();
    options.http = {*config_.web_listen};
    options.udp.clear();
    options.workers = 1;
    options.routes = {web_route()};
    log_.info("web pages on ", config_.web_listen->to_string());
    web_server_ = std::make_unique<Server>(tracker_, log_, std::move(options));
    if (auto ok = web_server_->bind(); !ok) return with_context("--web", std::move(ok).error());
    web_server_->start();
    return {};
}

ServerOptions TrackerProcess::server_options() const {
    ServerOptions so = config_.server;
    if (config_.web == Config::Web::on_http) so.routes.push_back(web_route());
    return so;
}

// --sync-* options are read at start only; reload does not change them.
Status TrackerProcess::start_livesync(ServerOptions& options) {
    if (!config_.livesync) return {};
    auto started = livesync::LiveSync::start(*config_.livesync, sync_swarm_, clock_, log_);
    if (!started) return with_context("livesync", std::move(started).error());
    sync_ = std::move(*started);
    web_source_.attach_livesync(sync_.get());
    tracker_.set_peer_observer([s = sync_.get()](const PeerChange& change) {
        s->on_local_peer_change(TrackerSwarm::local_change(change));
    });
    options.extra_metrics = [s = sync_.get()] { return s->metrics(); };
    return {};
}

Status TrackerProcess::open_dir() {
    dir_opened_ = true;
    if (config_.settings.locked && config_.dir.empty()) {
        log_.warn("--locked=true without --dir: every announce will be refused");
    }
    if (!config_.dir.empty()) {
        whitelist_ = std::make_unique<TorrentDirectory>(config_.dir, log_);
        if (auto ok = whitelist_->rescan(); !ok)
            return with_context("--dir", std::move(ok).error());
        watch_dir();
    }
    refresh_whitelist(true);
    return load_keys();
}

Status TrackerProcess::load_keys() {
    if (config_.keys_file.empty()) {
        if (tracker_.keys().enabled())
            log_.warn("--keys removed: keys stay checked until a restart");
        return {};
    }
    auto text = read_file_bounded(config_.keys_file, kMaxKeysFileBytes);
    if (!text) return with_context("--keys", std::move(text).error());
    auto keys = parse_keys_file(*text, config_.keys_file);
    if (!keys) return with_context("--keys", std::move(keys).error());
    tracker_.keys().replace(*keys);
    log_.info("keys: ", keys->size(), " key(s) from ", config_.keys_file,
              "; announces and scrapes without one are refused");
    return {};
}

Status TrackerProcess::open_state() {
    state_opened_ = true;
    if (config_.state_file.empty()) {
        log_.info("no --state: completed counts are kept in memory only");
        return {};
    }
    const auto mode = config_.state_reset ? state::OpenMode::reset : state::OpenMode::keep;
    auto file = state::StateFile::open(config_.state_file, mode);
    if (!file) return std::move(file).error();
    auto stored = file->load();
    if (!stored) return std::move(stored).error();
    for (const state::TorrentState& t : *stored)
        tracker_.restore_downloaded(t.info_hash, t.completed);
    log_.info("state: ", stored->size(), " torrents in ", file->path().string());
    state_file_ = std::move(*file);
    tracker_.set_state_journal(&journal_);
    return {};
}

void TrackerProcess::flush_state() {
    if (!state_file_) return;
    const std::int64_t now =
        std::chrono::duration_cast<std::chrono::seconds>(clock_.wall_now().time_since_epoch())
            .count();
    tracker_.store().for_each([&](const InfoHash& hash, const Swarm& swarm) {
        if (swarm.peer_count() > 0) journal_.seen(hash, now);
    });
    if (auto written = state::flush(journal_, *state_file_); !written) {
        log_.warn(written.error().message, " (kept for the next flush)");
    }
}

Status TrackerProcess::start() {
    if (!dir_opened_) {
        if (auto ok = open_dir(); !ok) return ok;
    }
    if (!state_opened_) {
        if (auto ok = open_state(); !ok) return ok;
    }
    ServerOptions options = server_options();
    if (auto ok = start_livesync(options); !ok) return ok;
    // Before binding, so it exists once the "listening" lines are out.
    if (!pidfile_.empty()) std::ofstream(pidfile_) << ::getpid() << "\n";
    server_ = std::make_unique<Server>(tracker_, log_, std::move(options));
    web_source_.attach_server(server_.get());
    if (auto ok = server_->bind(); !ok) {
        stop();
        return ok;
    }
    server_->start();
    if (auto ok = start_web_listener(); !ok) {
        stop();
        return ok;
    }
    log_.info("tracking in ", mode_name(config_.settings.mode), " mode with ",
              config_.server.workers, " workers");
    last_scan_ = last_expire_ = last_rates_ = last_flush_ = clock_.now();
    server_->sample_rates(last_rates_);
    return {};
}

void TrackerProcess::run(SignalSource& signals) {
    for (;;) {
        const auto sig = signals.wait(std::chrono::seconds(1), dir_watch_ ? dir_watch_->fd() : -1);
        if (sig == SIGTERM || sig == SIGINT) {
            log_.info("stopping on signal ", *sig);
            return;
        }
        if (sig == SIGHUP) reload();
        tick();
    }
}

void TrackerProcess::tick() {
    const auto now = clock_.now();
    const bool dir_changed = dir_watch_ && dir_watch_->drain();
    if (dir_changed ||
        (config_.scan && now - last_scan_ >= std::chrono::seconds(config_.scan_interval))) {
        refresh_whitelist(false);
        last_scan_ = now;
    }
    if (now - last_expire_ >= kExpireEvery) {
        if (const std::size_t dropped = tracker_.expire())
            log_.debug("expired ", dropped, " peers");
        last_expire_ = now;
    }
    if (server_ && now - last_rates_ >= kRatesEvery) {
        server_->sample_rates(now);
        web_source_.sample();
        last_rates_ = now;
    }
    if (now - last_flush_ >= kStateFlushEvery) {
        flush_state();
        last_flush_ = now;
    }
}

void TrackerProcess::reload() {
    auto next = load_config(args_);
    if (!next) {
        log_.error("reload: ", next.error().message, " (keeping the old configuration)");
    } else {
        next->dir = absolute_or_empty(next->dir);
        next->keys_file = absolute_or_empty(next->keys_file);
        tracker_.update_settings(next->settings);
        tracker_.set_zone_map(next->zones);
        if (server_) server_->set_verbose(next->verbose > 0);
        log_.set_level(next->verbose ? LogLevel::debug : LogLevel::info);
        if (next->dir != config_.dir) {
            whitelist_ =
                next->dir.empty() ? nullptr : std::make_unique<TorrentDirectory>(next->dir, log_);
        }
        const bool rewatch = next->dir != config_.dir || next->scan_watch != config_.scan_watch;
        config_ = std::move(*next);
        if (rewatch) watch_dir();
        if (auto ok = load_keys(); !ok) {
            log_.error("reload: ", ok.error().message, " (keeping the keys in use)");
        }
        log_.info("reloaded configuration: mode ", mode_name(config_.settings.mode), ", maxpeers ",
                  config_.settings.maxpeers, ", locked ",
                  config_.settings.locked ? "true" : "false");
    }
    refresh_whitelist(true);
    last_scan_ = clock_.now();
}

void TrackerProcess::watch_dir() {
    dir_watch_.reset();
    if (!config_.scan_watch) return;
    auto watch = DirWatch::open(config_.dir);
    if (!watch) {
        log_.warn("--dir: ", watch.error().message, " (rescanning every --scan-interval only)");
        return;
    }
    dir_watch_ = std::move(*watch);
}

// (Re)scans; logs a line when the set changed (tests wait for it).
void TrackerProcess::refresh_whitelist(bool force_log) {
    if (!whitelist_) {
        if (force_log) tracker_.set_whitelist({});
        return;
    }
    if (auto ok = whitelist_->rescan(); !ok) {
        log_.warn("whitelist: ", ok.error().message);
        return;
    }
    const WhitelistChange change = tracker_.set_torrents(whitelist_->torrents());
    if (force_log || change.added || change.removed) {
        web_source_.set_labels(whitelist_->labelled_torrents());
        log_.info("whitelist: ", change.total, " info hashes from ", whitelist_->file_count(),
                  " torrents in ", whitelist_->path().string(), " (+", change.added, " -",
                  change.removed, ")");
    }
}

void TrackerProcess::stop() {
    if (web_server_) web_server_->stop();
    if (server_) server_->stop();
    // After the workers: no completion can arrive after this last batch.
    flush_state();
    if (!pidfile_.empty()) {
        std::error_code ec;
        std::filesystem::remove(pidfile_, ec);
        pidfile_.clear();
    }
}

}  // namespace aciswarm::tracker
