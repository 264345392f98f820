#include "agent/mirror/route.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace aciswarm::agent::mirror {
namespace {

const std::string hex64(64, 'a');
const std::string digest = "sha256:" + hex64;

TEST(MirrorRoute, ApiVersionCheck) {
    auto r = parse_mirror_target("/v2/");
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->kind, MirrorRoute::Kind::api_version);
    EXPECT_TRUE(parse_mirror_target("/v2"));
}

TEST(MirrorRoute, ManifestByTagAsContainerdSendsIt) {
    auto r = parse_mirror_target("/v2/test/app/manifests/1.0?ns=127.0.0.1%3A25000");
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->kind, MirrorRoute::Kind::manifest);
    EXPECT_EQ(r->registry, "127.0.0.1:25000");
    EXPECT_EQ(r->repository, "test/app");
    EXPECT_EQ(r->reference, "1.0");
    EXPECT_FALSE(r->digest);
}

TEST(MirrorRoute, ManifestAndBlobByDigest) {
    auto m = parse_mirror_target("/v2/library/alpine/manifests/" + digest + "?ns=docker.io");
    ASSERT_TRUE(m) << m.error().message;
    ASSERT_TRUE(m->digest);
    EXPECT_EQ(m->digest->to_string(), digest);
    EXPECT_EQ(m->digest->hex(), hex64);
    auto b = parse_mirror_target("/v2/library/alpine/blobs/" + digest + "?ns=docker.io");
    ASSERT_TRUE(b) << b.error().message;
    EXPECT_EQ(b->kind, MirrorRoute::Kind::blob);
    EXPECT_EQ(b->repository, "library/alpine");
}

TEST(MirrorRoute, NameMayHoldTheWordsOfTheRoutes) {
    auto r = parse_mirror_target("/v2/a/blobs/b/manifests/latest?ns=r.example");
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->kind, MirrorRoute::Kind::manifest);
    EXPECT_EQ(r->repository, "a/blobs/b");
}

TEST(MirrorRoute, RefusesWhatTheGrammarDoesNot) {
    const std::string tail = "/blobs/" + digest + "?ns=docker.io";
    for (const std::string name :
         {"../etc", "a/../b", "a..b", "A/b", "a//b", "/a", "a/", "-a", "a-", "a___b", "a b"}) {
        auto r = parse_mirror_target("/v2/" + name + tail);
        ASSERT_FALSE(r) << name;
        EXPECT_EQ(r.error().code, Errc::invalid_argument);
    }
    EXPECT_TRUE(parse_mirror_target("/v2/a__b/c-d/e.f/g---h" + tail));
}

TEST(MirrorRoute, RefusesOversizeNamesAndTargets) {
    std::string name(255, 'a');
    EXPECT_TRUE(parse_mirror_target("/v2/" + name + "/manifests/x?ns=docker.io"));
    name += 'a';
    auto r = parse_mirror_target("/v2/" + name + "/manifests/x?ns=docker.io");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("repository"), std::string::npos);
    EXPECT_FALSE(parse_mirror_target("/v2/a/manifests/" + std::string(129, 't') + "?ns=docker.io"));
    auto huge = parse_mirror_target("/v2/" + std::string(5000, 'a'));
    ASSERT_FALSE(huge);
    EXPECT_LT(huge.error().message.size(), 200u);
}

TEST(MirrorRoute, RefusesBadDigestsWithOneLine) {
    for (const std::string& bad : std::vector<std::string>{
             "sha256:" + std::string(63, 'a'), "sha256:" + std::string(64, 'A'),
             "sha512:" + std::string(128, 'a'), "sha256:" + std::string(63, 'a') + "g", "latest",
             "sha256:\n" + std::string(63, 'a')}) {
        auto r = parse_mirror_target("/v2/a/blobs/" + bad + "?ns=docker.io");
        ASSERT_FALSE(r) << bad;
        EXPECT_EQ(r.error().message.find('\n'), std::string::npos) << r.error().message;
    }
}

TEST(MirrorRoute, RefusesMissingOrBadNamespace) {
    EXPECT_FALSE(parse_mirror_target("/v2/a/manifests/latest"));
    for (const std::string ns : {"", "a b", "a/b", "a..b", "-a.example", "a.example:0",
                                 "a.example:65536", "a.example:x", "[zz]:1", "a.example."}) {
        EXPECT_FALSE(parse_mirror_route("/v2/a/manifests/latest", ns)) << ns;
    }
    for (const std::string ns : {"docker.io", "registry.example:5000", "[::1]:5000", "[::1]",
                                 "localhost", "10.0.0.1:5000"}) {
        EXPECT_TRUE(parse_mirror_route("/v2/a/manifests/latest", ns)) << ns;
    }
}

TEST(MirrorRoute, RefusesOtherPathsAndBadEscapes) {
    EXPECT_FALSE(parse_mirror_target("/v1/a/manifests/x?ns=docker.io"));
    EXPECT_FALSE(parse_mirror_target("/v2/a/tags/list?ns=docker.io"));
    EXPECT_FALSE(parse_mirror_target("/v2/a/manifests/?ns=docker.io"));
    EXPECT_FALSE(parse_mirror_target("/v2/a/manifests/x?ns=%zz"));
    EXPECT_FALSE(parse_mirror_target("/v2/a%/manifests/x?ns=docker.io"));
}

}  // namespace
}  // namespace aciswarm::agent::mirror
