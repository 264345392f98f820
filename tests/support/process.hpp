// Child processes for integration tests: spawn a binary with its stdout and
// stderr captured, wait for a line it prints (servers print the port they
// bound, so tests use port 0 and never sleep), send signals, reap with a
// deadline. The destructor kills a child that is still running, and a child
// dies with the thread that spawned it (PR_SET_PDEATHSIG), so a test binary
// that aborts leaves no server behind: spawn long-lived children from the
// test's own thread, never from a thread that ends before them.
//
// Convention for every aciswarm server: once a listener is bound it logs a
// line containing "listening <proto> <address:port>" to stderr, e.g.
// "aciswarm-tracker info: listening udp 127.0.0.1:40123".
// Thread-safety: one thread per Process.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <regex>
#include <string>
#include <vector>

namespace aciswarm::test {

using namespace std::chrono_literals;

// The groups of a regex match; [0] is the whole line's match.
using Match = std::vector<std::string>;

struct ExitStatus {
    int code = -1;   // exit code when exited normally
    int signal = 0;  // terminating signal, or 0
    bool exited() const { return signal == 0; }
};

struct SpawnOptions {
    std::map<std::string, std::string> env;  // added to / overriding the parent's environment
    std::vector<std::string> unset_env;      // removed from the environment
    std::string cwd;                         // empty: inherit
    std::string stdin_data;                  // the child's whole stdin (any size)
};

class Process {
  public:
    static Process spawn(const std::vector<std::string>& argv, const SpawnOptions& options = {});
    ~Process();
    Process(Process&& other) noexcept;
    Process& operator=(Process&& other) noexcept;
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;

    pid_t pid() const { return pid_; }

    // Reads stderr (and drains stdout) until a line matches; returns the match
    // groups, or nullopt on timeout or exit. Lines already read are searched first.
    std::optional<Match> wait_for_stderr(const std::regex& pattern,
                                         std::chrono::milliseconds timeout = 10s);
    std::optional<Match> wait_for_stdout(const std::regex& pattern,
                                         std::chrono::milliseconds timeout = 10s);
    // Reads stderr until every pattern has matched a line not searched yet, in any
    // order (for events a child logs from several threads). Returns the patterns
    // that never matched (empty: all did), by index into `patterns`.
    std::vector<std::size_t> wait_for_stderr_all(const std::vector<std::regex>& patterns,
                                                 std::chrono::milliseconds timeout = 10s);
    // Waits for "listening PROTO ADDR:PORT" on stderr and returns the port (0 on timeout).
    int wait_for_listening(const std::string& proto, std::chrono::milliseconds timeout = 10s);

    void signal(int sig);
    // Waits for exit, draining output; nullopt on timeout (the child keeps running).
    std::optional<ExitStatus> wait(std::chrono::milliseconds timeout = 30s);
    bool running();

    // Reads what the child has written so far without waiting (for failure
    // messages: a server's log up to now).
    void read_available();

    // All output read so far.
    const std::string& stdout_text() const { return out_; }
    const std::string& stderr_text() const { return err_; }

  private:
    Process() = default;
    // Reads available output for up to `timeout`; returns false when both pipes are closed.
    bool pump(std::chrono::milliseconds timeout);
    // Feeds each line of stdout ("out") or stderr ("err") not scanned yet to on_line,
    // reading more as it comes, until on_line returns true (→ true), the timeout
    // passes or the child closes its pipes (→ false). Once the pipes are closed a
    // final unterminated line is fed too.
    bool scan_lines(const std::string& which, std::chrono::milliseconds timeout,
                    const std::function<bool(const std::string&)>& on_line);
    std::optional<Match> wait_for(const std::string& which, const std::regex& pattern,
                                  std::chrono::milliseconds timeout);
    void close_fds();

    pid_t pid_ = -1;
    int out_fd_ = -1;
    int err_fd_ = -1;
    std::string out_;
    std::string err_;
    std::size_t out_scanned_ = 0;
    std::size_t err_scanned_ = 0;
    std::optional<ExitStatus> status_;
};

struct RunResult {
    ExitStatus status;
    std::string out;
    std::string err;
};

// Runs a command to completion (killing it after `timeout`).
RunResult run(const std::vector<std::string>& argv, const SpawnOptions& options = {},
              std::chrono::milliseconds timeout = 60s);

// In a child forked by the test (e.g. on a pseudo-terminal): replaces it with argv
// (PATH searched), or exits with 127 when that fails. Never returns.
[[noreturn]] void exec_in_child(const std::vector<std::string>& argv);

// The rest of the first line of `out` that starts with KEY and a space, or "" when
// no line does: the values a command prints, e.g. line_value(r.out, "image-id").
std::string line_value(const std::string& out, const std::string& key);

// Where an `aciswarm fetch` got its bytes, from its summary line "... N bytes
// from peers, M from web seeds ...": {N, M}, or {-1, -1} without one.
std::pair<long, long> fetch_byte_sources(const std::string& err);

// Path of a built binary: bin("aciswarm").
std::string bin(const std::string& name);

}  // namespace aciswarm::test
