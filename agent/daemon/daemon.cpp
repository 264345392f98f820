#include "agent/daemon/daemon.hpp"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "agent/daemon/notifier.hpp"
#include "agent/daemon/protocol.hpp"
#include "agent/daemon/seeder.hpp"
#include "agent/daemon/web_server.hpp"
#include "agent/daemon/web_source.hpp"
#include "agent/mirror/mirror_server.hpp"
#include "agent/mirror/registry_source.hpp"
#include "agent/web/web.hpp"
#include "common/duration.hpp"
#include "common/fd.hpp"
#include "common/file_read.hpp"
#include "common/system_error.hpp"

namespace aciswarm::agent {
namespace {

using Steady = Clock::SteadyTime;
using std::chrono::milliseconds;

// How long new clients wait after accept() ran out of descriptors.
constexpr milliseconds accept_backoff{250};
// Descriptors a client may send ahead of the requests that use them.
constexpr std::size_t max_client_files = 4;
// Requests a client may pipeline behind a running fetch.
constexpr std::size_t max_queued_requests = 64;
// Mirror requests waiting on a source at once; more get a 503 (containerd goes upstream).
constexpr std::size_t mirror_max_in_flight = 32;

// What a client sent, fit for a log line: control bytes as \xNN.
std::string escape_control(std::string_view text) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (const char ch : text) {
        const auto b = static_cast<unsigned char>(ch);
        if (b < 0x20 || b == 0x7f) {
            out += "\\x";
            out += hex[b >> 4];
            out += hex[b & 15];
        } else {
            out += ch;
        }
    }
    return out;
}

struct ApiSocket {
    UniqueFd fd;
    bool activated = false;  // from systemd: systemd owns the path
    std::string path;
};

// The listening socket: systemd's (socket activation) or our own, with mode
// 0660 + group when the group exists, else 0600.
Result<ApiSocket> open_api_socket(const DaemonConfig& config, Logger& log) {
    ApiSocket s;
    s.path = config.socket;
    const int n = sd_listen_fds(1);
    if (n > 1)
        return make_error(Errc::invalid_argument,
                          "socket activation: want 1 socket, got " + std::to_string(n));
    if (n == 1) {
        if (sd_is_socket_unix(SD_LISTEN_FDS_START, SOCK_STREAM, 1, nullptr, 0) <= 0) {
            return make_error(Errc::invalid_argument,
                              "socket activation: fd 3 is not a listening Unix stream socket");
        }
        s.fd = UniqueFd(SD_LISTEN_FDS_START);
        ::fcntl(s.fd.get(), F_SETFD, FD_CLOEXEC);
        ::fcntl(s.fd.get(), F_SETFL, ::fcntl(s.fd.get(), F_GETFL) | O_NONBLOCK);
        s.activated = true;
        sockaddr_un addr{};
        socklen_t len = sizeof addr;
        if (::getsockname(s.fd.get(), reinterpret_cast<sockaddr*>(&addr), &len) == 0 &&
            addr.sun_path[0] != 0) {
            s.path = addr.sun_path;
        }
        log.info("listening unix ", s.path, " (socket activation)");
        return s;
    }
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (config.socket.size() >= sizeof addr.sun_path) {
        return make_error(Errc::invalid_argument, "socket " + config.socket + ": path too long");
    }
    std::memcpy(addr.sun_path, config.socket.c_str(), config.socket.size() + 1);
    s.fd = UniqueFd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!s.fd) return errno_error("socket", "socket " + config.socket, errno);
    // A stale socket from a crashed daemon: replace it, unless someone answers on it.
    struct stat st {};
    if (::lstat(config.socket.c_str(), &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            return make_error(Errc::already_exists,
                              "socket " + config.socket + ": exists and is not a socket");
        }
        UniqueFd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
        if (::connect(probe.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0) {
            return make_error(Errc::already_exists,
                              "socket " + config.socket + ": another daemon is listening");
        }
        ::unlink(config.socket.c_str());
    }
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(config.socket).parent_path(), ec);
    // Create it owner-only, then widen to the group: never briefly world-accessible.
    const mode_t old_umask = ::umask(0177);
    const int rc = ::bind(s.fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
    ::umask(old_umask);
    if (rc != 0) return errno_error("bind", "socket " + config.socket, errno);
    if (!config.socket_group.empty()) {
        if (const group* g = ::getgrnam(config.socket_group.c_str()); g != nullptr) {
            if (::chown(config.socket.c_str(), static_cast<uid_t>(-1), g->gr_gid) == 0) {
                ::chmod(config.socket.c_str(), 0660);
            } else {
                log.warn("socket ", config.socket, ": chown to group ", config.socket_group, ": ",
                         errno_text(errno), "; owner only");
            }
        } else {
            log.warn("socket ", config.socket, ": group ", config.socket_group,
                     " does not exist; owner only");
        }
    }
    if (::listen(s.fd.get(), 64) != 0)
        return errno_error("listen", "socket " + config.socket, errno);
    log.info("listening unix ", config.socket);
    return s;
}

// SO_PEERCRED: root, the daemon's own user, or a member of socket_group.
Status check_peer(int fd, const std::string& socket_group) {
    ucred cred{};
    socklen_t len = sizeof cred;
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
        return errno_error("getsockopt", "SO_PEERCRED", errno, Errc::permission);
    }
    if (cred.uid == 0 || cred.uid == ::geteuid()) return {};
    if (!socket_group.empty()) {
        if (const group* g = ::getgrnam(socket_group.c_str()); g != nullptr) {
            if (cred.gid == g->gr_gid) return {};
            gid_t groups[256];
            socklen_t glen = sizeof groups;
            if (::getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &glen) == 0) {
                for (std::size_t i = 0; i < glen / sizeof(gid_t); ++i) {
                    if (groups[i] == g->gr_gid) return {};
                }
            }
        }
    }
    return make_error(Errc::permission,
                      "permission denied: uid " + std::to_string(cred.uid) +
                          " is not root, the daemon's user" +
                          (socket_group.empty() ? std::string() : ", or in group " + socket_group));
}

