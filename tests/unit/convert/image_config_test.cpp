#include "convert/image_config.hpp"

#include <gtest/gtest.h>

#include <string>

namespace aciswarm::convert {
namespace {

constexpr std::string_view full_config = R"({
  "architecture": "arm", "variant": "v7", "os": "linux",
  "author": "someone", "created": "2024-05-01T10:00:00.123Z",
  "config": {
    "User": "app:staff", "WorkingDir": "/srv",
    "Env": ["PATH=/usr/bin:/bin", "EMPTY=", "NOEQUALS"],
    "Entrypoint": ["/bin/server"], "Cmd": ["--port", "80"],
    "ExposedPorts": {"8080/tcp": {}, "53/udp": {}},
    "Volumes": {"/data": {}, "/cache": {}},
    "Labels": {"org.example.team": "infra"}
  },
  "rootfs": {"type": "layers", "diff_ids": ["sha256:aa", "sha256:bb"]},
  "history": [{"created_by": "RUN x"}]
})";

TEST(ImageConfig, ReadsEveryMappedField) {
    auto config = parse_image_config(full_config, "config.json");
    ASSERT_TRUE(config) << config.error().message;
    EXPECT_EQ(config->os, "linux");
    EXPECT_EQ(config->architecture, "arm");
    EXPECT_EQ(config->variant, "v7");
    EXPECT_EQ(config->author, "someone");
    EXPECT_EQ(config->created, "2024-05-01T10:00:00.123Z");
    EXPECT_EQ(config->user, "app:staff");
    EXPECT_EQ(config->working_dir, "/srv");
    EXPECT_EQ(config->env, (std::vector<std::string>{"PATH=/usr/bin:/bin", "EMPTY=", "NOEQUALS"}));
    EXPECT_EQ(config->entrypoint, (std::vector<std::string>{"/bin/server"}));
    EXPECT_EQ(config->cmd, (std::vector<std::string>{"--port", "80"}));
    EXPECT_EQ(config->exposed_ports, (std::vector<std::string>{"53/udp", "8080/tcp"}));
    EXPECT_EQ(config->volumes, (std::vector<std::string>{"/cache", "/data"}));
    EXPECT_EQ(config->labels.at("org.example.team"), "infra");
    EXPECT_EQ(config->diff_ids, (std::vector<std::string>{"sha256:aa", "sha256:bb"}));
}

TEST(ImageConfig, NullAndMissingFieldsAreUnset) {
    auto config = parse_image_config(
        R"({"os":"linux","architecture":"amd64","config":{"Entrypoint":null,"Env":null}})", "c");
    ASSERT_TRUE(config) << config.error().message;
    EXPECT_FALSE(config->entrypoint.has_value());
    EXPECT_FALSE(config->cmd.has_value());
    EXPECT_TRUE(config->env.empty());
    EXPECT_TRUE(config->user.empty());
}

TEST(ImageConfig, WrongTypesAreNamedErrors) {
    const std::pair<std::string_view, std::string_view> cases[] = {
        {R"({"os":"linux","architecture":"amd64","config":{"Cmd":"sh"}})", "config.Cmd"},
        {R"({"os":"linux","architecture":"amd64","config":{"Env":[1]}})", "config.Env"},
        {R"({"os":"linux","architecture":"amd64","config":{"User":7}})", "config.User"},
        {R"({"os":"linux","architecture":"amd64","config":{"ExposedPorts":["80"]}})",
         "config.ExposedPorts"},
        {R"({"os":"linux","architecture":"amd64","config":{"Labels":{"a":1}}})", "config.Labels"},
        {R"({"os":"linux","architecture":"amd64","config":[]})", "config is not"},
        {R"({"os":"linux","architecture":"amd64","rootfs":{"diff_ids":"x"}})", "rootfs.diff_ids"},
        {R"({"os":"linux"})", "no architecture"},
        {R"({"architecture":"amd64"})", "no os"},
        {R"({"os":1,"architecture":"amd64"})", "os is not a string"},
        {R"([1,2])", "not a JSON object"},
        {R"({"os":)", "not valid JSON"},
    };
    for (const auto& [json, field] : cases) {
        auto config = parse_image_config(json, "sha256:abc");
        ASSERT_FALSE(config) << json;
        EXPECT_NE(config.error().message.find("sha256:abc: "), std::string::npos);
        EXPECT_NE(config.error().message.find(field), std::string::npos)
            << json << " → " << config.error().message;
    }
}

TEST(ImageConfig, RefusesDeepNestingAndHugeInput) {
    const std::string deep = R"({"os":"linux","architecture":"amd64","x":)" +
                             std::string(100, '[') + std::string(100, ']') + "}";
    auto nested = parse_image_config(deep, "c");
    ASSERT_FALSE(nested);
    EXPECT_NE(nested.error().message.find("nested deeper"), std::string::npos);
    const std::string huge(max_image_config_bytes + 1, ' ');
    auto big = parse_image_config(huge, "c");
    ASSERT_FALSE(big);
    EXPECT_EQ(big.error().code, Errc::too_large);
}

}  // namespace
}  // namespace aciswarm::convert
