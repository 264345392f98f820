#include "agent/daemon/config.hpp"

#include <gtest/gtest.h>

namespace aciswarm::agent {
namespace {

using namespace std::chrono_literals;

TEST(DaemonConfig, JsonSetsEveryKindOfValue) {
    DaemonConfig c;
    const auto s =
        apply_config_json(c, R"({"store":"/srv/images","seed-policy":"for=2h","listen-port":7000,
        "lsd":false,"dht":true,"max-upload-rate":1048576,"resume-interval":"30s","socket-group":"",
        "max-image-size":"64k"})",
                          "agent.json");
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(c.store, "/srv/images");
    EXPECT_EQ(c.seed_policy, SeedPolicy::for_(2h));
    EXPECT_EQ(c.listen_port, 7000);
    EXPECT_FALSE(c.engine.local_service_discovery);
    EXPECT_TRUE(c.engine.dht);
    EXPECT_EQ(c.engine.upload_rate_limit, 1048576);
    EXPECT_EQ(c.resume_interval, 30s);
    EXPECT_EQ(c.socket_group, "");
    EXPECT_EQ(c.max_image_size, 65536U);
}

TEST(DaemonConfig, UnknownKeyIsAnErrorNamingTheKeyAndFile) {
    DaemonConfig c;
    const auto s = apply_config_json(c, R"({"store":"/x","seed_policy":"forever"})",
                                     "/etc/aciswarm/agent.json");
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().message, "/etc/aciswarm/agent.json: unknown key 'seed_policy'");
    EXPECT_EQ(c, DaemonConfig{}) << "bad input changes nothing";
}

TEST(DaemonConfig, BadValuesNameKeyAndValue) {
    struct Case {
        const char* json;
        const char* want;
    };
    for (const Case& k : {
             Case{R"({"listen-port":70000})", "listen-port: '70000' is out of range"},
             Case{R"({"listen-port":"80a"})", "listen-port: '80a' is not an integer"},
             Case{R"({"listen":"0.0.0.0"})", "listen: '0.0.0.0': "},
             Case{R"({"max-upload-rate":"4X"})", "max-upload-rate: '4X' is not a rate"},
             Case{R"({"max-upload-rate":"-1"})", "max-upload-rate: '-1' is not a rate"},
             Case{R"({"max-download-rate":"4T"})", "max-download-rate: '4T' is out of range"},
             Case{R"({"max-request-bytes":"1G"})", "max-request-bytes: '1G' is out of range"},
             Case{R"({"seed-policy":"always"})", "seed policy 'always'"},
             Case{R"({"store":"relative/dir"})", "store: 'relative/dir': not an absolute path"},
             Case{R"({"lsd":1})", "key 'lsd': wrong type"},
             Case{R"({"listen-port":true})", "key 'listen-port': wrong type"},
             Case{R"({"resume-interval":"0s"})", "resume-interval: '0s' is out of range"},
             Case{R"({"max-image-size":"0"})", "max-image-size: '0' is out of range"},
             Case{R"([1,2])", "not a JSON object"},
             Case{R"({"store": )", "not valid JSON"},
         }) {
        DaemonConfig c;
        const auto s = apply_config_json(c, k.json, "agent.json");
        ASSERT_FALSE(s) << k.json;
        EXPECT_NE(s.error().message.find(k.want), std::string::npos) << s.error().message;
        EXPECT_TRUE(s.error().message.starts_with("agent.json: ")) << s.error().message;
    }
}

TEST(DaemonConfig, EveryOptionIsAFlagAndFlagsWinOverTheFile) {
    const OptionParser parser("aciswarm daemon [OPTIONS]", config_option_specs());
    for (const ConfigOption& o : config_options()) {
        // Deprecated spellings are accepted but not advertised.
        EXPECT_EQ(parser.help().find("--" + std::string(o.name) + "=") != std::string::npos ||
                      parser.help().find("--" + std::string(o.name) + " ") != std::string::npos,
                  !o.deprecated)
            << o.name;
    }
    DaemonConfig c;
    ASSERT_TRUE(apply_config_json(c, R"({"listen-port":7000,"seed-policy":"forever"})", "f"));
    const std::vector<std::string> args{"--listen-port=7001", "--lsd=false", "-v"};
    auto parsed = parser.parse(args);
    ASSERT_TRUE(parsed) << parsed.error().message;
    ASSERT_TRUE(apply_config_flags(c, *parsed));
    EXPECT_EQ(c.listen_port, 7001);
    EXPECT_EQ(c.seed_policy, SeedPolicy::forever());  // from the file
    EXPECT_FALSE(c.engine.local_service_discovery);
    EXPECT_TRUE(c.verbose);
}

