#include <gtest/gtest.h>

#include "common/options.hpp"

namespace aciswarm {
namespace {

OptionParser parser() {
    return OptionParser("tool [OPTIONS] FILE",
                        {{"mode", OptionSpec::Kind::value, "swarm mode", "MODE"},
                         {"http", OptionSpec::Kind::list, "listen address", "ADDR:PORT"},
                         {"locked", OptionSpec::Kind::flag, "whitelist only"},
                         {"verbose", OptionSpec::Kind::flag, "debug logging", "", 'v'}});
}

Result<ParsedOptions> parse(std::vector<std::string> args) {
    return parser().parse(args);
}

TEST(Options, ParsesEqualsAndSeparateValues) {
    auto o = parse({"--mode=small", "--http", "127.0.0.1:1", "--http=[::1]:2", "file"});
    ASSERT_TRUE(o) << o.error().message;
    EXPECT_EQ(o->get("mode"), "small");
    EXPECT_EQ(o->get_all("http"), (std::vector<std::string>{"127.0.0.1:1", "[::1]:2"}));
    EXPECT_EQ(o->positional(), (std::vector<std::string>{"file"}));
    EXPECT_FALSE(o->has("locked"));
}

TEST(Options, BooleansTakeTrueFalse) {
    EXPECT_TRUE(parse({"--locked"})->flag("locked"));
    EXPECT_TRUE(parse({"--locked=true"})->flag("locked"));
    EXPECT_FALSE(parse({"--locked=false"})->flag("locked"));
    auto bad = parse({"--locked=maybe"});
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("--locked"), std::string::npos);
}

TEST(Options, ShortFlagsCount) {
    auto o = parse({"-vv", "x"});
    ASSERT_TRUE(o);
    EXPECT_EQ(o->count("verbose"), 2);
    EXPECT_TRUE(o->flag("verbose"));
}

TEST(Options, ErrorsNameTheOption) {
    auto unknown = parse({"--nope=1"});
    ASSERT_FALSE(unknown);
    EXPECT_NE(unknown.error().message.find("--nope"), std::string::npos);
    auto missing = parse({"--mode"});
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().message.find("--mode needs a value"), std::string::npos);
    EXPECT_FALSE(parse({"-x"}));
}

TEST(Options, DoubleDashEndsOptions) {
    auto o = parse({"--", "--mode=x", "-"});
    ASSERT_TRUE(o);
    EXPECT_EQ(o->positional(), (std::vector<std::string>{"--mode=x", "-"}));
}

TEST(Options, LastValueWins) {
    EXPECT_EQ(parse({"--mode=a", "--mode=b"})->get("mode"), "b");
}

TEST(Options, HelpListsEveryOption) {
    const std::string h = parser().help();
    for (const char* s :
         {"usage: tool", "--mode=MODE", "--http=ADDR:PORT", "(repeatable)", "-v, --verbose"}) {
        EXPECT_NE(h.find(s), std::string::npos) << s;
    }
}

TEST(Options, EveryParserTakesDashHAndDashDashHelp) {
    const OptionParser p("tool", {{"mode", OptionSpec::Kind::value, "swarm mode", "MODE"}});
    ASSERT_TRUE(p.parse(std::vector<std::string>{"-h"})) << "-h refused";
    EXPECT_TRUE(p.parse(std::vector<std::string>{"-h"})->flag("help"));
    EXPECT_TRUE(p.parse(std::vector<std::string>{"--help"})->flag("help"));
    // A table with --help but no -h gets -h too.
    const OptionParser q("tool", {{"help", OptionSpec::Kind::flag, "show this help"}});
    EXPECT_TRUE(q.parse(std::vector<std::string>{"-h"})->flag("help"));
}

TEST(Options, OldSpellingsAreAcceptedUnderTheNewNameAndHidden) {
    const OptionParser p("tool", {{"max-connections",
                                   OptionSpec::Kind::value,
                                   "peer limit",
                                   "N",
                                   0,
                                   {"connections-limit"}}});
    auto o = p.parse(std::vector<std::string>{"--connections-limit=7"});
    ASSERT_TRUE(o) << o.error().message;
    EXPECT_EQ(o->get("max-connections"), "7");
    auto both =
        p.parse(std::vector<std::string>{"--connections-limit=7", "--max-connections", "9"});
    EXPECT_EQ(both->get("max-connections"), "9");
    EXPECT_EQ(p.help().find("connections-limit"), std::string::npos) << p.help();
}

TEST(Options, HelpFitsEightyColumnsSaysRepeatableOnceAndEndsWithExamples) {
    const OptionParser p(
        "tool [OPTIONS] SOME-VERY-LONG-ARGUMENT-NAME [ANOTHER-LONG-ARGUMENT] [A-THIRD-ONE] "
        "[AND-A-FOURTH]\n\nA description line that is itself far longer than eighty columns, "
        "so the help must wrap it at a space.",
        {{"http", OptionSpec::Kind::list,
          "HTTP listen address (repeatable; default 0.0.0.0:6969 and [::]:6969) and some more "
          "words to make it wrap",
          "ADDR:PORT"},
         {"a-rather-long-option-name-indeed", OptionSpec::Kind::value, "short help", "VALUE"},
         {"peer", OptionSpec::Kind::list, "ask this peer", "ADDR:PORT"}},
        {"tool --http=127.0.0.1:6969 FILE", "tool --peer=10.0.0.2:6881 FILE"});
    const std::string h = p.help();
    EXPECT_EQ(h.rfind("usage: tool", 0), 0u) << h;
    EXPECT_EQ(h.find("usage:", 1), std::string::npos) << h;
    std::size_t start = 0;
    while (start < h.size()) {
        const std::size_t nl = h.find('\n', start);
        EXPECT_LE(nl - start, help_width) << h.substr(start, nl - start);
        start = nl + 1;
    }
    auto occurrences = [&](std::string_view needle) {
        int n = 0;
        for (auto at = h.find(needle); at != std::string::npos; at = h.find(needle, at + 1))
            ++n;
        return n;
    };
    EXPECT_EQ(occurrences("repeatable"), 2) << h;  // once for --http (its own), once for --peer
    const auto examples = h.find("\nexamples:\n  tool --http=127.0.0.1:6969 FILE\n");
    ASSERT_NE(examples, std::string::npos) << h;
    EXPECT_GT(examples, h.find("--peer=ADDR:PORT"));
}

TEST(Options, WrapBreaksAtSpacesAndIndents) {
    EXPECT_EQ(wrap_text("aaa bbb ccc", 7, 2), "aaa bbb\n  ccc");
    EXPECT_EQ(wrap_text("short", 80, 4), "short");
    EXPECT_EQ(wrap_text("averyveryverylongword x", 5, 0), "averyveryverylongword\nx");
    EXPECT_EQ(wrap_text("  list    what is stored", 80, 10), "  list    what is stored");
    EXPECT_EQ(wrap_text("  list    what is stored", 14, 10),
              "  list    what\n          is\n"
              "          stored");
}

}  // namespace
}  // namespace aciswarm
