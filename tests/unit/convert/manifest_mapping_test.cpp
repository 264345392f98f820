#include "convert/manifest_mapping.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "appc/manifest.hpp"

namespace aciswarm::convert {
namespace {

using nlohmann::json;

ImageConfig server_config() {
    ImageConfig config;
    config.os = "linux";
    config.architecture = "arm64";
    config.user = "1000";
    config.working_dir = "/srv";
    config.env = {"PATH=/bin", "MODE=a", "NOEQUALS", "MODE=b"};
    config.entrypoint = std::vector<std::string>{"/bin/server"};
    config.cmd = std::vector<std::string>{"--port", "80"};
    config.exposed_ports = {"53/udp", "8080/tcp", "9000"};
    config.volumes = {"/data", "/var/lib/data", "/var_lib/data"};
    config.labels = {{"team", "infra"}};
    config.created = "2024-05-01T10:00:00Z";
    return config;
}

ImageOrigin origin_of(std::string registry, std::string repository) {
    ImageOrigin origin;
    origin.registry = std::move(registry);
    origin.repository = std::move(repository);
    return origin;
}

ImageOrigin hub_origin() {
    return {"docker.io", "library/alpine", "3.19", "sha256:m", "sha256:c", "docker://alpine:3.19"};
}

std::string annotation(const json& manifest, const std::string& name) {
    for (const json& a : manifest.at("annotations")) {
        if (a.at("name") == name) return a.at("value");
    }
    return "(absent)";
}

TEST(ManifestMapping, NameFollowsDocker2aciMangling) {
    EXPECT_EQ(*converted_image_name(hub_origin()), "registry-1.docker.io/library/alpine");
    EXPECT_EQ(*converted_image_name(origin_of("127.0.0.1:5000", "team/App_x")),
              "127.0.0.1_5000/team/app_x");
    EXPECT_EQ(*converted_image_name(origin_of("", "my-layout")), "my-layout");
    EXPECT_EQ(*sanitize_ac_identifier("-Weird..Name//x--"), "weird.name/x");
    EXPECT_FALSE(sanitize_ac_identifier("::"));
    EXPECT_EQ(*sanitize_ac_name("volume//var/lib_data"), "volume-var-lib-data");
}

TEST(ManifestMapping, ArchitecturesFollowAppc) {
    const std::pair<std::pair<std::string, std::string>, std::string> cases[] = {
        {{"amd64", ""}, "amd64"},     {{"386", ""}, "i386"},     {{"arm64", "v8"}, "aarch64"},
        {{"arm", ""}, "armv6l"},      {{"arm", "v6"}, "armv6l"}, {{"arm", "v7"}, "armv7l"},
        {{"ppc64le", ""}, "ppc64le"}, {{"s390x", ""}, "s390x"},  {{"riscv64", ""}, "riscv64"},
    };
    for (const auto& [in, want] : cases) {
        ImageConfig config;
        config.os = "linux";
        config.architecture = in.first;
        config.variant = in.second;
        EXPECT_EQ(appc_os_arch(config), std::make_pair(std::string("linux"), want)) << in.first;
    }
}

TEST(ManifestMapping, FullManifestIsValidAndMapsEveryField) {
    auto text = render_converted_manifest(server_config(), hub_origin());
    ASSERT_TRUE(text) << text.error().message;
    auto parsed = appc::parse_manifest(*text);
    ASSERT_TRUE(parsed) << parsed.error().message;
    EXPECT_EQ(parsed->name, "registry-1.docker.io/library/alpine");
    EXPECT_EQ(parsed->labels,
              (appc::Labels{{"arch", "aarch64"}, {"os", "linux"}, {"version", "3.19"}}));

    const json manifest = json::parse(*text);
    const json& app = manifest.at("app");
    EXPECT_EQ(app.at("exec"), json({"/bin/server", "--port", "80"}));
    EXPECT_EQ(app.at("user"), "1000");
    EXPECT_EQ(app.at("group"), "1000");  // docker2aci: no group → the user's value
    EXPECT_EQ(app.at("workingDirectory"), "/srv");
    EXPECT_EQ(app.at("environment"),
              json::parse(R"([{"name":"PATH","value":"/bin"},{"name":"MODE","value":"b"}])"));
    EXPECT_EQ(app.at("ports"), json::parse(R"([
        {"name":"53-udp","protocol":"udp","port":53},
        {"name":"8080-tcp","protocol":"tcp","port":8080},
        {"name":"9000","protocol":"tcp","port":9000}])"));
    EXPECT_EQ(app.at("mountPoints"), json::parse(R"([
        {"name":"volume-data","path":"/data"},
        {"name":"volume-var-lib-data","path":"/var/lib/data"},
        {"name":"volume-var-lib-data-1","path":"/var_lib/data"}])"));
    EXPECT_EQ(app.at("userLabels"), json::parse(R"({"team":"infra"})"));

    EXPECT_EQ(annotation(manifest, "appc.io/docker/registryurl"), "registry-1.docker.io");
    EXPECT_EQ(annotation(manifest, "appc.io/docker/repository"), "library/alpine");
    EXPECT_EQ(annotation(manifest, "appc.io/docker/tag"), "3.19");
    EXPECT_EQ(annotation(manifest, "appc.io/docker/imageid"), "sha256:c");
    EXPECT_EQ(annotation(manifest, "appc.io/docker/manifesthash"), "sha256:m");
    EXPECT_EQ(annotation(manifest, "appc.io/docker/originalname"), "docker://alpine:3.19");
    EXPECT_EQ(annotation(manifest, "appc.io/docker/entrypoint"), R"(["/bin/server"])");
    EXPECT_EQ(annotation(manifest, "appc.io/docker/cmd"), R"(["--port","80"])");
    EXPECT_EQ(annotation(manifest, "created"), "2024-05-01T10:00:00Z");
    EXPECT_EQ(annotation(manifest, "author"), "(absent)");  // empty values are left out
}

TEST(ManifestMapping, UserDefaultsAndGroups) {
    ImageConfig config = server_config();
    const std::pair<std::string, std::pair<std::string, std::string>> cases[] = {
        {"", {"0", "0"}},
        {"app", {"app", "app"}},
        {"app:staff", {"app", "staff"}},
        {"1000:1000", {"1000", "1000"}}};
    for (const auto& [user, want] : cases) {
        config.user = user;
        const json app = json::parse(*render_converted_manifest(config, hub_origin())).at("app");
        EXPECT_EQ(app.at("user"), want.first) << user;
        EXPECT_EQ(app.at("group"), want.second) << user;
    }
}

TEST(ManifestMapping, NoTagNoVersionLabelAndNoCommandNoExec) {
    ImageConfig config = server_config();
    config.entrypoint.reset();
    config.cmd.reset();
    ImageOrigin origin = hub_origin();
    origin.tag.clear();
    auto text = render_converted_manifest(config, origin);
    ASSERT_TRUE(text);
    const json manifest = json::parse(*text);
    EXPECT_FALSE(manifest.at("app").contains("exec"));
    EXPECT_EQ(annotation(manifest, "appc.io/docker/cmd"), "(absent)");
    EXPECT_FALSE(appc::parse_manifest(*text)->labels.contains("version"));
}

TEST(ManifestMapping, CreatedOnlyWhenRfc3339) {
    const std::pair<const char*, bool> cases[] = {{"2024-05-01T10:00:00Z", true},
                                                  {"2024-05-01T10:00:00.123456789Z", true},
                                                  {"2024-05-01T10:00:00+02:00", true},
                                                  {"2024-05-01 10:00:00", false},
                                                  {"yesterday", false},
                                                  {"2024-05-01T10:00:00.Z", false},
                                                  {"2024-05-01T10:00:00", false},
                                                  {"2024-05-01T10:00:00+0200", false}};
    for (const auto& [created, kept] : cases) {
        ImageConfig config = server_config();
        config.created = created;
        const json manifest = json::parse(*render_converted_manifest(config, hub_origin()));
        EXPECT_EQ(annotation(manifest, "created"), kept ? created : "(absent)") << created;
    }
}

TEST(ManifestMapping, BadPortIsANamedError) {
    for (const char* port : {"http/tcp", "0/tcp", "70000", "80x/tcp"}) {
        ImageConfig config = server_config();
        config.exposed_ports = {port};
        auto text = render_converted_manifest(config, hub_origin());
        ASSERT_FALSE(text) << port;
        EXPECT_NE(text.error().message.find(port), std::string::npos) << text.error().message;
    }
}

}  // namespace
}  // namespace aciswarm::convert
