// `aciswarm daemon` as a process: the systemd notify protocol (READY, STATUS,
// WATCHDOG at half WATCHDOG_USEC, STOPPING), SIGTERM and SIGHUP, the local
// API's refusals (malformed, oversize, no permission) and socket activation.
#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstring>

#include "tests/integration/daemon/daemon_process.hpp"

namespace aciswarm::test {
namespace {

using namespace std::chrono_literals;

class DaemonProcess : public ::testing::Test {
  protected:
    TempDir tmp;
    DaemonDirs dirs{tmp.path()};
};

TEST_F(DaemonProcess, NotifiesReadyWatchdogAtHalfTheIntervalAndStopping) {
    NotifySocket notify(tmp / "notify.sock");
    SpawnOptions opts;
    opts.env["NOTIFY_SOCKET"] = notify.path();
    opts.env["WATCHDOG_USEC"] = "200000";  // pings every 100 ms
    Process daemon = start_daemon(dirs, {}, opts);
    const auto ready = notify.wait_for("READY=1", 20s);
    ASSERT_TRUE(ready) << daemon.stderr_text();
    EXPECT_NE(ready->find("STATUS=seeding 0 of 0 images"), std::string::npos) << *ready;

    // Count pings over one second from the first: 10 expected, allow a loaded machine.
    ASSERT_TRUE(notify.wait_for("WATCHDOG=1", 5s));
    const auto start = std::chrono::steady_clock::now();
    int pings = 0;
    while (std::chrono::steady_clock::now() - start < 1s) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            1s - (std::chrono::steady_clock::now() - start));
        auto msg = notify.receive(std::max(left, 1ms));
        if (msg && *msg == "WATCHDOG=1") ++pings;
    }
    EXPECT_GE(pings, 5);
    EXPECT_LE(pings, 14);

    daemon.signal(SIGTERM);
    EXPECT_TRUE(notify.wait_for("STOPPING=1", 5s));
    const auto st = daemon.wait(5s);
    ASSERT_TRUE(st) << "did not stop within 5 s";
    EXPECT_EQ(st->code, 0) << daemon.stderr_text();
    EXPECT_FALSE(std::filesystem::exists(dirs.socket())) << "its own socket is removed";
}

TEST_F(DaemonProcess, NoWatchdogPingsForAnotherPid) {
    NotifySocket notify(tmp / "notify.sock");
    SpawnOptions opts;
    opts.env["NOTIFY_SOCKET"] = notify.path();
    opts.env["WATCHDOG_USEC"] = "100000";
    opts.env["WATCHDOG_PID"] = "1";  // meant for another process
    Process daemon = start_daemon(dirs, {}, opts);
    ASSERT_TRUE(notify.wait_for("READY=1", 20s)) << daemon.stderr_text();
    // Within 500 ms (10 intervals) only STATUS updates may come, never WATCHDOG=1.
    const auto until = std::chrono::steady_clock::now() + 500ms;
    while (std::chrono::steady_clock::now() < until) {
        auto msg = notify.receive(50ms);
        if (msg) {
            EXPECT_EQ(msg->find("WATCHDOG=1"), std::string::npos);
        }
    }
}

TEST_F(DaemonProcess, SighupReloadsTheConfigAndKeepsItWhenTheNewOneIsBad) {
    write_file(dirs.config(), R"({"seed-policy": "for=1h"})");
    Process daemon = start_daemon(dirs);
    ASSERT_GT(wait_daemon_ready(daemon), 0) << daemon.stderr_text();
    auto st = api_call(dirs, {{"op", "status"}});
    ASSERT_TRUE(st.value("ok", false)) << st.dump();
    EXPECT_EQ(st["daemon"]["seed_policy"], "for=1h");

    write_file(dirs.config(), R"({"seed-policy": "idle=5m"})");
    daemon.signal(SIGHUP);
    ASSERT_TRUE(
        daemon.wait_for_stderr(std::regex("reloaded configuration: seed-policy idle=5m"), 10s))
        << daemon.stderr_text();
    st = api_call(dirs, {{"op", "status"}});
    EXPECT_EQ(st["daemon"]["seed_policy"], "idle=5m");

    write_file(dirs.config(), R"({"seed-policy": "forever", "bogus": 1})");
    daemon.signal(SIGHUP);
    ASSERT_TRUE(daemon.wait_for_stderr(std::regex("reload: .*unknown key 'bogus'"), 10s))
        << daemon.stderr_text();
    st = api_call(dirs, {{"op", "status"}});
    EXPECT_EQ(st["daemon"]["seed_policy"], "idle=5m");
    EXPECT_TRUE(daemon.running());
}

