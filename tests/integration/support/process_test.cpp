// The test harness's child-process helper: its waits are what every
// integration test synchronises on, so they get tests of their own.
#include <gtest/gtest.h>

#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <regex>
#include <stdexcept>
#include <string>

#include "tests/support/process.hpp"

using namespace aciswarm::test;
using namespace std::chrono_literals;

TEST(Process, WaitForStderrSearchesOnlyLinesAfterTheLastMatch) {
    Process p = Process::spawn({"/bin/sh", "-c", "echo b >&2; echo a >&2"});
    ASSERT_TRUE(p.wait_for_stderr(std::regex("^a$"), 10s));
    // "b" came before "a": a sequential wait no longer sees it.
    EXPECT_FALSE(p.wait_for_stderr(std::regex("^b$"), 2s));
}

TEST(Process, WaitForStderrAllAcceptsAnyOrder) {
    Process p = Process::spawn({"/bin/sh", "-c", "echo second >&2; echo first >&2; read x"});
    auto missing = p.wait_for_stderr_all({std::regex("^first$"), std::regex("^second$")}, 10s);
    EXPECT_TRUE(missing.empty());
    p.signal(SIGTERM);
    EXPECT_TRUE(p.wait(10s));
}

TEST(Process, WaitForStderrAllNamesThePatternsThatNeverMatched) {
    Process p = Process::spawn({"/bin/sh", "-c", "echo one >&2; printf two >&2"});
    auto missing = p.wait_for_stderr_all(
        {std::regex("^one$"), std::regex("^three$"), std::regex("^two$")}, 10s);
    // The unterminated last line still counts once the child has exited.
    ASSERT_EQ(missing.size(), 1u);
    EXPECT_EQ(missing[0], 1u);
}

TEST(Process, TakesAStdinLargerThanAPipeFromAChildThatWritesAsItReads) {
    // cat writes what it reads: with stdin on a pipe, spawn blocked once both the
    // stdin and stdout pipes were full (nobody drained stdout yet).
    std::string input;
    for (int i = 0; input.size() < 1024 * 1024; ++i)
        input += std::to_string(i) + '\n';
    const RunResult r = run({"cat"}, {.stdin_data = input}, 30s);
    EXPECT_EQ(r.status.code, 0);
    EXPECT_EQ(r.out, input);
}

TEST(Process, NamesABinaryThatCannotStart) {
    try {
        Process::spawn({"aciswarm-no-such-binary"});
        FAIL() << "spawned a binary that does not exist";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("aciswarm-no-such-binary"), std::string::npos);
        EXPECT_NE(std::string(e.what()).find("No such file"), std::string::npos) << e.what();
    }
}

TEST(Process, AChildDiesWithTheProcessThatSpawnedIt) {
    // A test binary that aborts runs no destructors; its children must not
    // outlive it. Here a forked copy of this test spawns `sleep` and exits
    // without cleaning up.
    int pid_pipe[2];
    ASSERT_EQ(::pipe(pid_pipe), 0);
    const pid_t spawner = ::fork();
    ASSERT_GE(spawner, 0);
    if (spawner == 0) {
        Process sleeper = Process::spawn({"sleep", "60"});
        const pid_t pid = sleeper.pid();
        if (::write(pid_pipe[1], &pid, sizeof pid) != sizeof pid) ::_exit(2);
        ::_exit(0);  // no destructor: only the kernel can end `sleep` now
    }
    ::close(pid_pipe[1]);
    pid_t sleeper = -1;
    ASSERT_EQ(::read(pid_pipe[0], &sleeper, sizeof sleeper), static_cast<ssize_t>(sizeof sleeper));
    ::close(pid_pipe[0]);
    // Opened before the spawner is reaped; the sleeper's pid is not reused while
    // its parent (the spawner, then init) has not reaped it.
    const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, sleeper, 0));
    int status = 0;
    ASSERT_EQ(::waitpid(spawner, &status, 0), spawner);
    if (pidfd < 0) {
        ASSERT_EQ(errno, ESRCH);  // already gone
        return;
    }
    pollfd exited{pidfd, POLLIN, 0};
    const int ready = ::poll(&exited, 1, 10'000);
    if (ready != 1) ::syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, nullptr, 0);
    ::close(pidfd);
    EXPECT_EQ(ready, 1) << "sleep " << sleeper << " outlived its spawner";
}
