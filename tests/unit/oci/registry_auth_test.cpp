#include "oci/registry_auth.hpp"

#include <gtest/gtest.h>

namespace aciswarm::oci {
namespace {

TEST(OciChallenge, ReadsABearerChallenge) {
    auto c = parse_challenge(
        R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",)"
        R"(scope="repository:samalba/my-app:pull,push")");
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->scheme, "bearer");
    EXPECT_EQ(c->param("realm"), "https://auth.docker.io/token");
    EXPECT_EQ(c->param("service"), "registry.docker.io");
    EXPECT_EQ(c->param("scope"), "repository:samalba/my-app:pull,push");
    EXPECT_EQ(c->param("error"), "");
}

TEST(OciChallenge, TokensEscapesBlanksAndCase) {
    auto c = parse_challenge(R"(  basic   Realm = "a \"quoted\" realm" , charset=UTF-8)");
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->scheme, "basic");
    EXPECT_EQ(c->param("realm"), R"(a "quoted" realm)");
    EXPECT_EQ(c->param("charset"), "UTF-8");
}

TEST(OciChallenge, StopsAtASecondChallenge) {
    auto c = parse_challenge(R"(Bearer realm="r", Basic realm="b")");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->param("realm"), "r");
}

TEST(OciChallenge, RefusesBrokenHeadersWithoutQuotingThem) {
    for (std::string_view bad :
         {"", "  ", R"(Bearer realm="open)", "Bearer realm=", "Bearer a=b;c=d", "=x"}) {
        auto c = parse_challenge(bad);
        EXPECT_FALSE(c) << bad;
        if (!c) {
            EXPECT_EQ(c.error().code, Errc::protocol);
            EXPECT_TRUE(c.error().message.starts_with("WWW-Authenticate: "));
        }
    }
}

TEST(OciTokenResponse, TokenOrAccessTokenAndALifetimeOfAtLeastAMinute) {
    auto t = parse_token_response(R"({"token":"abc","expires_in":300})", "https://a.test/t");
    ASSERT_TRUE(t);
    EXPECT_EQ(t->token.reveal(), "abc");
    EXPECT_EQ(t->expires_in, std::chrono::seconds(300));
    auto a = parse_token_response(R"({"access_token":"xyz","expires_in":5})", "https://a.test/t");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->token.reveal(), "xyz");
    EXPECT_EQ(a->expires_in, min_token_lifetime);
    auto none = parse_token_response(R"({"token":""})", "https://a.test/t");
    ASSERT_FALSE(none);
    EXPECT_EQ(none.error().code, Errc::protocol);
    EXPECT_FALSE(parse_token_response("secret-in-html", "https://a.test/t"));
}

TEST(OciDockerConfig, ReadsAuthAndIdentityTokens) {
    // base64("user:pa:ss") = dXNlcjpwYTpzcw==
    auto c = parse_docker_config(R"({"auths":{
        "https://index.docker.io/v1/":{"identitytoken":"refresh-me"},
        "Registry.Test:5000":{"auth":"dXNlcjpwYTpzcw=="}},
        "credsStore":"desktop"})",
                                 "config.json");
    ASSERT_TRUE(c) << c.error().message;
    ASSERT_EQ(c->size(), 2u);
    const RegistryAuth& hub = c->at("docker.io");
    EXPECT_EQ(hub.identity_token.reveal(), "refresh-me");
    EXPECT_TRUE(hub.user.empty());
    const RegistryAuth& local = c->at("registry.test:5000");
    EXPECT_EQ(local.user, "user");
    EXPECT_EQ(local.password.reveal(), "pa:ss");
    EXPECT_EQ(local.source, "config.json");
}

TEST(OciDockerConfig, ErrorsNameTheFileAndNeverTheSecret) {
    // base64("nocolonhere") has no ':' once decoded.
    auto c =
        parse_docker_config(R"({"auths":{"r.test":{"auth":"bm9jb2xvbmhlcmU="}}})", "config.json");
    ASSERT_FALSE(c);
    EXPECT_TRUE(c.error().message.starts_with("config.json: auths[r.test]"));
    EXPECT_EQ(c.error().message.find("bm9jb2xvbmhlcmU"), std::string::npos);
    EXPECT_EQ(c.error().message.find("nocolonhere"), std::string::npos);
    EXPECT_FALSE(parse_docker_config(R"({"auths":{"r.test":{"auth":"!!!!"}}})", "c"));
    EXPECT_FALSE(parse_docker_config(R"({"auths":{"r.test":{}}})", "c"));
    EXPECT_FALSE(parse_docker_config(R"({"auths":[]})", "c"));
    EXPECT_TRUE(parse_docker_config(R"({})", "c"));
}

TEST(OciDockerConfig, KeysBecomeRegistryNames) {
    EXPECT_EQ(normalize_registry_key("https://index.docker.io/v1/"), "docker.io");
    EXPECT_EQ(normalize_registry_key("registry-1.docker.io"), "docker.io");
    EXPECT_EQ(normalize_registry_key("http://Reg.Test:5000/v2/"), "reg.test:5000");
    EXPECT_EQ(normalize_registry_key("ghcr.io"), "ghcr.io");
}

}  // namespace
}  // namespace aciswarm::oci
