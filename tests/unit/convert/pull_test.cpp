// convert::pull_and_convert over the in-memory registry (tests/support/
// fake_registry): manifest → config → layers through the oci::Registry seam,
// with the failures a registry can produce.
#include "convert/pull.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "tests/support/fake_registry.hpp"
#include "tests/support/layer_builder.hpp"
#include "tests/support/temp_dir.hpp"

namespace aciswarm::convert {
namespace {

using nlohmann::json;
constexpr std::string_view repo = "team/app";

json descriptor(std::string_view media_type, const oci::Digest& digest, std::size_t size) {
    return {{"mediaType", media_type}, {"digest", digest.to_string()}, {"size", size}};
}

class Pull : public ::testing::Test {
  protected:
    // Pushes a two-layer image as repo:1.0; returns its layer digests.
    std::vector<oci::Digest> push(const std::string& config) {
        std::vector<oci::Digest> layers;
        json layer_list = json::array();
        for (const auto& entries : {std::vector<test::LayerEntry>{test::file("a", "1")},
                                    std::vector<test::LayerEntry>{test::file("b", "2")}}) {
            std::string blob = test::build_layer(entries);
            const std::size_t size = blob.size();
            layers.push_back(registry.add_blob(repo, std::move(blob)));
            layer_list.push_back(
                descriptor("application/vnd.oci.image.layer.v1.tar+gzip", layers.back(), size));
        }
        const oci::Digest config_digest = registry.add_blob(repo, config);
        const json manifest = {{"schemaVersion", 2},
                               {"mediaType", oci::oci_manifest_type},
                               {"config", descriptor("application/vnd.oci.image.config.v1+json",
                                                     config_digest, config.size())},
                               {"layers", layer_list}};
        registry.add_manifest(repo, "1.0", manifest.dump(), std::string(oci::oci_manifest_type));
        return layers;
    }
    Result<PulledImage> pull() {
        PullRequest request;
        request.repository = std::string(repo);
        request.reference = "1.0";
        request.platform = {"linux", "amd64", ""};
        request.origin.registry = registry.name();
        request.origin.repository = std::string(repo);
        request.origin.tag = "1.0";
        const int fd = ::open(out().c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
        auto pulled = pull_and_convert(
            registry, request,
            [this](const oci::Descriptor& layer,
                   std::stop_token stop) -> Result<std::filesystem::path> {
                const auto path = tmp / layer.digest.hex();
                auto size = oci::download_blob_to_file(registry, repo, layer.digest, path, stop);
                if (!size) return std::move(size).error();
                return path;
            },
            fd);
        ::close(fd);
        return pulled;
    }
    std::filesystem::path out() const { return tmp / "out.aci"; }

    test::FakeRegistry registry;
    test::TempDir tmp;
};

constexpr std::string_view plain_config = R"({"os":"linux","architecture":"amd64"})";

TEST_F(Pull, ConvertsWhatTheRegistryServes) {
    const auto layers = push(std::string(plain_config));
    auto pulled = pull();
    ASSERT_TRUE(pulled) << pulled.error().message;
    EXPECT_EQ(pulled->image.name, "registry.test/team/app");
    EXPECT_EQ(pulled->config_digest, oci::Digest::of(plain_config));
    const auto tree = test::tar_tree(out());
    EXPECT_EQ(tree.at("rootfs/a").data, "1");
    EXPECT_EQ(tree.at("rootfs/b").data, "2");
    for (const auto& digest : layers)
        EXPECT_EQ(registry.blob_gets(digest), 1u);
    const auto manifest = json::parse(tree.at("manifest").data);
    bool imageid = false;
    for (const auto& a : manifest.at("annotations"))
        imageid = imageid || (a.at("name") == "appc.io/docker/imageid" &&
                              a.at("value") == pulled->config_digest.to_string());
    EXPECT_TRUE(imageid) << manifest.dump();
}

TEST_F(Pull, ACorruptLayerStopsThePull) {
    const auto layers = push(std::string(plain_config));
    registry.corrupt_blob(repo, layers.back(), "not the layer");
    auto pulled = pull();
    ASSERT_FALSE(pulled);
    EXPECT_EQ(pulled.error().code, Errc::corrupt) << pulled.error().message;
}

TEST_F(Pull, RegistryFailuresComeBackAsTheyAre) {
    push(std::string(plain_config));
    registry.fail_with(make_error(Errc::network, "registry.test: connection refused"));
    auto pulled = pull();
    ASSERT_FALSE(pulled);
    EXPECT_EQ(pulled.error().code, Errc::network);
}

TEST_F(Pull, AnOversizedConfigIsRefusedBeforeItIsRead) {
    std::string config(plain_config);
    config.insert(config.size() - 1,
                  R"(,"pad":")" + std::string(max_image_config_bytes, 'x') + "\"");
    push(config);
    auto pulled = pull();
    ASSERT_FALSE(pulled);
    EXPECT_EQ(pulled.error().code, Errc::too_large) << pulled.error().message;
    EXPECT_EQ(registry.blob_gets(oci::Digest::of(config)), 0u);
}

}  // namespace
}  // namespace aciswarm::convert
