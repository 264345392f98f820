#include "tests/support/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <utility>

extern char** environ;

namespace aciswarm::test {
namespace {

using Clock = std::chrono::steady_clock;

std::vector<std::string> build_env(const SpawnOptions& options) {
    std::map<std::string, std::string> env;
    for (char** e = environ; *e != nullptr; ++e) {
        std::string kv(*e);
        const std::size_t eq = kv.find('=');
        if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    for (const auto& name : options.unset_env)
        env.erase(name);
    for (const auto& [k, v] : options.env)
        env[k] = v;
    std::vector<std::string> out;
    for (const auto& [k, v] : env)
        out.push_back(k + "=" + v);
    return out;
}

}  // namespace

namespace {

// argv[0] as execve needs it: a path as given when it has a slash, else the first
// executable of that name on PATH (resolved before fork: the child may only make
// async-signal-safe calls).
std::string resolve_executable(const std::string& name) {
    if (name.find('/') != std::string::npos) return name;
    const char* path = std::getenv("PATH");
    std::string_view dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
    while (true) {
        const std::size_t colon = dirs.find(':');
        std::string candidate(dirs.substr(0, colon));
        candidate += (candidate.empty() ? "./" : "/") + name;
        if (::access(candidate.c_str(), X_OK) == 0) return candidate;
        if (colon == std::string_view::npos) return name;
        dirs.remove_prefix(colon + 1);
    }
}

// The child's stdin: a memory file holding all of `data`, so a child that writes
// before it reads can never block on a pipe the test is not draining yet.
int stdin_file(const std::string& data) {
    const int fd = ::memfd_create("stdin", MFD_CLOEXEC);
    if (fd < 0) throw std::runtime_error(std::string("memfd_create: ") + std::strerror(errno));
    std::size_t off = 0;
    while (off < data.size()) {
        const ssize_t n = ::write(fd, data.data() + off, data.size() - off);
        if (n <= 0) throw std::runtime_error(std::string("stdin file: ") + std::strerror(errno));
        off += static_cast<std::size_t>(n);
    }
    ::lseek(fd, 0, SEEK_SET);
    return fd;
}

// In the forked child: async-signal-safe calls only. Reports a failure's errno
// through `error_fd` (close-on-exec: the parent reads EOF when exec succeeds).
[[noreturn]] void become_child(const char* path, char* const argv[], char* const envp[],
                               const char* cwd, int in_fd, int out_fd, int err_fd, int error_fd,
                               pid_t test_pid) {
    // A test binary that aborts (failed ASSERT in a helper, sanitizer report,
    // ctest timeout) runs no destructors: its children die with it instead of
    // outliving the test and holding ports and files.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != test_pid) ::_exit(127);
    // Its own process group, so tests can kill what it starts, too.
    ::setpgid(0, 0);
    sigset_t empty;
    sigemptyset(&empty);
    ::sigprocmask(SIG_SETMASK, &empty, nullptr);
    int err = 0;
    if (::dup2(in_fd, STDIN_FILENO) < 0 || ::dup2(out_fd, STDOUT_FILENO) < 0 ||
        ::dup2(err_fd, STDERR_FILENO) < 0 || (cwd != nullptr && ::chdir(cwd) != 0)) {
        err = errno;
    } else {
        ::execve(path, argv, envp);
        err = errno;
    }
    [[maybe_unused]] const ssize_t n = ::write(error_fd, &err, sizeof err);
    ::_exit(127);
}

}  // namespace

Process Process::spawn(const std::vector<std::string>& argv, const SpawnOptions& options) {
    int out_pipe[2], err_pipe[2], error_pipe[2];
    if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0 ||
        pipe2(error_pipe, O_CLOEXEC) != 0) {
        throw std::runtime_error("pipe failed");
    }
    const int in_fd = stdin_file(options.stdin_data);
    const std::string path = resolve_executable(argv.at(0));
    std::vector<char*> cargv;
    for (const auto& a : argv)
        cargv.push_back(const_cast<char*>(a.c_str()));
    cargv.push_back(nullptr);
    const std::vector<std::string> env = build_env(options);
    std::vector<char*> cenv;
    for (const auto& e : env)
        cenv.push_back(const_cast<char*>(e.c_str()));
    cenv.push_back(nullptr);
    const char* cwd = options.cwd.empty() ? nullptr : options.cwd.c_str();