std::int64_t unix_seconds(Clock::WallTime t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

ImageSummary image_summary(const ImageSeedStatus& s) {
    return {s.image.id.full(), s.image.id.display(), s.image.name, s.image.size,
            s.state,           s.policy.to_string()};
}

ImageReport image_report(const ImageSeedStatus& s) {
    ImageReport r;
    r.summary = image_summary(s);
    r.peers = s.swarm.peers;
    r.download_rate = s.swarm.download_rate;
    r.upload_rate = s.swarm.upload_rate;
    r.uploaded = s.uploaded;
    r.ratio = s.ratio;
    r.policy_is_default = s.policy_is_default;
    r.stop_reason = s.stop_reason;
    if (s.expires_at) r.expires_at = unix_seconds(*s.expires_at);
    r.zone_role = s.swarm.zone_role;
    r.zone = s.swarm.zone;
    r.zone_leaders = s.swarm.zone_leaders;
    return r;
}

// The signals the daemon takes through its signalfd (blocked for normal delivery).
sigset_t daemon_signal_set() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    return set;
}

}  // namespace

void block_daemon_signals() {
    const sigset_t set = daemon_signal_set();
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    ::signal(SIGPIPE, SIG_IGN);
}

struct Daemon::Impl {
    struct Client {
        UniqueFd fd;
        LineBuffer lines;
        std::deque<std::string> queued;  // requests waiting while a fetch runs
        std::string out;
        bool close_after_flush = false;
        // After the last reply: our side is shut down and what the peer still
        // sends is read and dropped until it closes (or the deadline), so
        // closing never resets a connection with the reply unread.
        bool draining = false;
        Steady drain_deadline{};
        std::optional<FetchId> fetch;
        nlohmann::json fetch_request_id;
        std::string fetch_policy;
        // Descriptors received (SCM_RIGHTS) and not yet taken by a request
        // with "source_fd": in the order they came, as the requests do.
        std::deque<std::shared_ptr<UniqueFd>> files;
        explicit Client(int f, std::size_t max) : fd(f), lines(max) {}
    };

