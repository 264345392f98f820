// Every command's help, walked from the command table (agent/cli/commands.cpp)
// so a new command is checked without touching this file: -h and --help exit
// 0, print one usage line, an examples section, and nothing wider than 80
// columns. Also the group commands (`aciswarm image`), `aciswarm help CMD`
// and aciswarm-tracker's help.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <sstream>

#include "agent/cli/cli.hpp"
#include "tests/support/process.hpp"

namespace aciswarm::test {
namespace {

std::vector<std::string> words(std::string_view name) {
    std::vector<std::string> out;
    std::istringstream in{std::string(name)};
    for (std::string w; in >> w;)
        out.push_back(w);
    return out;
}

int count_of(const std::string& text, std::string_view needle) {
    int n = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
        ++n;
    return n;
}

// The checks every help text passes; `who` names it in failures.
void expect_good_help(const std::string& help, const std::string& who) {
    EXPECT_EQ(help.rfind("usage: ", 0), 0u) << who << ":\n" << help;
    EXPECT_EQ(count_of(help, "usage:"), 1) << who << ":\n" << help;
    const auto examples = help.find("\nexamples:\n");
    ASSERT_NE(examples, std::string::npos) << who << ":\n" << help;
    // Two or three examples, and they end the help.
    std::istringstream tail(help.substr(examples + 11));
    int lines = 0;
    for (std::string line; std::getline(tail, line);) {
        if (line.starts_with("  ") && !line.starts_with("    ")) ++lines;
        EXPECT_FALSE(line.empty()) << who << ": something follows the examples";
    }
    EXPECT_GE(lines, 2) << who << ":\n" << help;
    EXPECT_LE(lines, 3) << who << ":\n" << help;
    std::istringstream in(help);
    for (std::string line; std::getline(in, line);)
        EXPECT_LE(line.size(), 80u) << who << ": " << line;
}

TEST(AciswarmHelp, EveryCommandInTheTableTakesDashHAndDashDashHelp) {
    std::set<std::string> groups;
    int checked = 0;
    for (const agent::Command& c : agent::commands()) {
        const auto name = words(c.name);
        if (name.size() > 1) groups.insert(name.front());
        for (const char* flag : {"-h", "--help"}) {
            std::vector<std::string> argv{bin("aciswarm")};
            argv.insert(argv.end(), name.begin(), name.end());
            argv.emplace_back(flag);
            const std::string who = "aciswarm " + std::string(c.name) + " " + flag;
            auto r = run(argv);
            EXPECT_EQ(r.status.code, 0) << who << ": " << r.err;
            EXPECT_TRUE(r.err.empty()) << who << ": " << r.err;
            EXPECT_EQ(r.out.rfind("usage: aciswarm " + std::string(c.name), 0), 0u) << who << ":\n"
                                                                                    << r.out;
            expect_good_help(r.out, who);
            ++checked;
        }
    }
    EXPECT_GE(checked, 2 * 17);
    EXPECT_TRUE(groups.contains("image"));
}

TEST(AciswarmHelp, GroupCommandsPrintTheirOwnHelp) {
    std::set<std::string> seen;
    for (const agent::Command& c : agent::commands()) {
        const auto name = words(c.name);
        if (name.size() < 2 || !seen.insert(name.front()).second) continue;
        const std::string group = name.front();
        // A group that is also a command of its own (`trust --prefix=...`, as rkt's) prints
        // that command's help, which names the group's other commands.
        const bool also_a_command = std::any_of(
            agent::commands().begin(), agent::commands().end(),
            [&](const agent::Command& other) { return std::string(other.name) == group; });
        auto help = run({bin("aciswarm"), group, "--help"});
        if (also_a_command) {
            EXPECT_EQ(help.status.code, 0) << help.err;
            EXPECT_NE(help.out.find("aciswarm " + std::string(c.name)), std::string::npos)
                << help.out;
            expect_good_help(help.out, "aciswarm " + group + " --help");
            continue;
        }
        EXPECT_EQ(help.status.code, 0) << help.err;
        EXPECT_EQ(help.out.find("unknown command"), std::string::npos) << help.out;
        EXPECT_NE(help.out.find(std::string(c.name)), std::string::npos) << help.out;
        expect_good_help(help.out, "aciswarm " + group + " --help");
        auto bare = run({bin("aciswarm"), group});
        EXPECT_EQ(bare.status.code, 2);
        EXPECT_EQ(bare.err.find("unknown command"), std::string::npos) << bare.err;
        EXPECT_NE(bare.err.find("usage: aciswarm " + group + " COMMAND"), std::string::npos)
            << bare.err;
    }
    auto bogus = run({bin("aciswarm"), "image", "bogus"});
    EXPECT_EQ(bogus.status.code, 2);
    EXPECT_NE(bogus.err.find("unknown command 'image bogus'"), std::string::npos) << bogus.err;
}

TEST(AciswarmHelp, HelpCommandPrintsThatCommandsHelp) {
    auto fetch = run({bin("aciswarm"), "help", "fetch"});
    EXPECT_EQ(fetch.status.code, 0) << fetch.err;
    EXPECT_EQ(fetch.out.rfind("usage: aciswarm fetch", 0), 0u) << fetch.out;
    EXPECT_EQ(fetch.out, run({bin("aciswarm"), "fetch", "--help"}).out);
    auto list = run({bin("aciswarm"), "help", "image", "list"});
    EXPECT_EQ(list.out.rfind("usage: aciswarm image list", 0), 0u) << list.out;
    auto top = run({bin("aciswarm"), "help"});
    EXPECT_EQ(top.status.code, 0);
    expect_good_help(top.out, "aciswarm help");
}

TEST(TrackerHelp, OneUsageLineRepeatableOnceExamplesAndEightyColumns) {
    for (const char* flag : {"-h", "--help"}) {
        auto r = run({bin("aciswarm-tracker"), flag});
        EXPECT_EQ(r.status.code, 0) << r.err;
        EXPECT_EQ(r.out.rfind("usage: aciswarm-tracker", 0), 0u) << r.out;
        EXPECT_EQ(r.out.find("usage: usage:"), std::string::npos) << r.out;
        EXPECT_EQ(r.out.find("(repeatable; "), std::string::npos) << r.out;
        EXPECT_EQ(r.out.find("(repeatable) (repeatable)"), std::string::npos) << r.out;
        // Each list option (--http, --udp, --sync-peer, --sync-allow, --zone) says it once.
        EXPECT_EQ(count_of(r.out, "repeatable"), 5) << r.out;
        expect_good_help(r.out, std::string("aciswarm-tracker ") + flag);
    }
}

}  // namespace
}  // namespace aciswarm::test
