// Image arguments: name[:version][,label=value]*, AC name rules, host defaults.
#include <gtest/gtest.h>

#include <string_view>
#include <utility>

#include "discovery/image_ref.hpp"

namespace aciswarm::discovery {
namespace {

TEST(DiscoveryImageRef, NameOnly) {
    auto r = parse_image_ref("example.com/reduce-worker");
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->name, "example.com/reduce-worker");
    EXPECT_TRUE(r->labels.empty());
}

TEST(DiscoveryImageRef, ColonIsVersionAndLabelsKeepOrder) {
    auto r = parse_image_ref("coreos.com/etcd:v2.0.0,os=linux,channel=beta,arch=amd64");
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->name, "coreos.com/etcd");
    const std::vector<Label> want{
        {"version", "v2.0.0"}, {"os", "linux"}, {"channel", "beta"}, {"arch", "amd64"}};
    EXPECT_EQ(r->labels, want);
    EXPECT_EQ(r->to_string(), "coreos.com/etcd,version=v2.0.0,os=linux,channel=beta,arch=amd64");
}

TEST(DiscoveryImageRef, VersionAsLabel) {
    auto r = parse_image_ref("example.com/app,version=1.2");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->label("version"), "1.2");
}

struct BadCase {
    const char* argument;
    const char* expect_in_message;
    friend void PrintTo(const BadCase& c, std::ostream* os) { *os << "'" << c.argument << "'"; }
};

class DiscoveryImageRefErrors : public ::testing::TestWithParam<BadCase> {};

TEST_P(DiscoveryImageRefErrors, RejectedNamingTheInput) {
    auto r = parse_image_ref(GetParam().argument);
    ASSERT_FALSE(r) << GetParam().argument;
    EXPECT_EQ(r.error().code, Errc::invalid_argument);
    EXPECT_NE(r.error().message.find(GetParam().argument), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find(GetParam().expect_in_message), std::string::npos)
        << r.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    All, DiscoveryImageRefErrors,
    ::testing::Values(
        BadCase{"", "empty"},
        BadCase{"Example.com/app",
                "has an uppercase letter 'E'; an appc name has "
                "lowercase letters a-z, digits 0-9"},
        BadCase{"example.com//app", "has two separators in a row ('//')"},
        BadCase{"example.com/app/", "ends with '/'"}, BadCase{"-example.com", "starts with '-'"},
        BadCase{"example.com/my app", "has a space"}, BadCase{"example.com/app#1", "has '#'"},
        BadCase{"example.com/app:1:2", "more than one ':'"},
        BadCase{"example.com/app,os=linux:1", "before the first ','"},
        BadCase{"example.com/app:1,version=2", "given twice"},
        BadCase{"example.com/app,os=linux,os=freebsd", "given twice"},
        BadCase{"example.com/app:", "empty value"}, BadCase{"example.com/app,os=", "empty value"},
        BadCase{"example.com/app,os", "not label=value"},
        BadCase{"example.com/app,", "not label=value"},
        BadCase{"example.com/app,OS=linux", "label name"},
        BadCase{"example.com/app,name=x", "not a label"},
        BadCase{"example.com/app,ext=x", "not a label"},
        BadCase{"example.com/app,channel={ext}", "'{'"}));

TEST(DiscoveryImageRef, NameErrorsSayTheRuleInWordsNotARegex) {
    for (std::string_view bad :
         {"Example.com/app", "example.com/app,OS=linux", "a..b", "a\x1b[1m"}) {
        auto r = parse_image_ref(bad);
        ASSERT_FALSE(r) << bad;
        EXPECT_EQ(r.error().message.find("^[a-z"), std::string::npos) << r.error().message;
        EXPECT_NE(r.error().message.find("lowercase letters a-z, digits 0-9 and the separators"),
                  std::string::npos)
            << r.error().message;
        EXPECT_EQ(r.error().message.find('\x1b'), std::string::npos) << r.error().message;
    }
}

TEST(DiscoveryImageRef, ArchSpelling) {
    const std::pair<std::string_view, std::string_view> cases[] = {
        {"x86_64", "amd64"},    {"i686", "i386"},     {"arm64", "aarch64"},
        {"aarch64", "aarch64"}, {"armv7l", "armv7l"}, {"ppc64le", "ppc64le"},
        {"riscv64", "riscv64"},
    };
    for (const auto& [machine, arch] : cases)
        EXPECT_EQ(appc_arch_from_machine(machine), arch) << machine;
}

TEST(DiscoveryImageRef, HostPlatformIsAppcSpelling) {
    const Platform p = host_platform();
    EXPECT_EQ(p.os, "linux");
#if defined(__x86_64__)
    EXPECT_EQ(p.arch, "amd64");
#elif defined(__aarch64__)
    EXPECT_EQ(p.arch, "aarch64");
#endif
    EXPECT_NE(p.arch, "x86_64");
}

TEST(DiscoveryImageRef, DefaultsAddedAfterGivenLabelsOnlyWhenMissing) {
    auto r = parse_image_ref("example.com/app,arch=armv7l,channel=beta");
    ASSERT_TRUE(r);
    const ImageRef d = with_defaults(*r, Platform{"linux", "amd64"});
    const std::vector<Label> want{
        {"arch", "armv7l"}, {"channel", "beta"}, {"version", "latest"}, {"os", "linux"}};
    EXPECT_EQ(d.labels, want);
}

}  // namespace
}  // namespace aciswarm::discovery