    Impl(DaemonConfig c, ConfigReloader r, DaemonBackend& b, const Clock& clk, Logger& l)
        : config(std::move(c)),
          reload(std::move(r)),
          backend(b),
          clock(clk),
          log(l),
          notifier(l),
          seeder(b, clk, l, config.seed_policy,
                 std::filesystem::path(config.store) / "seeding.json") {}

    DaemonConfig config;
    ConfigReloader reload;
    DaemonBackend& backend;
    const Clock& clock;
    Logger& log;
    SystemdNotifier notifier;
    Seeder seeder;
    ApiSocket api;
    // --web: the page reads the seeder and the backend on this thread.
    DaemonWebSource web_source{seeder, backend, config, clock};
    std::unique_ptr<WebServer> web;
    // --mirror: answered on the server's own threads (agent/mirror).
    std::shared_ptr<mirror::Mirror> registry_mirror;
    std::unique_ptr<mirror::MirrorServer> mirror_server;
    UniqueFd signals;
    std::map<int, Client> clients;
    bool stopping = false;
    // accept() failed with EMFILE/ENFILE: the listening socket stays readable,
    // so stop polling it until then (or until a client leaves) instead of spinning.
    std::optional<Steady> accept_paused_until;
    bool accept_exhausted = false;  // the last accept() ran out of descriptors (log once)
    Steady started{};

    // When the loop next has something to do besides answering clients.
    struct Timers {
        std::optional<std::chrono::microseconds> watchdog;  // systemd's, when it watches
        Steady next_watchdog;
        Steady next_tick;
        Steady next_resume;
    };

    int run();
    bool start();
    bool start_web();
    bool start_mirror();
    int poll_timeout(const Timers& timers);
    bool poll_once(int timeout);  // false: poll() failed, stop
    void run_timers(Timers& timers, Steady after);
    void flush_clients(Steady after);
    int shut_down();
    void on_signal();
    void accept_clients();
    void read_client(Client& c);
    // Clients that count against max-clients: not those only waiting to be closed.
    std::size_t active_clients() const {
        std::size_t n = 0;
        for (const auto& [fd, c] : clients)
            n += c.close_after_flush || c.fd.get() < 0 ? 0 : 1;
        return n;
    }
    ssize_t receive(Client& c, char* buf, std::size_t size);
    void write_client(Client& c);
    void handle_line(Client& c, const std::string& line);
    void handle(Client& c, const ApiRequest& req);
    void handle_list(Client& c, const ApiRequest& req);
    void handle_status(Client& c, const ApiRequest& req);
    void handle_seed(Client& c, const ApiRequest& req);
    void handle_rm(Client& c, const ApiRequest& req);
    void handle_gc(Client& c, const ApiRequest& req);
    void handle_fetch(Client& c, const ApiRequest& req);
    // Sends the error reply when `r` failed; true when it did.
    template <class T>
    bool refused(Client& c, const Result<T>& r, const nlohmann::json& id) {
        if (r) return false;
        send(c, api_error_reply(r.error(), id));
        return true;
    }
    void send(Client& c, const nlohmann::json& j);
    void drop(Client& c, std::string_view why);
    void progress_fetches();
    Result<ImageId> resolve(const std::string& prefix);
    std::string status_line();
};

Daemon::Daemon(DaemonConfig config, ConfigReloader reload, DaemonBackend& backend,
               const Clock& clock, Logger& log)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(reload), backend, clock, log)) {}

Daemon::~Daemon() = default;

int Daemon::run() {
    return impl_->run();
}

std::string Daemon::Impl::status_line() {
    const auto all = seeder.status();
    std::size_t downloads = 0;
    for (const auto& [fd, c] : clients)
        downloads += c.fetch ? 1 : 0;
    return "seeding " + std::to_string(seeder.seeding_count()) + " of " +
           std::to_string(all.size()) + " images, " + std::to_string(downloads) + " downloads, " +
           std::to_string(clients.size()) + " API clients";
}

