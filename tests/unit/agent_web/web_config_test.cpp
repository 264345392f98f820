#include <gtest/gtest.h>

#include "agent/daemon/config.hpp"

namespace aciswarm::agent {
namespace {

std::string web_after(const std::string& value) {
    DaemonConfig c;
    const Status s = apply_config_json(c, R"({"web":")" + value + R"("})", "agent.json");
    EXPECT_TRUE(s) << value << ": " << (s ? "" : s.error().message);
    return c.web;
}

TEST(WebConfig, OffByDefaultABarePortBindsLoopback) {
    EXPECT_EQ(DaemonConfig{}.web, "");
    EXPECT_EQ(web_after("off"), "");
    EXPECT_EQ(web_after("9180"), "127.0.0.1:9180");
    EXPECT_EQ(web_after("0"), "127.0.0.1:0");
    EXPECT_EQ(web_after("0.0.0.0:9180"), "0.0.0.0:9180");
    EXPECT_EQ(web_after("[::1]:9180"), "[::1]:9180");
}

TEST(WebConfig, BadValuesNameTheOptionAndChangeNothing) {
    for (const char* bad : {"", "on", "70000", "host.example:80", "1.2.3.4:x"}) {
        DaemonConfig c;
        const Status s = apply_config_json(c, std::string(R"({"web":")") + bad + R"("})", "a.json");
        ASSERT_FALSE(s) << bad;
        EXPECT_NE(s.error().message.find("web"), std::string::npos) << s.error().message;
        EXPECT_EQ(c, DaemonConfig{}) << bad;
    }
}

}  // namespace
}  // namespace aciswarm::agent
