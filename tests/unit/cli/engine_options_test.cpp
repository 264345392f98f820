// The engine option table (agent/engine/engine_options.hpp): each row parses
// into EngineConfig with its bounds, errors name the option as typed, former
// names still work, and the daemon's config takes the same rows.
#include "agent/engine/engine_options.hpp"

#include <gtest/gtest.h>

#include "agent/daemon/config.hpp"

namespace aciswarm::engine {
namespace {

constexpr EngineOptionUse all_uses[] = {
    {"listen"},
    {"max-upload-rate"},
    {"max-download-rate"},
    {"max-connections"},
    {"exempt-local-peers"},
    {"encryption"},
    {"dht"},
    {"lsd"},
    {"web-seeds"},
    {"web-seed-request"},
    {"piece-shares"},
    {"zone"},
    {"leader-candidate"},
    {"leader-timeout"},
    {"upload-capacity"},
    {"download-capacity"},
    {"tracker-key"},
};

Result<EngineConfig> apply(std::vector<std::string> args) {
    const OptionParser parser("test", engine_option_specs(all_uses));
    auto parsed = parser.parse(args);
    if (!parsed) return std::move(parsed).error();
    EngineConfig config;
    if (Status s = apply_engine_options(config, *parsed, all_uses); !s) return s.error();
    return config;
}

TEST(EngineOptions, EveryRowIsOfferedOnce) {
    EXPECT_EQ(std::size(all_uses), engine_options().size());
    EXPECT_EQ(engine_option_specs(all_uses).size(), engine_options().size());
}

TEST(EngineOptions, ValuesSetTheEngineConfig) {
    auto c = apply({"--listen=127.0.0.1:0", "--listen=[::1]:0", "--max-upload-rate=4M",
                    "--max-download-rate=512k", "--connections-limit=7", "--exempt-local-peers",
                    "--encryption=require", "--dht", "--lsd=false", "--web-seeds=always",
                    "--web-seed-request=64k", "--piece-shares=false"});
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->listen_interfaces, (std::vector<std::string>{"127.0.0.1:0", "[::1]:0"}));
    EXPECT_EQ(c->upload_rate_limit, 4 << 20);
    EXPECT_EQ(c->download_rate_limit, 512 << 10);
    EXPECT_EQ(c->connections_limit, 7);  // the former name lands on max-connections
    EXPECT_TRUE(c->exempt_local_peers);
    EXPECT_EQ(c->encryption, EncryptionPolicy::require);
    EXPECT_TRUE(c->dht);
    EXPECT_FALSE(c->local_service_discovery);
    EXPECT_EQ(c->web_seed_use, WebSeedUse::always);
    EXPECT_EQ(c->web_seed_request_bytes, 64 << 10);
    EXPECT_FALSE(c->piece_shares);
    auto keyed = apply({"--tracker-key=node-a-0123456789abcdef"});
    ASSERT_TRUE(keyed) << keyed.error().message;
    EXPECT_EQ(keyed->tracker_key, "node-a-0123456789abcdef");
}

TEST(EngineOptions, NothingGivenLeavesTheDefaults) {
    auto c = apply({});
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(*c, EngineConfig{});
}

TEST(EngineOptions, BadValuesNameTheFlag) {
    const struct {
        const char* arg;
        const char* want;
    } cases[] = {
        {"--max-upload-rate=4X", "--max-upload-rate: '4X'"},
        {"--max-upload-rate=4G", "--max-upload-rate: '4G' is out of range"},
        {"--max-connections=0", "--max-connections: '0' is out of range"},
        {"--encryption=maybe", "--encryption: "},
        {"--web-seeds=never", "--web-seeds: "},
        {"--web-seed-request=1k", "--web-seed-request: '1k' is out of range"},
        // The error never repeats a key.
        {"--tracker-key=short", "--tracker-key: a key is 16 to 128 characters"},
        {"--tracker-key=has&amp;0123456789abc", "--tracker-key: a key is 16 to 128 characters"},
    };
    for (const auto& k : cases) {
        auto c = apply({k.arg});
        ASSERT_FALSE(c) << k.arg;
        EXPECT_TRUE(c.error().message.starts_with(k.want)) << c.error().message;
    }
}

TEST(EngineOptions, TheDaemonConfigTakesTheSameRows) {
    agent::DaemonConfig c;
    ASSERT_TRUE(agent::apply_config_json(
        c, R"({"max-upload-rate":"4M","max-connections":9,"dht":true,"lsd":false})", "f"));
    EXPECT_EQ(c.engine.upload_rate_limit, 4 << 20);
    EXPECT_EQ(c.engine.connections_limit, 9);
    EXPECT_TRUE(c.engine.dht);
    EXPECT_FALSE(c.engine.local_service_discovery);
    auto bad = agent::apply_config_json(c, R"({"max-connections":0})", "f");
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("max-connections: '0' is out of range"), std::string::npos)
        << bad.error().message;
    for (const agent::ConfigOption& o : agent::config_options()) {
        if (o.engine != nullptr) {
            EXPECT_EQ(o.help, o.engine->help) << o.name;
        }
    }
}

TEST(EngineOptions, ZoneRowsReachFlagsAndTheDaemonConfig) {
    auto flags = apply({"--zone=rack-a", "--leader-candidate", "--upload-capacity=20M"});
    ASSERT_TRUE(flags) << flags.error().message;
    EXPECT_EQ(flags->zone.zone, "rack-a");
    EXPECT_TRUE(flags->zone.leader_candidate);
    EXPECT_EQ(flags->zone.upload_capacity, 20u << 20);
    EXPECT_EQ(flags->zone.leader_timeout, std::chrono::seconds(10));  // the default
    auto timeout = apply({"--zone=rack-a", "--leader-timeout=30s"});
    ASSERT_TRUE(timeout) << timeout.error().message;
    EXPECT_EQ(timeout->zone.leader_timeout, std::chrono::seconds(30));
    auto bad_timeout = apply({"--leader-timeout=soon"});
    ASSERT_FALSE(bad_timeout);
    EXPECT_NE(bad_timeout.error().message.find("--leader-timeout"), std::string::npos);
    agent::DaemonConfig c;
    ASSERT_TRUE(agent::apply_config_json(
        c,
        R"({"zone":"rack-b","leader-candidate":false,"leader-timeout":"5s","download-capacity":"1M"})",
        "f"));
    EXPECT_EQ(c.engine.zone.zone, "rack-b");
    EXPECT_TRUE(c.engine.zone.follower());
    EXPECT_EQ(c.engine.zone.leader_timeout, std::chrono::seconds(5));
    EXPECT_EQ(c.engine.zone.download_capacity, 1u << 20);
    auto bad = agent::apply_config_json(c, R"({"zone":"rack b"})", "f");
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("zone: 'rack b'"), std::string::npos) << bad.error().message;
}

}  // namespace
}  // namespace aciswarm::engine
