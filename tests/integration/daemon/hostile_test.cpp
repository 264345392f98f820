// The daemon under attack from its own API clients (issue: hostile input and
// resource bounds). Each test reproduces one attack and asserts the bound or
// the clear error, that the daemon still answers a status request within 1 s
// while it happens, and that SIGTERM still stops it. Memory and CPU come from
// /proc/PID/status (VmHWM) and /proc/PID/stat (utime + stime).
#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "agent/store/store.hpp"
#include "common/file_read.hpp"
#include "tests/integration/daemon/daemon_process.hpp"
#include "torrent/torrent_file.hpp"

namespace aciswarm::test {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

// VmHWM (peak resident set) of a process, in KiB.
std::uint64_t peak_rss_kib(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.starts_with("VmHWM:")) return std::stoull(line.substr(6));
    }
    return 0;
}

// utime + stime of a process, in clock ticks.
std::uint64_t cpu_ticks(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::istringstream rest(stat.substr(stat.rfind(')') + 2));
    std::string field;
    std::uint64_t utime = 0, stime = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i) {
        if (i == 14) utime = std::stoull(field);
        if (i == 15) stime = std::stoull(field);
    }
    return utime + stime;
}

std::size_t open_fds(pid_t pid) {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& e :
         fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd"))
        ++n;
    return n;
}

// A raw connection to the API socket (no ApiClient: these clients misbehave).
int connect_raw(const fs::path& socket) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, socket.c_str(), sizeof addr.sun_path - 1);
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

// The daemon answers a status request within 1 s.
bool answers_status(const DaemonDirs& dirs) {
    return api_call(dirs, {{"op", "status"}}, nullptr, 1s).value("ok", false);
}

// SIGTERM: the daemon exits 0 within `within`.
::testing::AssertionResult stops_on_sigterm(Process& daemon, std::chrono::milliseconds within) {
    daemon.signal(SIGTERM);
    const auto st = daemon.wait(within);
    if (!st) return ::testing::AssertionFailure() << "still running after SIGTERM";
    if (st->code != 0 || st->signal != 0)
        return ::testing::AssertionFailure()
               << "exit code " << st->code << " signal " << st->signal;
    return ::testing::AssertionSuccess();
}

class Hostile : public ::testing::Test {
  protected:
    TempDir tmp;
    DaemonDirs dirs{tmp / "d"};
    void SetUp() override { fs::create_directories(dirs.root); }

    // A fetch of `file` (an open descriptor) named `source`, as aciswarm fetch sends it.
    nlohmann::json fetch_fd(const std::string& source, int file) {
        return api_call_with_file(dirs, {{"op", "fetch"}, {"source", source}, {"source_fd", true}},
                                  file, nullptr, 10s);
    }
};

// Issues 13/14: the daemon's max-image-size key, and a local .torrent fetched through the
// daemon passes the same declared-length check as a direct fetch: a torrent declaring more
// than the maximum is refused at once, before any download starts. Before: the key did not
// exist, and the daemon's own .torrent path added the download unchecked.
TEST_F(Hostile, ATorrentDeclaringMoreThanTheMaxImageSizeIsRefusedAtOnce) {
    const fs::path aci = make_aci(tmp.path(), "big", 256 * 1024);
    auto t = torrent::create_torrent(aci, {});
    ASSERT_TRUE(t) << t.error().message;
    const fs::path torrent = tmp / "big.torrent";
    write_file(torrent, t->bytes);
    Process daemon = start_daemon(dirs, {"--max-image-size=64k"});
    ASSERT_GT(wait_daemon_ready(daemon), 0) << daemon.stderr_text();
    for (const fs::path& source : {torrent, aci}) {
        const auto reply =
            api_call(dirs, {{"op", "fetch"}, {"source", source.string()}}, nullptr, 10s);
        EXPECT_FALSE(reply.value("ok", true)) << reply.dump();
        EXPECT_EQ(reply.value("code", ""), "too large") << reply.dump();
        EXPECT_NE(reply.value("error", std::string()).find("65536"), std::string::npos)
            << reply.dump();
    }
    EXPECT_EQ(stored_count(dirs.store()), 0U);
    EXPECT_TRUE(stops_on_sigterm(daemon, 10s));
}

