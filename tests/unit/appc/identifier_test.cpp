// appc's name types: AC Identifier (image and label names), AC Name, and the
// label-name rule that discovery and the store share.
#include <gtest/gtest.h>

#include <string_view>
#include <utility>

#include "appc/identifier.hpp"
#include "appc/label.hpp"
#include "appc/name.hpp"

namespace aciswarm::appc {
namespace {

// The spec's regex is the rule: its prose example "example.com/~user/app_v1"
// does not match it ("/~" are two separators in a row), and appc's Go code
// refuses it too.
TEST(AcIdentifier, AcceptsTheSpecExamplesAndRefusesTheRest) {
    for (std::string_view good :
         {"a", "database", "example.com/database", "example.com/user/app_v1",
          "sub-domain.example.com/org/product/release", "a.b"}) {
        EXPECT_TRUE(is_ac_identifier(good)) << good;
        EXPECT_EQ(ac_identifier_problem(good), "") << good;
    }
    for (std::string_view bad :
         {"", "-a", "a-", "a/", "a//b", "a..b", "a b", "a:b", "A", "example.com/~user/app_v1"}) {
        EXPECT_FALSE(is_ac_identifier(bad)) << bad;
        EXPECT_NE(ac_identifier_problem(bad), "") << bad;
    }
}

TEST(AcIdentifier, ProblemsSayWhatIsWrongInWords) {
    const std::pair<std::string_view, std::string_view> cases[] = {
        {"", "is empty"},          {"Example", "has an uppercase letter 'E'"},
        {"a b", "has a space"},    {"a:b", "has ':'"},
        {"a\x1b", "has '\\x1b'"},  {"a._b", "has two separators in a row ('._')"},
        {"/a", "starts with '/'"}, {"a~", "ends with '~'"},
    };
    for (const auto& [text, problem] : cases)
        EXPECT_EQ(ac_identifier_problem(text), problem) << text;
}

TEST(AcName, OnlyDashesSeparate) {
    EXPECT_TRUE(is_ac_name("version"));
    EXPECT_TRUE(is_ac_name("my-label2"));
    EXPECT_FALSE(is_ac_name("a.b"));
    EXPECT_FALSE(is_ac_name("a/b"));
    EXPECT_FALSE(is_ac_name("a-"));
    EXPECT_FALSE(is_ac_name(""));
}

TEST(LabelName, IsAnAcIdentifierOtherThanName) {
    for (std::string_view good : {"version", "os", "a.b", "example.com/channel", "x_y~z"}) {
        EXPECT_TRUE(is_label_name(good)) << good;
        EXPECT_EQ(label_name_problem(good), "") << good;
    }
    for (std::string_view bad : {"", "OS", "a..b", "name"}) {
        EXPECT_FALSE(is_label_name(bad)) << bad;
        EXPECT_NE(label_name_problem(bad), "") << bad;
    }
    EXPECT_NE(label_name_problem("name").find("reserved"), std::string::npos);
}

}  // namespace
}  // namespace aciswarm::appc
