// The ACIs convert/ writes, checked by appc's own validator (`actool
// validate`, Debian package appc-spec): manifest schema, rootfs layout and
// the archive as appc's Go reader sees it.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "convert/image_config.hpp"
#include "convert/manifest_mapping.hpp"
#include "convert/squash.hpp"
#include "tests/integration/convert/sample_image.hpp"
#include "tests/support/layer_builder.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace aciswarm::convert {
namespace {

using namespace test;

constexpr std::string_view server_config = R"({
  "architecture": "amd64", "os": "linux", "created": "2024-05-01T10:00:00.5Z",
  "config": {
    "User": "app:staff", "WorkingDir": "/srv", "Env": ["PATH=/usr/bin:/bin", "A=b=c"],
    "Entrypoint": ["/bin/server"], "Cmd": ["--port", "8080"],
    "ExposedPorts": {"8080/tcp": {}, "53/udp": {}}, "Volumes": {"/data": {}},
    "Labels": {"org.example.team": "infra"}
  },
  "rootfs": {"type": "layers", "diff_ids": []}
})";

std::vector<LayerFile> server_layers(const TempDir& tmp) {
    const auto layers = sample_image().layers;
    std::vector<LayerFile> files;
    for (std::size_t i = 0; i < layers.size(); ++i) {
        files.push_back({write_layer(tmp / ("l" + std::to_string(i)), layers[i],
                                     i == 1 ? AciCompression::zstd : AciCompression::gzip),
                         "layer" + std::to_string(i)});
    }
    return files;
}

Result<std::string> converted_manifest() {
    auto config = parse_image_config(server_config, "config");
    if (!config) return std::move(config).error();
    ImageOrigin origin;
    origin.registry = "127.0.0.1:5000";
    origin.repository = "team/server";
    origin.tag = "1.0";
    origin.config_digest = "sha256:" + std::string(64, 'c');
    origin.manifest_digest = "sha256:" + std::string(64, 'm');
    return render_converted_manifest(*config, origin);
}

TEST(ConvertActool, ConvertedImagePassesActoolValidate) {
    TempDir tmp;
    auto manifest = converted_manifest();
    ASSERT_TRUE(manifest) << manifest.error().message;
    const auto out = tmp / "server.aci";
    auto stats = write_squashed_aci(server_layers(tmp), *manifest, out);
    ASSERT_TRUE(stats) << stats.error().message;
    EXPECT_EQ(stats->hard_links_copied, 1u);  // lib.1 keeps v1 although lib became v2

    auto validate = Process::spawn({"actool", "validate", out.string()});
    const auto status = validate.wait(60s);
    ASSERT_TRUE(status);
    EXPECT_EQ(status->code, 0) << validate.stdout_text() << validate.stderr_text();

    auto cat = Process::spawn({"actool", "cat-manifest", out.string()});
    ASSERT_TRUE(cat.wait(60s));
    const auto seen = nlohmann::json::parse(cat.stdout_text(), nullptr, false);
    ASSERT_FALSE(seen.is_discarded()) << cat.stdout_text();
    EXPECT_EQ(seen.at("name"), "127.0.0.1_5000/team/server");
    EXPECT_EQ(seen.at("app").at("exec"), nlohmann::json({"/bin/server", "--port", "8080"}));

    expect_sample_tree(tar_tree(out));
}

}  // namespace
}  // namespace aciswarm::convert
