// Image manifest parsing and rkt's name/label rule: every bad input is an
// error naming the reason, never a crash.
#include <gtest/gtest.h>

#include "appc/manifest.hpp"
#include "tests/support/aci_builder.hpp"

namespace aciswarm::appc {
namespace {

std::string error_of(std::string_view json) {
    auto r = parse_manifest(json);
    EXPECT_FALSE(r) << json;
    return r ? std::string() : r.error().message;
}

TEST(Manifest, ParsesNameVersionAndLabels) {
    const std::string json =
        test::make_manifest("example.com/app", {{"version", "1.0"}, {"os", "linux"}});
    auto m = parse_manifest(json);
    ASSERT_TRUE(m) << m.error().message;
    EXPECT_EQ(m->name, "example.com/app");
    EXPECT_EQ(m->ac_version, "0.8.11");
    EXPECT_EQ(m->labels.at("version"), "1.0");
    EXPECT_EQ(m->labels.at("os"), "linux");
    EXPECT_EQ(m->raw, json);
}

TEST(Manifest, LabelsAreOptional) {
    auto m = parse_manifest(R"({"acKind":"ImageManifest","acVersion":"0.8.11","name":"a/b"})");
    ASSERT_TRUE(m) << m.error().message;
    EXPECT_TRUE(m->labels.empty());
}

TEST(Manifest, RejectsEveryBadInput) {
    EXPECT_NE(error_of("").find("not valid JSON"), std::string::npos);
    EXPECT_NE(error_of("{\"acKind\":").find("not valid JSON"), std::string::npos);
    EXPECT_NE(error_of("[1,2]").find("not a JSON object"), std::string::npos);
    EXPECT_NE(error_of(R"({"acVersion":"1","name":"a"})").find("no acKind"), std::string::npos);
    EXPECT_NE(error_of(R"({"acKind":1,"acVersion":"1","name":"a"})").find("acKind is not a string"),
              std::string::npos);
    EXPECT_NE(error_of(R"({"acKind":"PodManifest","acVersion":"1","name":"a"})")
                  .find("acKind is 'PodManifest', want 'ImageManifest'"),
              std::string::npos);
    EXPECT_NE(error_of(R"({"acKind":"ImageManifest","name":"a"})").find("no acVersion"),
              std::string::npos);
    EXPECT_NE(error_of(R"({"acKind":"ImageManifest","acVersion":"","name":"a"})")
                  .find("acVersion is not a non-empty string"),
              std::string::npos);
    EXPECT_NE(error_of(R"({"acKind":"ImageManifest","acVersion":"1"})").find("no name"),
              std::string::npos);
    EXPECT_NE(error_of(R"({"acKind":"ImageManifest","acVersion":"1","name":7})")
                  .find("name is not a string"),
              std::string::npos);
    EXPECT_NE(error_of(R"({"acKind":"ImageManifest","acVersion":"1","name":"Example.com/App"})")
                  .find("'Example.com/App' is not a valid AC Identifier"),
              std::string::npos);
    EXPECT_NE(error_of(R"({"acKind":"ImageManifest","acVersion":"1","name":"a","labels":{}})")
                  .find("labels is not an array"),
              std::string::npos);
    EXPECT_NE(error_of(R"({"acKind":"ImageManifest","acVersion":"1","name":"a","labels":[3]})")
                  .find("a label is not an object"),
              std::string::npos);
    EXPECT_NE(error_of(R"({"acKind":"ImageManifest","acVersion":"1","name":"a",
                           "labels":[{"value":"x"}]})")
                  .find("a label has no string name"),
              std::string::npos);
    EXPECT_NE(error_of(R"({"acKind":"ImageManifest","acVersion":"1","name":"a",
                           "labels":[{"name":"os"}]})")
                  .find("label 'os' has no string value"),
              std::string::npos);
    EXPECT_NE(error_of(R"({"acKind":"ImageManifest","acVersion":"1","name":"a",
                           "labels":[{"name":"OS","value":"x"}]})")
                  .find("label name 'OS' has an uppercase letter 'O'"),
              std::string::npos);
    EXPECT_NE(error_of(R"({"acKind":"ImageManifest","acVersion":"1","name":"a",
                           "labels":[{"name":"name","value":"x"}]})")
                  .find("label name 'name' is reserved"),
              std::string::npos);
    EXPECT_NE(error_of(R"({"acKind":"ImageManifest","acVersion":"1","name":"a",
                           "labels":[{"name":"os","value":"x"},{"name":"os","value":"y"}]})")
                  .find("label 'os' appears twice"),
              std::string::npos);
}

TEST(Manifest, RejectsDeepNestingAndOversize) {
    std::string deep = R"({"acKind":"ImageManifest","acVersion":"1","name":"a","x":)";
    deep += std::string(1000, '[') + std::string(1000, ']') + "}";
    EXPECT_NE(error_of(deep).find("nested deeper"), std::string::npos);

    std::string big = test::make_manifest("a/b");
    big.insert(1, "\"pad\":\"" + std::string(max_manifest_bytes, 'x') + "\",");
    auto r = parse_manifest(big);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::too_large);
}

TEST(Expectation, NameMustMatchAndRequestedLabelsMustBePresent) {
    auto m = parse_manifest(
        test::make_manifest("example.com/app", {{"version", "1.0"}, {"os", "linux"}}));
    ASSERT_TRUE(m);
    EXPECT_TRUE(check_expectation(*m, {}));
    EXPECT_TRUE(check_expectation(*m, {std::string("example.com/app"), {{"version", "1.0"}}}));
    // The manifest may carry more labels than requested.
    EXPECT_TRUE(check_expectation(*m, {std::nullopt, {{"os", "linux"}}}));

    auto wrong_name = check_expectation(*m, {std::string("example.com/other"), {}});
    ASSERT_FALSE(wrong_name);
    EXPECT_NE(wrong_name.error().message.find("'example.com/app' does not match the requested "
                                              "'example.com/other'"),
              std::string::npos);
    auto wrong_value = check_expectation(*m, {std::nullopt, {{"version", "2.0"}}});
    ASSERT_FALSE(wrong_value);
    EXPECT_NE(wrong_value.error().message.find("label 'version' is '1.0', requested '2.0'"),
              std::string::npos);
    auto missing = check_expectation(*m, {std::nullopt, {{"arch", "amd64"}}});
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().message.find("no label 'arch'"), std::string::npos);
}

}  // namespace
}  // namespace aciswarm::appc