int Daemon::Impl::run() {
    if (!start()) return 1;
    Timers timers{notifier.watchdog_interval(), clock.now(), clock.now() + config.tick,
                  clock.now() + config.resume_interval};
    while (!stopping) {
        if (!poll_once(poll_timeout(timers))) break;
        backend.poll();
        if (web) web->run();
        const Steady after = clock.now();
        run_timers(timers, after);
        flush_clients(after);
    }
    return shut_down();
}

bool Daemon::Impl::start() {
    started = clock.now();
    const sigset_t set = daemon_signal_set();
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    signals = UniqueFd(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!signals) {
        log.error(errno_error("", "signalfd", errno).message);
        return false;
    }
    if (Status s = seeder.load(); !s) {
        log.error(s.error().message);
        return false;
    }
    auto sock = open_api_socket(config, log);
    if (!sock) {
        log.error(sock.error().message);
        return false;
    }
    api = std::move(*sock);
    if (!start_web() || !start_mirror()) return false;
    seeder.tick();
    notifier.ready(status_line());
    log.info("ready: ", status_line());
    return true;
}

// --web: the page and /metrics on their own TCP listener, answered from the loop.
bool Daemon::Impl::start_web() {
    if (config.web.empty()) return true;
    auto address = PeerEndpoint::parse(config.web);
    if (!address) {
        log.error("web ", config.web, ": ", address.error().message);
        return false;
    }
    auto server = WebServer::start(
        *address, [this](std::string_view path) { return web::handle(path, web_source); });
    if (!server) {
        log.error(server.error().message);
        return false;
    }
    web = std::move(*server);
    log.info("listening web http://", web->endpoint().to_string(), "/ (page and /metrics)");
    return true;
}

// --mirror: containerd's registry mirror on its own listener and threads.
bool Daemon::Impl::start_mirror() {
    if (config.mirror.empty()) return true;
    auto address = PeerEndpoint::parse(config.mirror);
    if (!address) {
        log.error("mirror ", config.mirror, ": ", address.error().message);
        return false;
    }
    auto made = mirror::make_registry_mirror(
        {std::filesystem::path(config.store) / "oci-blobs", config.mirror_http_registries,
         config.ca_file, config.mirror_blob_wait, mirror_max_in_flight, config.mirror_origin,
         backend.swarm_engine(), config.mirror_swarm_timeout},
        log);
    if (!made) {
        log.error("mirror: ", made.error().message);
        return false;
    }
    registry_mirror = std::move(*made);
    web_source.set_mirror(registry_mirror);
    auto server = mirror::MirrorServer::start(*address, registry_mirror);
    if (!server) {
        log.error(server.error().message);
        return false;
    }
    mirror_server = std::move(*server);
    log.info("listening mirror http://", mirror_server->endpoint().to_string(),
             "/v2/ (containerd registry mirror)");
    return true;
}

// Until the next timer is due (at most a second); resumes accepting clients
// once a pause after EMFILE is over.
int Daemon::Impl::poll_timeout(const Timers& timers) {
    const Steady now = clock.now();
    Steady wake = std::min(timers.next_tick, timers.next_resume);
    if (timers.watchdog) wake = std::min(wake, timers.next_watchdog);
    if (accept_paused_until) {
        if (now >= *accept_paused_until) {
            accept_paused_until.reset();
        } else {
            wake = std::min(wake, *accept_paused_until);
        }
    }
    const auto wait = std::chrono::duration_cast<milliseconds>(wake - now);
    return static_cast<int>(std::clamp<std::int64_t>(wait.count(), 0, 1000));
}

bool Daemon::Impl::poll_once(int timeout) {
    std::vector<pollfd> fds;
    fds.push_back({signals.get(), POLLIN, 0});
    fds.push_back({accept_paused_until ? -1 : api.fd.get(), POLLIN, 0});
    for (auto& [fd, c] : clients) {
        short events = POLLIN;
        if (!c.out.empty()) events |= POLLOUT;
        fds.push_back({fd, events, 0});
    }
    if (web) fds.push_back({web->fd(), POLLIN, 0});  // run() after every wake-up
    const int n = ::poll(fds.data(), fds.size(), timeout);
    if (n < 0 && errno != EINTR) {
        log.error(errno_error("", "poll", errno).message);
        return false;
    }
    if (n <= 0) return true;
    if (fds[0].revents & POLLIN) on_signal();
    if (fds[1].revents & POLLIN) accept_clients();
    for (std::size_t i = 2; i < fds.size(); ++i) {
        auto it = clients.find(fds[i].fd);
        if (it == clients.end()) continue;
        if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) read_client(it->second);
        if (fds[i].revents & POLLOUT) write_client(it->second);
    }
    return true;
}

