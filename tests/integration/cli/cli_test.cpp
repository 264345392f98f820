// The aciswarm binary's command line: help, version, usage errors.
#include <gtest/gtest.h>

#include "tests/support/process.hpp"

namespace aciswarm::test {
namespace {

TEST(AciswarmCli, VersionPrintsOnStdout) {
    auto r = run({bin("aciswarm"), "--version"});
    EXPECT_EQ(r.status.code, 0);
    EXPECT_TRUE(r.out.starts_with("aciswarm ")) << r.out;
}

TEST(AciswarmCli, HelpListsCommands) {
    auto r = run({bin("aciswarm"), "--help"});
    EXPECT_EQ(r.status.code, 0);
    EXPECT_NE(r.out.find("commands:"), std::string::npos);
    EXPECT_NE(r.out.find("version"), std::string::npos);
}

TEST(AciswarmCli, UnknownCommandIsUsageError) {
    auto r = run({bin("aciswarm"), "frobnicate"});
    EXPECT_EQ(r.status.code, 2);
    EXPECT_NE(r.err.find("unknown command 'frobnicate'"), std::string::npos) << r.err;
    EXPECT_TRUE(r.out.empty());
}

TEST(AciswarmCli, NoArgumentsPrintsUsageToStderr) {
    auto r = run({bin("aciswarm")});
    EXPECT_EQ(r.status.code, 2);
    EXPECT_NE(r.err.find("usage: aciswarm"), std::string::npos);
}

}  // namespace
}  // namespace aciswarm::test