// Issue 13, daemon item 1 (and the "network error" message): a .torrent or
// .aci that is /dev/zero, a FIFO, a directory or too large is refused with
// an error naming it and a file error code; the daemon's memory stays bounded,
// it answers meanwhile and SIGTERM still stops it. Before: /dev/zero grew the
// daemon to 2 GB (std::bad_alloc), a FIFO wedged the loop.
TEST_F(Hostile, LocalFilesThatAreNotRegularOrTooLargeAreRefusedWithoutReadingThem) {
    Process daemon = start_daemon(dirs);
    ASSERT_GT(wait_daemon_ready(daemon), 0) << daemon.stderr_text();
    const std::uint64_t rss_before = peak_rss_kib(daemon.pid());

    const fs::path zero = tmp / "zero.torrent";
    fs::create_symlink("/dev/zero", zero);
    const fs::path fifo = tmp / "fifo.aci";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    const fs::path big = tmp / "big.torrent";
    {
        std::ofstream(big).put('d');
        fs::resize_file(big, (64 << 20) + 1);  // sparse: one byte over the limit
    }
    struct Case {
        std::string source;
        fs::path open;
        std::string want;
        std::string code;
    };
    const Case cases[] = {
        {"./zero.torrent", zero, "./zero.torrent: a character device, not a regular file",
         "unsupported"},
        {"./fifo.torrent", fifo, "./fifo.torrent: a FIFO, not a regular file", "unsupported"},
        {"./fifo.aci", fifo, "./fifo.aci: a FIFO, not a regular file", "unsupported"},
        {"./dir.torrent", tmp.path(), "./dir.torrent: a directory, not a regular file",
         "unsupported"},
        {"./big.torrent", big, "./big.torrent: 67108865 bytes, more than the limit of 67108864",
         "too large"},
    };
    for (const Case& c : cases) {
        // O_NONBLOCK: what a client could send; the daemon must not trust it.
        UniqueFd fd(::open(c.open.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
        ASSERT_TRUE(fd) << c.open;
        const auto reply = fetch_fd(c.source, fd.get());
        EXPECT_FALSE(reply.value("ok", true)) << reply.dump();
        EXPECT_NE(reply.value("error", std::string()).find(c.want), std::string::npos)
            << reply.dump();
        EXPECT_EQ(reply.value("code", std::string()), c.code) << reply.dump();
        EXPECT_TRUE(answers_status(dirs)) << c.source;
    }
    // Read nothing big: the peak RSS grew by less than 32 MiB (before: 2 GB).
    RecordProperty("vmhwm_growth_kib", static_cast<int>(peak_rss_kib(daemon.pid()) - rss_before));
    EXPECT_LT(peak_rss_kib(daemon.pid()), rss_before + 32 * 1024);

    // The in-process fetch reads the same way.
    for (const auto& [path, want] :
         {std::pair{zero, "a character device, not a regular file"},
          std::pair{tmp / "fifo.torrent", "a FIFO, not a regular file"}}) {
        if (!fs::exists(fs::symlink_status(path))) {
            ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
        }
        const RunResult r = run({bin("aciswarm"), "fetch", "--no-daemon", "--no-progress",
                                 "--store=" + (tmp / "own").string(), path.string()},
                                {}, 30s);
        EXPECT_EQ(r.status.code, 1) << r.err;
        EXPECT_NE(r.err.find(path.string() + ": " + want), std::string::npos) << r.err;
    }
    EXPECT_TRUE(stops_on_sigterm(daemon, 15s)) << daemon.stderr_text();
}

// Issue 13, daemon item 2: the daemon never opens a path a client names. A
// client opens the file itself (the kernel checks its access) and sends the
// descriptor. As uid 65534 (in the socket's group): `aciswarm fetch` of a
// 0600 root file fails on the client's own open, and a raw API request with
// the path gets the same answer whether the file exists or not. Before: the
// root daemon imported the file for uid 65534 and told whether it existed.
TEST_F(Hostile, AClientCannotMakeTheDaemonReadFilesItCannotReadItself) {
    const group* nogroup = ::getgrgid(65534);
    ASSERT_NE(nogroup, nullptr);
    Process daemon = start_daemon(dirs, {"--socket-group=" + std::string(nogroup->gr_name)});
    ASSERT_GT(wait_daemon_ready(daemon), 0) << daemon.stderr_text();
    ::chmod(tmp.path().c_str(), 0711);
    ::chmod(dirs.root.c_str(), 0711);
    const fs::path secret = tmp / "secret.torrent";
    write_file(secret,
               "d4:infod6:lengthi1e4:name1:x12:piece lengthi16384e6:pieces20:"
               "01234567890123456789ee");
    ASSERT_EQ(::chmod(secret.c_str(), 0600), 0);

    const RunResult cli = run(
        {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", bin("aciswarm"), "fetch",
         "--no-progress", "--daemon-socket=" + dirs.socket().string(), secret.string()},
        {}, 30s);
    EXPECT_EQ(cli.status.code, 1) << cli.err;
    EXPECT_NE(cli.err.find(secret.string() + ": Permission denied"), std::string::npos) << cli.err;

    // Raw requests as uid 65534: existing and missing paths answer alike.
    int pipe_fds[2];
    ASSERT_EQ(::pipe(pipe_fds), 0);
    const pid_t pid = ::fork();
    if (pid == 0) {
        if (::setgroups(0, nullptr) != 0 || ::setgid(65534) != 0 || ::setuid(65534) != 0)
            ::_exit(100);
        std::string text;
        for (const fs::path& p : {secret, tmp / "missing.torrent", fs::path("/root/x.aci")}) {
            // The path itself, no descriptor: what a hostile client sends.
            const auto reply = api_call_with_file(dirs, {{"op", "fetch"}, {"source", p.string()}},
                                                  -1, nullptr, 10s);
            text += reply.dump() + "\n";
        }
        ::_exit(::write(pipe_fds[1], text.data(), text.size()) == static_cast<ssize_t>(text.size())
                    ? 0
                    : 1);
    }
    ::close(pipe_fds[1]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    std::string text;
    char buf[4096];
    for (ssize_t n; (n = ::read(pipe_fds[0], buf, sizeof buf)) > 0;)
        text.append(buf, static_cast<std::size_t>(n));
    ::close(pipe_fds[0]);
    std::istringstream lines(text);
    std::vector<std::string> errors;
    const std::string paths[] = {secret.string(), (tmp / "missing.torrent").string(),
                                 "/root/x.aci"};
    std::size_t i = 0;
    for (std::string line; std::getline(lines, line); ++i) {
        const auto reply = nlohmann::json::parse(line);
        EXPECT_FALSE(reply.value("ok", true)) << line;
        EXPECT_EQ(reply.value("code", std::string()), "permission denied") << line;
        std::string error = reply.value("error", std::string());
        const auto at = error.find(paths[i]);
        ASSERT_NE(at, std::string::npos) << line;
        error.replace(at, paths[i].size(), "PATH");
        errors.push_back(error);
    }
    ASSERT_EQ(errors.size(), 3U) << text;
    EXPECT_EQ(errors[0], errors[1]);
    EXPECT_EQ(errors[0], errors[2]);
    EXPECT_NE(errors[0].find("sent as a descriptor"), std::string::npos) << errors[0];
    // Nothing was fetched or imported.
    EXPECT_EQ(daemon.stderr_text().find("started (torrent file)"), std::string::npos);
    EXPECT_TRUE(stops_on_sigterm(daemon, 15s)) << daemon.stderr_text();
}

// Issue 13, daemon item 3: idle clients up to the descriptor limit. accept()
// fails with EMFILE; the daemon pauses accepting instead of spinning (CPU
// stays low), and serves new clients once others leave. Before: 99 % CPU.
TEST_F(Hostile, RunningOutOfDescriptorsBacksOffAndRecovers) {
#if defined(__SANITIZE_ADDRESS__)
    // The sanitizer runtime opens files of its own (/proc/self/maps) and aborts
    // when the process has no descriptor left; the default build runs this test.
    GTEST_SKIP() << "needs descriptors the ASan runtime takes for itself";
#endif
    Process daemon = start_daemon(dirs, {"-v", "--max-clients=10000"});
    ASSERT_GT(wait_daemon_ready(daemon), 0) << daemon.stderr_text();
    const pid_t pid = daemon.pid();
    // A low limit on the running daemon: what it has now plus 16.
    const rlimit low{open_fds(pid) + 16, open_fds(pid) + 16};
    ASSERT_EQ(::prlimit(pid, RLIMIT_NOFILE, &low, nullptr), 0);
    std::vector<UniqueFd> idle;
    for (int i = 0; i < 48; ++i) {  // more than the limit: the rest wait in the backlog
        idle.emplace_back(connect_raw(dirs.socket()));
        ASSERT_TRUE(idle.back()) << i;
    }
    ASSERT_TRUE(daemon.wait_for_stderr(std::regex("api: accept: Too many open files"), 10s))
        << daemon.stderr_text();
    // Four back-off periods (~1 s) of a listening socket that stays readable:
    // a spinning loop burns ~100 ticks; a backing-off one next to none.
    const std::uint64_t before = cpu_ticks(pid);
    for (int i = 0; i < 4; ++i) {
        ASSERT_TRUE(daemon.wait_for_stderr(std::regex("pausing new clients"), 5s));
    }
    const std::uint64_t used = cpu_ticks(pid) - before;
    RecordProperty("cpu_ticks_during_emfile", static_cast<int>(used));
    EXPECT_LT(used, 20U) << "ticks of CPU in ~1 s of EMFILE";

    // Clients leave: the daemon accepts again and serves a new one.
    idle.clear();
    bool served = false;
    for (int attempt = 0; attempt < 20 && !served; ++attempt)
        served = answers_status(dirs);
    EXPECT_TRUE(served) << daemon.stderr_text();
    EXPECT_TRUE(stops_on_sigterm(daemon, 15s)) << daemon.stderr_text();
}

// max-clients: one client over the limit gets a clear error and is closed.
TEST_F(Hostile, ClientsOverMaxClientsGetAClearError) {
    Process daemon = start_daemon(dirs, {"--max-clients=4"});
    ASSERT_GT(wait_daemon_ready(daemon), 0) << daemon.stderr_text();
    std::vector<agent::ApiClient> idle;
    for (int i = 0; i < 4; ++i) {
        auto c = agent::ApiClient::connect(dirs.socket().string());
        ASSERT_TRUE(c);
        idle.push_back(std::move(*c));
    }
    const auto refused = api_call(dirs, {{"op", "status"}}, nullptr, 5s);
    EXPECT_FALSE(refused.value("ok", true)) << refused.dump();
    EXPECT_NE(refused.value("error", std::string()).find("too many API clients (max-clients 4)"),
              std::string::npos)
        << refused.dump();
    idle.pop_back();
    bool served = false;
    for (int attempt = 0; attempt < 20 && !served; ++attempt)
        served = answers_status(dirs);
    EXPECT_TRUE(served) << daemon.stderr_text();
    EXPECT_TRUE(stops_on_sigterm(daemon, 15s));
}

// Issue 13, daemon item 4: 2 MiB of pipelined status requests whose replies
// are never read. The client is dropped once its pending output passes
// max-client-output; peak RSS stays bounded; others are served. Before: RSS
// 25 → 544 MiB.
TEST_F(Hostile, AClientThatDoesNotReadItsRepliesIsDropped) {
    Process daemon = start_daemon(dirs, {"--max-client-output=1048576"});
    ASSERT_GT(wait_daemon_ready(daemon), 0) << daemon.stderr_text();
    const std::uint64_t rss_before = peak_rss_kib(daemon.pid());
    UniqueFd attacker(connect_raw(dirs.socket()));
    ASSERT_TRUE(attacker);
    int small = 4096;  // keep the replies in the daemon, not in our receive buffer
    ::setsockopt(attacker.get(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    std::string requests;
    while (requests.size() < (2U << 20))
        requests += "{\"op\":\"status\"}\n";
    std::size_t sent = 0;
    while (sent < requests.size()) {
        const ssize_t n =
            ::send(attacker.get(), requests.data() + sent, requests.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) break;  // dropped: the rest is refused
        sent += static_cast<std::size_t>(n);
    }
    ASSERT_TRUE(
        daemon.wait_for_stderr(std::regex("dropping client: does not read its replies"), 20s))
        << daemon.stderr_text();
    EXPECT_TRUE(answers_status(dirs));
    RecordProperty("vmhwm_growth_kib", static_cast<int>(peak_rss_kib(daemon.pid()) - rss_before));
    // Under ASan freed memory stays in its quarantine (256 MiB by default), so the
    // bound there allows for it; the unfixed daemon grew by ~520 MiB (issue 13).
#if defined(__SANITIZE_ADDRESS__)
    constexpr std::uint64_t allocator_slack_kib = 320 * 1024;
#else
    constexpr std::uint64_t allocator_slack_kib = 0;
#endif
    EXPECT_LT(peak_rss_kib(daemon.pid()), rss_before + 64 * 1024 + allocator_slack_kib) << "KiB";
    EXPECT_TRUE(stops_on_sigterm(daemon, 15s)) << daemon.stderr_text();
}

// A tar member declaring one file of 8 GiB - 1, then gzip members of zeros:
// an 8 GiB decompression from a few MiB, which the store does not interrupt.
fs::path make_gzip_bomb(const fs::path& dir) {
    std::string header(512, '\0');
    const auto put = [&](std::size_t at, std::string_view v) { header.replace(at, v.size(), v); };
    put(0, "rootfs/zeros");
    put(100, "0000644");
    put(108, "0000000");
    put(116, "0000000");
    put(124, "77777777777");
    put(136, "00000000000");
    put(156, "0");
    put(257, "ustar");
    put(263, "00");
    put(148, "        ");
    unsigned sum = 0;
    for (const char ch : header)
        sum += static_cast<unsigned char>(ch);
    char chk[8];
    std::snprintf(chk, sizeof chk, "%06o", sum);
    header.replace(148, 7, std::string(chk, 6) + '\0');
    write_file(dir / "header.tar", header);
    const fs::path bomb = dir / "bomb.aci";
    RunResult r = run(
        {
            "sh",
            "-c",
            "gzip -c header.tar > bomb.aci && head -c 64M /dev/zero | gzip -1 -c > "
            "zeros.gz && for i in $(seq 128); do cat zeros.gz; done >> bomb.aci",
        },
        [&] {
            SpawnOptions o;
            o.cwd = dir.string();
            return o;
        }(),
        120s);
    if (r.status.code != 0) throw std::runtime_error("bomb: " + r.err);
    return bomb;
}

// Issue 13, daemon item 5: SIGTERM during an import of a decompression bomb
// (a worker the store does not let stop) exits 0 within shutdown-timeout plus
// a little; the store opens cleanly afterwards. Before: 40 s, and with a FIFO
// .aci, never. (The FIFO is now refused at the door: see the first test.)
TEST_F(Hostile, SigtermDuringADecompressionBombExitsWithinTheDeadline) {
    const fs::path bomb = make_gzip_bomb(tmp.path());
    Process daemon = start_daemon(dirs, {"--shutdown-timeout=2s"});
    ASSERT_GT(wait_daemon_ready(daemon), 0) << daemon.stderr_text();
    auto file = open_regular_file(bomb.string(), Symlinks::follow);
    ASSERT_TRUE(file) << file.error().message;
    auto client = agent::ApiClient::connect(dirs.socket().string());
    ASSERT_TRUE(client);
    const int files[] = {file->get()};
    ASSERT_TRUE(client->send_with_files(
        nlohmann::json{{"op", "fetch"}, {"source", "./bomb.aci"}, {"source_fd", true}}.dump() +
            "\n",
        files));
    ASSERT_TRUE(daemon.wait_for_stderr(std::regex("fetch \\./bomb\\.aci: started"), 10s))
        << daemon.stderr_text();
    EXPECT_TRUE(answers_status(dirs)) << "responsive during the import";
    const std::uint64_t ticks = cpu_ticks(daemon.pid());
    EXPECT_TRUE(stops_on_sigterm(daemon, 10s)) << daemon.stderr_text();
    EXPECT_NE(daemon.stderr_text().find("abandoning"), std::string::npos) << daemon.stderr_text();
    (void)ticks;
    SystemClock clock;
    auto store = agent::store::Store::open(dirs.store(), clock, Logger::null());
    ASSERT_TRUE(store) << store.error().message;
    auto list = store->list();
    ASSERT_TRUE(list);
    EXPECT_TRUE(list->empty());
}

}  // namespace
}  // namespace aciswarm::test