void Daemon::Impl::run_timers(Timers& timers, Steady after) {
    if (timers.watchdog && after >= timers.next_watchdog) {
        notifier.watchdog();
        timers.next_watchdog = after + *timers.watchdog;
    }
    if (after >= timers.next_tick) {
        seeder.tick();
        progress_fetches();
        web_source.sample();
        notifier.status(status_line());
        timers.next_tick = after + config.tick;
    }
    if (after >= timers.next_resume) {
        backend.save_resume_data();
        timers.next_resume = after + config.resume_interval;
    }
}

// Flushes what handlers queued and drops finished clients.
void Daemon::Impl::flush_clients(Steady after) {
    for (auto it = clients.begin(); it != clients.end();) {
        Client& c = it->second;
        if (!c.out.empty()) write_client(c);
        if (c.out.size() > config.max_client_output_bytes) {  // e.g. unread progress events
            drop(c, "does not read its replies (" + std::to_string(c.out.size()) +
                        " bytes pending, max-client-output " +
                        std::to_string(config.max_client_output_bytes) + ")");
        }
        if (c.fd.get() >= 0 && c.close_after_flush && c.out.empty() && !c.draining) {
            ::shutdown(c.fd.get(), SHUT_WR);
            c.draining = true;
            c.drain_deadline = after + std::chrono::seconds(2);
        }
        if (c.fd.get() < 0 || (c.draining && after >= c.drain_deadline)) {
            it = clients.erase(it);
            accept_paused_until.reset();  // a descriptor is free again
        } else {
            ++it;
        }
    }
}

int Daemon::Impl::shut_down() {
    notifier.stopping();
    log.info("stopping: saving resume data");
    const bool workers_stopped = backend.stop_workers(config.shutdown_timeout);
    backend.save_resume_data();
    if (Status s = seeder.save(); !s) log.warn(s.error().message);
    clients.clear();
    if (!api.activated) ::unlink(api.path.c_str());
    if (!workers_stopped) {
        // A worker stuck in a call that does not look at its stop token: exit
        // without joining it. The store is consistent (an import in progress is
        // only a staging file, as after kill -9); the download is asked for again.
        log.info("stopped (abandoned unfinished fetch workers)");
        std::fflush(nullptr);
        ::_exit(0);
    }
    log.info("stopped");
    return 0;
}