TEST_F(DaemonProcess, UnknownConfigKeyStopsStartupNamingIt) {
    write_file(dirs.config(), R"({"store": "/tmp/x", "seed_policy": "forever"})");
    Process daemon = start_daemon(dirs);
    const auto st = daemon.wait(20s);
    ASSERT_TRUE(st);
    EXPECT_EQ(st->code, 2);
    EXPECT_NE(daemon.stderr_text().find("agent.json: unknown key 'seed_policy'"), std::string::npos)
        << daemon.stderr_text();
}

TEST_F(DaemonProcess, MalformedAndOversizeRequestsGetClearErrors) {
    Process daemon = start_daemon(dirs);
    ASSERT_GT(wait_daemon_ready(daemon), 0) << daemon.stderr_text();
    auto client = agent::ApiClient::connect(dirs.socket().string());
    ASSERT_TRUE(client) << client.error().message;
    const auto expect_error = [&](std::string_view line, const std::string& want) {
        ASSERT_TRUE(client->send_raw(line));
        auto reply = client->read_reply(10s);
        ASSERT_TRUE(reply) << reply.error().message;
        EXPECT_FALSE(reply->value("ok", true)) << reply->dump();
        EXPECT_NE(reply->value("error", std::string()).find(want), std::string::npos)
            << reply->dump();
    };
    expect_error("this is not json\n", "request: not valid JSON");
    expect_error(R"({"op":"frobnicate"})"
                 "\n",
                 "unknown op 'frobnicate'");
    expect_error(R"({"op":"seed","image":"sha512-aa"})"
                 "\n",
                 "seed: missing 'policy'");
    expect_error(R"({"op":"seed","image":"sha512-aa","policy":"sometimes"})"
                 "\n",
                 "seed policy 'sometimes'");
    expect_error(R"({"op":"rm","image":"sha512-zz"})"
                 "\n",
                 "sha512-zz");
    expect_error(R"({"op":"unseed","image":"sha512-0123"})"
                 "\n",
                 "no image matches '0123'");
    // The connection still works after errors.
    auto ok = client->call({{"op", "list"}, {"id", 42}});
    ASSERT_TRUE(ok);
    EXPECT_TRUE(ok->value("ok", false)) << ok->dump();
    EXPECT_EQ((*ok)["id"], 42);

    // 70 000 bytes without a newline: refused, then the daemon closes the connection.
    expect_error(std::string(70000, 'x'), "longer than 65536 bytes");
    auto after = client->read_reply(10s);
    ASSERT_FALSE(after);
    EXPECT_NE(after.error().message.find("closed by the daemon"), std::string::npos)
        << after.error().message;
    EXPECT_TRUE(daemon.running());
}