TEST(DaemonConfig, SizesAndRatesTakeUnitsAndListenTakesAddrPort) {
    DaemonConfig c;
    ASSERT_TRUE(apply_config_json(
        c,
        R"({"max-upload-rate":"4M","max-download-rate":"512k","max-request-bytes":"1M",
            "listen":"[::1]:7002","tick":"250ms"})",
        "f"));
    EXPECT_EQ(c.engine.upload_rate_limit, 4 << 20);  // was refused ("not an integer")
    EXPECT_EQ(c.engine.download_rate_limit, 512 << 10);
    EXPECT_EQ(c.max_request_bytes, 1u << 20);
    EXPECT_EQ(c.listen_address, "::1");
    EXPECT_EQ(c.listen_port, 7002);
    EXPECT_EQ(c.tick, std::chrono::milliseconds(250));
    // Plain numbers still mean bytes/s, as before.
    ASSERT_TRUE(apply_config_json(c, R"({"max-upload-rate":1000})", "f"));
    EXPECT_EQ(c.engine.upload_rate_limit, 1000);
    // The old spellings keep working in files and as flags.
    ASSERT_TRUE(apply_config_json(c, R"({"listen-address":"127.0.0.1","listen-port":0})", "f"));
    EXPECT_EQ(c.listen_address, "127.0.0.1");
    EXPECT_EQ(c.listen_port, 0);
    const OptionParser parser("aciswarm daemon", config_option_specs());
    const std::vector<std::string> args{"--listen=10.0.0.1:6999", "--max-download-rate=1.5M"};
    auto parsed = parser.parse(args);
    ASSERT_TRUE(parsed) << parsed.error().message;
    ASSERT_TRUE(apply_config_flags(c, *parsed));
    EXPECT_EQ(c.listen_address, "10.0.0.1");
    EXPECT_EQ(c.listen_port, 6999);
    EXPECT_EQ(c.engine.download_rate_limit, 3 << 19);
}

TEST(DaemonConfig, BadFlagNamesTheFlag) {
    const OptionParser parser("aciswarm daemon", config_option_specs());
    const std::vector<std::string> args{"--seed-policy=ratio=-2"};
    auto parsed = parser.parse(args);
    ASSERT_TRUE(parsed);
    DaemonConfig c;
    const auto s = apply_config_flags(c, *parsed);
    ASSERT_FALSE(s);
    EXPECT_TRUE(s.error().message.starts_with("--seed-policy: ")) << s.error().message;
    EXPECT_EQ(s.error().message.find("seed-policy: seed-policy"), std::string::npos)
        << s.error().message;
    const std::vector<std::string> rate{"--max-upload-rate=4Q"};
    const auto r = apply_config_flags(c, *parser.parse(rate));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message.rfind("--max-upload-rate: '4Q' is not a rate", 0), 0u)
        << r.error().message;
}

}  // namespace
}  // namespace aciswarm::agent

namespace aciswarm::agent {
namespace {

TEST(DaemonConfig, ApiLimitsShutdownTimeoutAndCaFile) {
    DaemonConfig c;
    EXPECT_EQ(c.max_clients, 128U);
    EXPECT_EQ(c.max_client_output_bytes, 4U << 20);
    EXPECT_EQ(c.shutdown_timeout, std::chrono::seconds(10));
    EXPECT_EQ(c.ca_file, "");
    const auto s =
        apply_config_json(c,
                          R"({"max-clients":16,"max-client-output":65536,"shutdown-timeout":"3s",
            "ca-file":"/etc/aciswarm/ca.pem"})",
                          "agent.json");
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(c.max_clients, 16U);
    EXPECT_EQ(c.max_client_output_bytes, 65536U);
    EXPECT_EQ(c.shutdown_timeout, std::chrono::seconds(3));
    EXPECT_EQ(c.ca_file, "/etc/aciswarm/ca.pem");
    for (const char* bad : {R"({"max-clients":0})", R"({"max-client-output":10})",
                            R"({"shutdown-timeout":"0s"})", R"({"ca-file":"ca.pem"})"}) {
        DaemonConfig d;
        EXPECT_FALSE(apply_config_json(d, bad, "agent.json")) << bad;
    }
}

}  // namespace
}  // namespace aciswarm::agent