void Daemon::Impl::on_signal() {
    signalfd_siginfo info{};
    while (::read(signals.get(), &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
        if (info.ssi_signo == SIGHUP) {
            notifier.reloading();
            auto next = reload();
            if (!next) {
                log.error("reload: ", next.error().message, "; keeping the running configuration");
            } else {
                if (next->socket != config.socket || next->store != config.store ||
                    next->listen_port != config.listen_port || next->web != config.web ||
                    next->mirror != config.mirror) {
                    log.warn(
                        "reload: store, socket, listen-port, web and mirror changes take effect "
                        "after a restart");
                }
                config.seed_policy = next->seed_policy;
                config.tick = next->tick;
                config.resume_interval = next->resume_interval;
                config.max_request_bytes = next->max_request_bytes;
                config.socket_group = next->socket_group;
                config.verbose = next->verbose;
                log.set_level(config.verbose ? LogLevel::debug : LogLevel::info);
                seeder.set_default_policy(config.seed_policy);
                if (Status s = backend.reload_credentials(next->auth_dir); !s) {
                    log.error("reload: ", s.error().message, "; keeping the credentials in use");
                } else {
                    config.auth_dir = next->auth_dir;
                }
                if (next->engine.tracker_key != config.engine.tracker_key) {
                    config.engine.tracker_key = next->engine.tracker_key;
                    const std::size_t n = backend.set_tracker_key(config.engine.tracker_key);
                    log.info("reload: tracker-key ",
                             config.engine.tracker_key.empty() ? "removed" : "changed",
                             ": re-announced ", n, " private torrent(s)");
                }
                seeder.tick();
                log.info("reloaded configuration: seed-policy ", config.seed_policy.to_string());
            }
            notifier.ready(status_line());
        } else {
            log.info("received ", info.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM");
            stopping = true;
        }
    }
}

void Daemon::Impl::accept_clients() {
    for (int i = 0; i < 64; ++i) {
        const int fd = ::accept4(api.fd.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                // Out of descriptors: the pending connection stays in the
                // backlog and the socket stays readable. Wait, do not spin.
                if (!accept_exhausted) {
                    log.warn("api: accept: ", errno_text(errno), "; pausing new clients for ",
                             accept_backoff.count(), " ms at a time until a descriptor is free (",
                             clients.size(), " clients)");
                } else {
                    log.debug("api: accept: still out of descriptors; pausing new clients for ",
                              accept_backoff.count(), " ms");
                }
                accept_exhausted = true;
                accept_paused_until = clock.now() + accept_backoff;
            }
            return;
        }
        if (accept_exhausted) log.info("api: accepting clients again");
        accept_exhausted = false;
        auto [it, inserted] = clients.try_emplace(fd, fd, config.max_request_bytes);
        Client& c = it->second;
        if (Status s = check_peer(fd, config.socket_group); !s) {
            log.warn("api: refused connection: ", s.error().message);
            send(c, api_error_reply(s.error()));
            c.close_after_flush = true;
        } else if (std::size_t active = active_clients(); active > config.max_clients) {
            log.warn("api: refused connection: ", active - 1, " clients already (max-clients)");
            send(c, api_error_reply(
                        make_error(Errc::too_large, "too many API clients (max-clients " +
                                                        std::to_string(config.max_clients) +
                                                        "); try again later")));
            c.close_after_flush = true;
        }
    }
}

void Daemon::Impl::read_client(Client& c) {
    char buf[16384];
    for (int i = 0; i < 16 && c.fd.get() >= 0; ++i) {
        const ssize_t n = receive(c, buf, sizeof buf);
        if (c.fd.get() < 0) return;             // dropped while receiving descriptors
        if (c.close_after_flush && !c.fetch) {  // no more requests: drop input, notice the close
            if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) c.fd.reset();
            if (n <= 0) return;
            continue;
        }
        if (n == 0) {
            // Peer closed its side: finish what it asked, then close.
            c.close_after_flush = true;
            if (c.fetch) c.fd.reset();  // nobody left to tell; the download goes on in the backend
            return;
        }
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR) return;
            c.fd.reset();
            return;
        }
        auto lines = c.lines.feed(std::string_view(buf, static_cast<std::size_t>(n)));
        if (!lines) {
            send(c, api_error_reply(lines.error()));
            c.close_after_flush = true;
            return;
        }
        for (const std::string& line : *lines) {
            if (c.close_after_flush) return;
            if (c.fetch) {
                if (c.queued.size() >= max_queued_requests) {
                    drop(c, "more than " + std::to_string(max_queued_requests) +
                                " requests queued behind a fetch");
                    return;
                }
                c.queued.push_back(line);
            } else {
                handle_line(c, line);
            }
            if (c.out.size() > config.max_client_output_bytes) {
                drop(c, "does not read its replies (" + std::to_string(c.out.size()) +
                            " bytes pending, max-client-output " +
                            std::to_string(config.max_client_output_bytes) + ")");
                return;
            }
        }
    }
}