// Runs `fn` in a child as uid/gid 65534 (nobody); returns the child's exit code.
template <class Fn>
int as_nobody(Fn fn) {
    const pid_t pid = ::fork();
    if (pid == 0) {
        if (::setgroups(0, nullptr) != 0 || ::setgid(65534) != 0 || ::setuid(65534) != 0)
            ::_exit(100);
        ::_exit(fn());
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 200;
}

TEST_F(DaemonProcess, RefusesCallersWithoutPermission) {
    Process daemon = start_daemon(dirs);
    ASSERT_GT(wait_daemon_ready(daemon), 0) << daemon.stderr_text();
    struct stat st {};
    ASSERT_EQ(::stat(dirs.socket().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600U) << "owner only without a socket group";

    ::chmod(tmp.path().c_str(), 0711);  // let nobody reach the socket file
    // Layer 1: the socket's mode keeps other users out.
    const int denied = as_nobody([&] {
        auto c = agent::ApiClient::connect(dirs.socket().string());
        return c ? 0 : (c.error().code == Errc::permission ? 1 : 2);
    });
    EXPECT_EQ(denied, 1);

    // Layer 2: even with the mode opened up, SO_PEERCRED refuses uid 65534.
    ::chmod(dirs.socket().c_str(), 0666);
    int pipe_fds[2];
    ASSERT_EQ(::pipe(pipe_fds), 0);
    const int refused = as_nobody([&] {
        auto c = agent::ApiClient::connect(dirs.socket().string());
        if (!c) return 3;
        auto reply = c->call({{"op", "status"}}, {}, 10s);
        if (!reply) return 4;
        const std::string text = reply->dump();
        return ::write(pipe_fds[1], text.data(), text.size()) == static_cast<ssize_t>(text.size())
                   ? 0
                   : 5;
    });
    ::close(pipe_fds[1]);
    ::chmod(tmp.path().c_str(), 0700);
    ASSERT_EQ(refused, 0);
    std::string text;
    char buf[4096];
    for (ssize_t n; (n = ::read(pipe_fds[0], buf, sizeof buf)) > 0;)
        text.append(buf, static_cast<std::size_t>(n));
    ::close(pipe_fds[0]);
    const auto reply = nlohmann::json::parse(text);
    EXPECT_FALSE(reply.value("ok", true));
    EXPECT_NE(reply.value("error", std::string()).find("permission denied: uid 65534"),
              std::string::npos)
        << reply.dump();
    EXPECT_TRUE(
        daemon.wait_for_stderr(std::regex("refused connection: permission denied: uid 65534"), 5s));
    // The owner (root here) is served.
    EXPECT_TRUE(api_call(dirs, {{"op", "status"}}).value("ok", false));
}

TEST_F(DaemonProcess, SocketActivationStartsTheDaemonOnFirstConnection) {
    // systemd-socket-activate plays systemd's part: it binds the socket and
    // starts the daemon with it as fd 3 (LISTEN_FDS) on the first connection.
    write_file(dirs.config(), "{}");
    Process activator = Process::spawn(
        {"systemd-socket-activate", "-l", dirs.socket().string(), bin("aciswarm"), "daemon",
         "--config=" + dirs.config().string(), "--store=" + dirs.store().string(),
         "--cache-dir=" + dirs.cache().string(), "--socket=" + (tmp / "unused.sock").string(),
         "--socket-group=", "--listen-address=127.0.0.1", "--listen-port=0", "--lsd=false"});
    ASSERT_TRUE(activator.wait_for_stderr(std::regex("Listening on"), 10s))
        << activator.stderr_text();
    EXPECT_FALSE(activator.wait_for_stderr(std::regex("listening unix"), 1ms))
        << "not started before a client";
    const auto st = api_call(dirs, {{"op", "status"}}, nullptr, 30s);
    EXPECT_TRUE(st.value("ok", false)) << st.dump() << activator.stderr_text();
    EXPECT_TRUE(activator.wait_for_stderr(std::regex("\\(socket activation\\)"), 5s));
    EXPECT_FALSE(std::filesystem::exists(tmp / "unused.sock"));
    activator.signal(SIGTERM);
}

TEST_F(DaemonProcess, StatusCommandShowsTheDaemonsView) {
    Process daemon = start_daemon(dirs, {"--seed-policy=ratio=2"});
    ASSERT_GT(wait_daemon_ready(daemon), 0) << daemon.stderr_text();
    const RunResult r = run({bin("aciswarm"), "status", "--socket=" + dirs.socket().string()});
    EXPECT_EQ(r.status.code, 0) << r.err;
    EXPECT_NE(r.out.find("default policy ratio=2, seeding 0 of 0 images"), std::string::npos)
        << r.out;
    const RunResult no_daemon =
        run({bin("aciswarm"), "status", "--socket=" + (tmp / "none.sock").string()});
    EXPECT_EQ(no_daemon.status.code, 1);
    EXPECT_NE(no_daemon.err.find("none.sock"), std::string::npos) << no_daemon.err;
    const RunResult bad = run({bin("aciswarm"), "image", "seed", "sha512-aa", "--for=1h",
                               "--forever", "--socket=" + dirs.socket().string()});
    EXPECT_EQ(bad.status.code, 2);
    EXPECT_NE(bad.err.find("exactly one of"), std::string::npos) << bad.err;
    const RunResult missing = run({bin("aciswarm"), "image", "seed", "sha512-aa", "--for=1h",
                                   "--socket=" + dirs.socket().string()});
    EXPECT_EQ(missing.status.code, 1);
    EXPECT_NE(missing.err.find("no image matches 'aa'"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace aciswarm::test
