#include "agent/mirror/hosts_toml.hpp"

#include <gtest/gtest.h>

namespace aciswarm::agent::mirror {
namespace {

TEST(HostsToml, ServerMirrorAndHowToSwitchItOff) {
    auto text = render_hosts_toml(
        {"registry.example:5000", "https://registry.example:5000", "http://127.0.0.1:5050"});
    ASSERT_TRUE(text) << text.error().message;
    EXPECT_TRUE(text->starts_with(hosts_toml_marker));
    EXPECT_NE(text->find("\nserver = \"https://registry.example:5000\"\n"), std::string::npos);
    EXPECT_NE(text->find("\n[host.\"http://127.0.0.1:5050\"]\n  capabilities = [\"pull\", "
                         "\"resolve\"]\n"),
              std::string::npos);
    EXPECT_NE(text->find("delete this file"), std::string::npos);
}

TEST(HostsToml, PrivateCaForTheUpstream) {
    auto text = render_hosts_toml(
        {"r.example", "https://r.example", "http://127.0.0.1:5050", "/etc/r-ca.pem"});
    ASSERT_TRUE(text) << text.error().message;
    EXPECT_NE(text->find("server = \"https://r.example\"\nca = \"/etc/r-ca.pem\"\n"),
              std::string::npos);
    EXPECT_FALSE(render_hosts_toml(
        {"r.example", "https://r.example", "http://127.0.0.1:5050", "/etc/x\"\n[host]"}));
    EXPECT_FALSE(
        render_hosts_toml({"r.example", "https://r.example", "http://127.0.0.1:5050", "ca.pem"}));
}

TEST(HostsToml, DockerHubIsServedElsewhere) {
    EXPECT_EQ(default_upstream_server("docker.io"), "https://registry-1.docker.io");
    EXPECT_EQ(default_upstream_server("quay.io"), "https://quay.io");
}

TEST(HostsToml, RefusesWhatWouldBreakTheToml) {
    EXPECT_FALSE(render_hosts_toml({"a\"b", "https://a", "http://127.0.0.1:5050"}));
    EXPECT_FALSE(render_hosts_toml({"a", "https://a\"\n[x]", "http://127.0.0.1:5050"}));
    EXPECT_FALSE(render_hosts_toml({"a", "https://a", "ftp://127.0.0.1:5050"}));
    EXPECT_FALSE(render_hosts_toml({"a", "https://a", "http://127.0.0.1:5050/v2"}));
    EXPECT_FALSE(render_hosts_toml({"a", "https://user:pw@a", "http://127.0.0.1:5050"}));
}

}  // namespace
}  // namespace aciswarm::agent::mirror
