// EngineConfig → libtorrent settings mapping.
#include <gtest/gtest.h>

#include "agent/engine/engine.hpp"

namespace aciswarm::engine {
namespace {

TEST(EngineConfig, DefaultsArePrivateClusterFriendly) {
    const auto s = describe_settings(EngineConfig{});
    EXPECT_EQ(s.at("enable_dht"), "false");
    EXPECT_EQ(s.at("enable_lsd"), "true");
    EXPECT_EQ(s.at("enable_upnp"), "false");
    EXPECT_EQ(s.at("enable_natpmp"), "false");
    EXPECT_EQ(s.at("listen_interfaces"), "0.0.0.0:0,[::]:0");
    EXPECT_EQ(s.at("upload_rate_limit"), "0");
    EXPECT_EQ(s.at("download_rate_limit"), "0");
    EXPECT_EQ(s.at("validate_https_trackers"), "true");
    EXPECT_EQ(s.at("ssrf_mitigation"), "true");
    EXPECT_EQ(s.at("allow_multiple_connections_per_ip"), "true");
    EXPECT_EQ(s.at("active_seeds"), "-1");
    EXPECT_EQ(s.at("enable_outgoing_utp"), "false");
    EXPECT_EQ(s.at("enable_incoming_utp"), "true");
}

TEST(EngineConfig, OptionsMapToLibtorrentSettings) {
    EngineConfig c;
    c.listen_interfaces = {"127.0.0.1:0"};
    c.dht = true;
    c.local_service_discovery = false;
    c.upload_rate_limit = 1000000;
    c.download_rate_limit = 2000000;
    c.connections_limit = 17;
    c.encryption = EncryptionPolicy::require;
    c.insecure_tls = true;
    c.ssrf_mitigation = false;
    c.outgoing_utp = true;
    c.incoming_utp = false;
    const auto s = describe_settings(c);
    EXPECT_EQ(s.at("listen_interfaces"), "127.0.0.1:0");
    EXPECT_EQ(s.at("enable_dht"), "true");
    EXPECT_EQ(s.at("enable_lsd"), "false");
    EXPECT_EQ(s.at("upload_rate_limit"), "1000000");
    EXPECT_EQ(s.at("download_rate_limit"), "2000000");
    EXPECT_EQ(s.at("connections_limit"), "17");
    EXPECT_EQ(s.at("out_enc_policy"), "0");  // pe_forced
    EXPECT_EQ(s.at("in_enc_policy"), "0");
    EXPECT_EQ(s.at("validate_https_trackers"), "false");
    EXPECT_EQ(s.at("ssrf_mitigation"), "false");
    EXPECT_EQ(s.at("enable_outgoing_utp"), "true");
    EXPECT_EQ(s.at("enable_incoming_utp"), "false");
}

TEST(EngineConfig, EncryptionPolicyNames) {
    for (auto p :
         {EncryptionPolicy::prefer, EncryptionPolicy::require, EncryptionPolicy::disable}) {
        auto parsed = parse_encryption_policy(encryption_policy_name(p));
        ASSERT_TRUE(parsed);
        EXPECT_EQ(*parsed, p);
    }
    EngineConfig plain;
    plain.encryption = EncryptionPolicy::disable;
    const auto disabled = describe_settings(plain);
    EXPECT_EQ(disabled.at("out_enc_policy"), "2");  // pe_disabled
    auto bad = parse_encryption_policy("sometimes");
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("sometimes"), std::string::npos);
}

}  // namespace
}  // namespace aciswarm::engine
