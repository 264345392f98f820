// The test harness's child-process helper: its waits are what every
// integration test synchronises on, so they get tests of their own.
#include <gtest/gtest.h>

#include <regex>

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