    Process p;
    const pid_t test_pid = ::getpid();
    p.pid_ = ::fork();
    if (p.pid_ == 0) {
        become_child(path.c_str(), cargv.data(), cenv.data(), cwd, in_fd, out_pipe[1], err_pipe[1],
                     error_pipe[1], test_pid);
    }
    const int fork_errno = errno;
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    ::close(error_pipe[1]);
    ::close(in_fd);
    int child_errno = 0;
    if (p.pid_ > 0) {
        ssize_t n;
        do {
            n = ::read(error_pipe[0], &child_errno, sizeof child_errno);
        } while (n < 0 && errno == EINTR);
        if (n != static_cast<ssize_t>(sizeof child_errno)) child_errno = 0;
    }
    ::close(error_pipe[0]);
    if (p.pid_ < 0 || child_errno != 0) {
        if (p.pid_ > 0) {
            int st = 0;
            ::waitpid(p.pid_, &st, 0);
            p.pid_ = -1;
        }
        ::close(out_pipe[0]);
        ::close(err_pipe[0]);
        throw std::runtime_error(
            "cannot start " + argv[0] + ": " +
            std::strerror(p.pid_ < 0 && child_errno == 0 ? fork_errno : child_errno));
    }
    p.out_fd_ = out_pipe[0];
    p.err_fd_ = err_pipe[0];
    return p;
}

Process::~Process() {
    if (pid_ > 0 && !status_) {
        ::kill(-pid_, SIGKILL);
        ::kill(pid_, SIGKILL);
        int st = 0;
        ::waitpid(pid_, &st, 0);
    }
    close_fds();
}

Process::Process(Process&& other) noexcept {
    *this = std::move(other);
}

Process& Process::operator=(Process&& other) noexcept {
    if (this != &other) {
        pid_ = std::exchange(other.pid_, -1);
        out_fd_ = std::exchange(other.out_fd_, -1);
        err_fd_ = std::exchange(other.err_fd_, -1);
        out_ = std::move(other.out_);
        err_ = std::move(other.err_);
        out_scanned_ = other.out_scanned_;
        err_scanned_ = other.err_scanned_;
        status_ = other.status_;
    }
    return *this;
}

void Process::close_fds() {
    if (out_fd_ >= 0) ::close(out_fd_);
    if (err_fd_ >= 0) ::close(err_fd_);
    out_fd_ = err_fd_ = -1;
}

bool Process::pump(std::chrono::milliseconds timeout) {
    pollfd fds[2];
    int n = 0;
    if (out_fd_ >= 0) fds[n++] = {out_fd_, POLLIN, 0};
    if (err_fd_ >= 0) fds[n++] = {err_fd_, POLLIN, 0};
    if (n == 0) return false;
    const int ready = ::poll(fds, static_cast<nfds_t>(n), static_cast<int>(timeout.count()));
    if (ready <= 0) return true;
    for (int i = 0; i < n; ++i) {
        if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
        char buf[8192];
        const ssize_t got = ::read(fds[i].fd, buf, sizeof(buf));
        const bool is_out = fds[i].fd == out_fd_;
        if (got > 0) {
            (is_out ? out_ : err_).append(buf, static_cast<std::size_t>(got));
        } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
            ::close(fds[i].fd);
            (is_out ? out_fd_ : err_fd_) = -1;
        }
    }
    return out_fd_ >= 0 || err_fd_ >= 0;
}

void Process::read_available() {
    // Bounded: a child that writes without pause must not keep the test here.
    for (int round = 0; round < 1024; ++round) {
        const std::size_t before = out_.size() + err_.size();
        if (!pump(0ms) || out_.size() + err_.size() == before) return;
    }
}

bool Process::scan_lines(const std::string& which, std::chrono::milliseconds timeout,
                         const std::function<bool(const std::string&)>& on_line) {
    const auto deadline = Clock::now() + timeout;
    std::string& text = which == "out" ? out_ : err_;
    std::size_t& scanned = which == "out" ? out_scanned_ : err_scanned_;
    for (;;) {
        // Complete lines not scanned yet.
        std::size_t nl;
        while ((nl = text.find('\n', scanned)) != std::string::npos) {
            const std::string line = text.substr(scanned, nl - scanned);
            scanned = nl + 1;
            if (on_line(line)) return true;
        }
        const auto now = Clock::now();
        if (now >= deadline) return false;
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
        if (!pump(std::min(left, std::chrono::milliseconds(100)))) {
            // Both pipes closed: a final unterminated line, then give up.
            if (scanned < text.size()) {
                const std::string line = text.substr(scanned);
                scanned = text.size();
                return on_line(line);
            }
            return false;
        }
    }
}

