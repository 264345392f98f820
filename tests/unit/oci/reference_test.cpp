#include "oci/reference.hpp"

#include <gtest/gtest.h>

namespace aciswarm::oci {
namespace {

constexpr std::string_view a_digest =
    "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

Reference parsed(std::string_view text) {
    auto r = parse_reference(text);
    EXPECT_TRUE(r) << text << ": " << (r ? "" : r.error().message);
    return r ? *r : Reference{};
}

TEST(OciReference, DockerHubDefaults) {
    const Reference r = parsed("alpine");
    EXPECT_EQ(r.registry, "docker.io");
    EXPECT_EQ(r.repository, "library/alpine");
    EXPECT_EQ(r.tag, "latest");
    EXPECT_FALSE(r.digest);
    EXPECT_EQ(r.to_string(), "docker.io/library/alpine:latest");
    EXPECT_EQ(registry_api_host(r.registry), "registry-1.docker.io");
    EXPECT_EQ(parsed("docker.io/alpine:3.19").repository, "library/alpine");
    EXPECT_EQ(parsed("index.docker.io/library/alpine").registry, "docker.io");
    EXPECT_EQ(parsed("bitnami/redis").repository, "bitnami/redis");
    EXPECT_EQ(parsed("bitnami/redis").registry, "docker.io");
}

TEST(OciReference, RegistryWithPortTagAndDigest) {
    const Reference r = parsed("docker://LocalHost:5000/team/app:v1.2@" + std::string(a_digest));
    EXPECT_EQ(r.registry, "localhost:5000");
    EXPECT_EQ(r.repository, "team/app");
    EXPECT_EQ(r.tag, "v1.2");
    ASSERT_TRUE(r.digest);
    EXPECT_EQ(r.manifest_reference(), a_digest);
    EXPECT_EQ(registry_api_host(r.registry), "localhost:5000");
    EXPECT_EQ(parsed("localhost/app").registry, "localhost");
    EXPECT_EQ(parsed("127.0.0.1:5000/a").registry, "127.0.0.1:5000");
    const Reference by_digest = parsed("ghcr.io/o/r@" + std::string(a_digest));
    EXPECT_EQ(by_digest.tag, "");
    EXPECT_EQ(by_digest.manifest_reference(), a_digest);
}

TEST(OciReference, SeparatorsOfThePathGrammar) {
    EXPECT_TRUE(parse_reference("a/b.c/d_e/f__g/h---i"));
    EXPECT_FALSE(parse_reference("a/b___c"));
    EXPECT_FALSE(parse_reference("a/.b"));
    EXPECT_FALSE(parse_reference("a/b-"));
    EXPECT_FALSE(parse_reference("a/B"));
    EXPECT_FALSE(parse_reference("a//b"));
    EXPECT_FALSE(parse_reference("registry.test/"));
    EXPECT_FALSE(parse_reference("-bad.host/a"));
    EXPECT_FALSE(parse_reference("host.test:port/a"));
}

TEST(OciReference, TagGrammar) {
    EXPECT_TRUE(parse_reference("a:_x.Y-1"));
    EXPECT_FALSE(parse_reference("a:.x"));
    EXPECT_FALSE(parse_reference("a:-x"));
    EXPECT_FALSE(parse_reference("a:"));
    EXPECT_FALSE(parse_reference("a:" + std::string(129, 'x')));
    EXPECT_TRUE(parse_reference("a:" + std::string(128, 'x')));
}

TEST(OciReference, ErrorsNameTheInputOnOneLine) {
    auto r = parse_reference("host.test/a\nb:tag");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::invalid_argument);
    EXPECT_EQ(r.error().message.find('\n'), std::string::npos);
    EXPECT_NE(r.error().message.find("host.test/a\\x0ab:tag"), std::string::npos);
    auto d = parse_reference("a@sha512:00");
    ASSERT_FALSE(d);
    EXPECT_NE(d.error().message.find("only sha256"), std::string::npos);
}

TEST(OciReference, NameLengthIsBounded) {
    EXPECT_FALSE(parse_reference("r.test/" + std::string(250, 'a')));
    EXPECT_TRUE(parse_reference("r.test/" + std::string(248, 'a')));
    EXPECT_FALSE(parse_reference(std::string(240, 'a')));  // docker.io/library/ in front
}

TEST(OciReference, PullScope) {
    EXPECT_EQ(pull_scope("library/alpine"), "repository:library/alpine:pull");
}

}  // namespace
}  // namespace aciswarm::oci
