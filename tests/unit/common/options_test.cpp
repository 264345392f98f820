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

}  // namespace
}  // namespace aciswarm