std::optional<Match> Process::wait_for(const std::string& which, const std::regex& pattern,
                                       std::chrono::milliseconds timeout) {
    Match groups;
    const bool found = scan_lines(which, timeout, [&](const std::string& line) {
        std::smatch m;
        if (!std::regex_search(line, m, pattern)) return false;
        for (const auto& g : m)
            groups.push_back(g.str());
        return true;
    });
    if (!found) return std::nullopt;
    return groups;
}

std::optional<Match> Process::wait_for_stderr(const std::regex& pattern,
                                              std::chrono::milliseconds timeout) {
    return wait_for("err", pattern, timeout);
}

std::optional<Match> Process::wait_for_stdout(const std::regex& pattern,
                                              std::chrono::milliseconds timeout) {
    return wait_for("out", pattern, timeout);
}

std::vector<std::size_t> Process::wait_for_stderr_all(const std::vector<std::regex>& patterns,
                                                      std::chrono::milliseconds timeout) {
    std::vector<bool> matched(patterns.size(), false);
    std::size_t left = patterns.size();
    if (left > 0) {
        scan_lines("err", timeout, [&](const std::string& line) {
            for (std::size_t i = 0; i < patterns.size(); ++i) {
                if (!matched[i] && std::regex_search(line, patterns[i])) {
                    matched[i] = true;
                    --left;
                }
            }
            return left == 0;
        });
    }
    std::vector<std::size_t> missing;
    for (std::size_t i = 0; i < patterns.size(); ++i)
        if (!matched[i]) missing.push_back(i);
    return missing;
}

int Process::wait_for_listening(const std::string& proto, std::chrono::milliseconds timeout) {
    auto m = wait_for_stderr(std::regex("listening " + proto + " (\\S+):([0-9]+)"), timeout);
    return m ? std::stoi((*m)[2]) : 0;
}

void Process::signal(int sig) {
    if (pid_ > 0 && !status_) ::kill(pid_, sig);
}

bool Process::running() {
    if (status_) return false;
    int st = 0;
    const pid_t r = ::waitpid(pid_, &st, WNOHANG);
    if (r == pid_) {
        status_ =
            ExitStatus{WIFEXITED(st) ? WEXITSTATUS(st) : -1, WIFSIGNALED(st) ? WTERMSIG(st) : 0};
        return false;
    }
    return true;
}

std::optional<ExitStatus> Process::wait(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (running()) {
        const auto now = Clock::now();
        if (now >= deadline) return std::nullopt;
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
        // pump() blocks on output; once the pipes close, poll the pid at a short period.
        if (!pump(std::min(left, std::chrono::milliseconds(20)))) {
            ::poll(nullptr, 0, 5);
        }
    }
    while (pump(std::chrono::milliseconds(0)) && (out_fd_ >= 0 || err_fd_ >= 0)) {
        pollfd fds[2];
        int n = 0;
        if (out_fd_ >= 0) fds[n++] = {out_fd_, POLLIN, 0};
        if (err_fd_ >= 0) fds[n++] = {err_fd_, POLLIN, 0};
        // Grandchildren may hold the pipes open: drain only what is there.
        if (::poll(fds, static_cast<nfds_t>(n), 50) <= 0) break;
    }
    return status_;
}

RunResult run(const std::vector<std::string>& argv, const SpawnOptions& options,
              std::chrono::milliseconds timeout) {
    Process p = Process::spawn(argv, options);
    auto status = p.wait(timeout);
    if (!status) {
        p.signal(SIGKILL);
        status = p.wait(5s);
    }
    return RunResult{status.value_or(ExitStatus{}), p.stdout_text(), p.stderr_text()};
}

void exec_in_child(const std::vector<std::string>& argv) {
    std::vector<char*> args;
    for (const auto& a : argv)
        args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
}

std::pair<long, long> fetch_byte_sources(const std::string& err) {
    std::smatch m;
    static const std::regex re(R"((\d+) bytes from peers, (\d+) from web seeds)");
    if (!std::regex_search(err, m, re)) return {-1, -1};
    return {std::stol(m[1]), std::stol(m[2])};
}

std::string line_value(const std::string& out, const std::string& key) {
    std::smatch m;
    if (!std::regex_search(out, m, std::regex("(^|\\n)" + key + " ([^\\n]+)"))) return "";
    return m[2];
}

std::string bin(const std::string& name) {
    return std::string(ACISWARM_BIN_DIR) + "/" + name;
}

}  // namespace aciswarm::test