ssize_t Daemon::Impl::receive(Client& c, char* buf, std::size_t size) {
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * max_client_files)];
    iovec iov{buf, size};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    const ssize_t n = ::recvmsg(c.fd.get(), &msg, MSG_CMSG_CLOEXEC);
    if (n < 0) return n;
    bool too_many = (msg.msg_flags & MSG_CTRUNC) != 0;
    for (cmsghdr* cm = CMSG_FIRSTHDR(&msg); cm != nullptr; cm = CMSG_NXTHDR(&msg, cm)) {
        if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS) continue;
        const std::size_t count = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (std::size_t k = 0; k < count; ++k) {
            int fd = -1;
            std::memcpy(&fd, CMSG_DATA(cm) + k * sizeof(int), sizeof fd);
            auto owned = std::make_shared<UniqueFd>(fd);
            if (c.files.size() >= max_client_files) {
                too_many = true;  // closed as `owned` goes
                continue;
            }
            c.files.push_back(std::move(owned));
        }
    }
    if (too_many) {
        drop(c, "sent more than " + std::to_string(max_client_files) +
                    " descriptors not yet used by a request");
    }
    return n;
}

void Daemon::Impl::send(Client& c, const nlohmann::json& j) {
    c.out += j.dump() + "\n";
}

void Daemon::Impl::drop(Client& c, std::string_view why) {
    log.warn("api: dropping client: ", why);
    c.fd.reset();
    c.out.clear();
    c.out.shrink_to_fit();
    c.queued.clear();
    c.files.clear();
}

void Daemon::Impl::write_client(Client& c) {
    while (!c.out.empty() && c.fd.get() >= 0) {
        const ssize_t n = ::send(c.fd.get(), c.out.data(), c.out.size(), MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR) return;
            c.fd.reset();
            c.out.clear();
            return;
        }
        c.out.erase(0, static_cast<std::size_t>(n));
    }
}

void Daemon::Impl::handle_line(Client& c, const std::string& line) {
    if (line.empty()) return;
    auto req = parse_api_request(line);
    if (!req) {
        log.debug("api: bad request: ", req.error().message);
        send(c, api_error_reply(req.error()));
        return;
    }
    handle(c, *req);
}

Result<ImageId> Daemon::Impl::resolve(const std::string& prefix) {
    auto hex = normalize_image_id_prefix(prefix);
    if (!hex) return hex.error();
    auto images = backend.stored_images();
    if (!images) return images.error();
    std::vector<ImageId> ids;
    for (const StoredImage& i : *images)
        ids.push_back(i.id);
    return resolve_image_id_prefix(*hex, ids);
}

void Daemon::Impl::handle(Client& c, const ApiRequest& req) {
    log.debug("api: ", api_op_name(req.op));
    switch (req.op) {
        case ApiOp::list:
            return handle_list(c, req);
        case ApiOp::status:
            return handle_status(c, req);
        case ApiOp::seed:
        case ApiOp::unseed:
            return handle_seed(c, req);
        case ApiOp::rm:
            return handle_rm(c, req);
        case ApiOp::gc:
            return handle_gc(c, req);
        case ApiOp::fetch:
            return handle_fetch(c, req);
    }
}

void Daemon::Impl::handle_list(Client& c, const ApiRequest& req) {
    ListReply reply;
    for (const ImageSeedStatus& s : seeder.status())
        reply.images.push_back(image_summary(s));
    send(c, api_ok_reply(to_json(reply), req.id));
}

void Daemon::Impl::handle_status(Client& c, const ApiRequest& req) {
    seeder.tick();
    StatusReply reply;
    for (const ImageSeedStatus& s : seeder.status())
        reply.images.push_back(image_report(s));
    const auto uptime = std::chrono::duration_cast<std::chrono::seconds>(clock.now() - started);
    reply.daemon = {
        ::getpid(),   uptime.count(),      backend.listen_port(), config.seed_policy.to_string(),
        config.store, reply.images.size(), seeder.seeding_count()};
    if (registry_mirror) {
        const web::MirrorTotals t = mirror_totals(registry_mirror->counters());
        reply.mirror = MirrorReport{mirror_server->endpoint().to_string(),
                                    t.manifests_served + t.blobs_served,
                                    t.not_found + t.unavailable,
                                    t.bytes_served,
                                    t.from_swarm,
                                    t.from_upstream};
    }
    send(c, api_ok_reply(to_json(reply), req.id));
}

void Daemon::Impl::handle_seed(Client& c, const ApiRequest& req) {
    Result<SeedPolicy> policy = SeedPolicy::none();
    if (req.op == ApiOp::seed) policy = SeedPolicy::parse(req.policy);
    if (refused(c, policy, req.id)) return;
    auto id = resolve(req.image);
    if (refused(c, id, req.id)) return;
    if (Status s = seeder.set_policy(*id, *policy); refused(c, s, req.id)) return;
    for (const ImageSeedStatus& s : seeder.status()) {
        if (s.image.id == *id) send(c, api_ok_reply(to_json(SeedReply{image_report(s)}), req.id));
    }
}

void Daemon::Impl::handle_rm(Client& c, const ApiRequest& req) {
    auto id = resolve(req.image);
    if (refused(c, id, req.id)) return;
    seeder.forget(*id);
    if (Status s = backend.remove_image(*id); refused(c, s, req.id)) return;
    send(c, api_ok_reply(to_json(RemoveReply{id->full()}), req.id));
}

void Daemon::Impl::handle_gc(Client& c, const ApiRequest& req) {
    // What the daemon seeds stays (the backend's own veto); so does
    // what a policy pins, seeding or not.
    std::set<ImageId> pinned;
    for (const ImageSeedStatus& s : seeder.status()) {
        if (s.policy == SeedPolicy::forever()) pinned.insert(s.image.id);
    }
    auto removed = backend.gc(req.older_than, req.dry_run, pinned);
    if (refused(c, removed, req.id)) return;
    send(c, api_ok_reply(to_json(GcReply{std::move(*removed), config.store}), req.id));
}

void Daemon::Impl::handle_fetch(Client& c, const ApiRequest& req) {
    if (!req.policy.empty()) {
        if (refused(c, SeedPolicy::parse(req.policy), req.id)) return;
    }
    FetchRequest fr;
    fr.source = req.source;
    fr.dir = req.dir;
    fr.peers = req.peers;
    fr.trackers = req.trackers;
    fr.no_store = req.no_store;
    fr.no_https_fallback = req.no_https_fallback;
    if (!req.signature.empty()) fr.signature = req.signature;
    if (req.source_fd) {
        if (c.files.empty()) {
            send(c, api_error_reply(make_error(Errc::invalid_argument,
                                               "fetch: 'source_fd' is true but no "
                                               "descriptor came with the request"),
                                    req.id));
            return;
        }
        fr.source_file = std::move(c.files.front());
        c.files.pop_front();
    }
    if (!req.swarm_timeout.empty()) {
        if (auto d = parse_duration(req.swarm_timeout)) fr.swarm_timeout = *d;
    }
    auto f = backend.start_fetch(fr);
    if (refused(c, f, req.id)) return;
    c.fetch = *f;
    c.fetch_request_id = req.id;
    c.fetch_policy = req.policy;
    log.info("api: fetch ", escape_control(req.source));
    progress_fetches();
}

void Daemon::Impl::progress_fetches() {
    for (auto& [fd, c] : clients) {
        if (!c.fetch) continue;
        const FetchState p = backend.fetch_state(*c.fetch);
        if (p.state == FetchState::State::running) {
            nlohmann::json ev = to_json(p.progress);
            if (!c.fetch_request_id.is_null()) ev["id"] = c.fetch_request_id;
            send(c, ev);
            continue;
        }
        if (p.state == FetchState::State::failed || !p.image) {
            send(c, api_error_reply(
                        make_error(p.error_code, p.error.empty() ? "fetch failed" : p.error),
                        c.fetch_request_id));
        } else {
            seeder.tick();
            if (!c.fetch_policy.empty()) {
                if (Status s = seeder.set_policy(*p.image, *SeedPolicy::parse(c.fetch_policy));
                    !s) {
                    log.warn("fetch: ", s.error().message);
                }
            }
            send(c, api_ok_reply(to_json(FetchReply{p.image->full(), p.image->display()}),
                                 c.fetch_request_id));
        }
        c.fetch.reset();
        while (!c.queued.empty() && !c.fetch) {
            const std::string line = std::move(c.queued.front());
            c.queued.pop_front();
            handle_line(c, line);
        }
    }
}

}  // namespace aciswarm::agent
