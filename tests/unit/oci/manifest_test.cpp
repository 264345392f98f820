#include "oci/manifest.hpp"

#include <gtest/gtest.h>

namespace aciswarm::oci {
namespace {

const std::string d1 = "sha256:" + std::string(64, '1');
const std::string d2 = "sha256:" + std::string(64, '2');
const std::string d3 = "sha256:" + std::string(64, '3');

std::string oci_manifest(bool with_media_type) {
    return std::string(R"({"schemaVersion":2,)") +
           (with_media_type ? R"("mediaType":"application/vnd.oci.image.manifest.v1+json",)" : "") +
           R"("config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")" + d1 +
           R"(","size":7},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip",)"
           R"("digest":")" +
           d2 +
           R"(","size":100},{"mediaType":"application/vnd.oci.image.layer.v1.tar",)"
           R"("digest":")" +
           d3 + R"(","size":200,"urls":["https://foreign.test/l"]}],"annotations":{}})";
}

std::string docker_list() {
    return R"({"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json",)"
           R"("manifests":[)"
           R"({"mediaType":"application/vnd.docker.distribution.manifest.v2+json","digest":")" +
           d1 +
           R"(","size":10,"platform":{"os":"linux","architecture":"arm","variant":"v7"}},)"
           R"({"mediaType":"application/vnd.docker.distribution.manifest.v2+json","digest":")" +
           d2 +
           R"(","size":11,"platform":{"os":"linux","architecture":"arm64"}},)"
           R"({"mediaType":"application/vnd.docker.distribution.manifest.v2+json","digest":")" +
           d3 + R"(","size":12,"platform":{"os":"linux","architecture":"amd64"}}]})";
}

TEST(OciManifest, ReadsAnOciManifestWithoutAMediaTypeField) {
    for (const bool with : {true, false}) {
        auto m = parse_manifest(oci_manifest(with), "", "r.test/a");
        ASSERT_TRUE(m) << m.error().message;
        const auto* image = std::get_if<ImageManifest>(&*m);
        ASSERT_NE(image, nullptr);
        EXPECT_EQ(image->media_type, oci_manifest_type);
        EXPECT_EQ(image->config.digest.to_string(), d1);
        EXPECT_EQ(image->config.size, 7u);
        ASSERT_EQ(image->layers.size(), 2u);
        EXPECT_EQ(image->layers[1].digest.to_string(), d3);
        EXPECT_EQ(image->layers[1].size, 200u);
        EXPECT_EQ(image->layers[1].urls, std::vector<std::string>{"https://foreign.test/l"});
    }
}

TEST(OciManifest, ContentTypeDecidesTheKind) {
    auto m = parse_manifest(oci_manifest(false),
                            std::string(docker_manifest_type) + "; charset=utf-8", "r.test/a");
    ASSERT_TRUE(m) << m.error().message;
    EXPECT_EQ(std::get<ImageManifest>(*m).media_type, docker_manifest_type);
}

TEST(OciManifest, ReadsAManifestListAndChoosesAPlatform) {
    auto m = parse_manifest(docker_list(), "", "r.test/a");
    ASSERT_TRUE(m) << m.error().message;
    const auto& index = std::get<ImageIndex>(*m);
    EXPECT_EQ(index.media_type, docker_list_type);
    ASSERT_EQ(index.manifests.size(), 3u);
    auto amd64 = choose_platform(index, default_platform());
    ASSERT_TRUE(amd64);
    EXPECT_EQ(amd64->digest.to_string(), d3);
    auto arm64 = choose_platform(index, *parse_platform("linux/arm64/v8"));
    ASSERT_TRUE(arm64);
    EXPECT_EQ(arm64->digest.to_string(), d2);
    auto armv7 = choose_platform(index, *parse_platform("linux/arm/v7"));
    ASSERT_TRUE(armv7);
    EXPECT_EQ(armv7->digest.to_string(), d1);
    auto missing = choose_platform(index, *parse_platform("windows/amd64"));
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, Errc::not_found);
    EXPECT_NE(missing.error().message.find("linux/arm/v7, linux/arm64, linux/amd64"),
              std::string::npos);
}

TEST(OciManifest, RefusesSchema1AndOtherMediaTypes) {
    auto v1 = parse_manifest(R"({"schemaVersion":1,"fsLayers":[]})", "", "r.test/a");
    ASSERT_FALSE(v1);
    EXPECT_EQ(v1.error().code, Errc::unsupported);
    auto other = parse_manifest(R"({"schemaVersion":2,"mediaType":"text/plain"})", "", "r.test/a");
    ASSERT_FALSE(other);
    EXPECT_EQ(other.error().code, Errc::unsupported);
}

TEST(OciManifest, ErrorsNameTheSourceAndTheField) {
    std::string bad = oci_manifest(true);
    bad.replace(bad.find(d2), d2.size(), "sha256:zz");
    auto m = parse_manifest(bad, "", "r.test/a");
    ASSERT_FALSE(m);
    EXPECT_NE(m.error().message.find("manifest of r.test/a: layers[0].digest"), std::string::npos)
        << m.error().message;
    auto no_size = parse_manifest(R"({"schemaVersion":2,"config":{"mediaType":"x","digest":")" +
                                      d1 + R"(","size":-1},"layers":[]})",
                                  "", "r.test/a");
    ASSERT_FALSE(no_size);
    EXPECT_NE(no_size.error().message.find("config.size"), std::string::npos);
    EXPECT_FALSE(parse_manifest("[]", "", "r.test/a"));
    EXPECT_FALSE(parse_manifest("{", "", "r.test/a"));
    EXPECT_FALSE(parse_manifest(std::string(max_manifest_bytes + 1, ' '), "", "r.test/a"));
}

TEST(OciManifest, PlatformText) {
    EXPECT_EQ(parse_platform("linux/amd64")->to_string(), "linux/amd64");
    EXPECT_EQ(parse_platform("linux/arm/v6")->variant, "v6");
    EXPECT_FALSE(parse_platform("linux"));
    EXPECT_FALSE(parse_platform("linux/"));
    EXPECT_FALSE(parse_platform("/amd64"));
    EXPECT_FALSE(parse_platform("linux/arm/v7/x"));
    EXPECT_FALSE(parse_platform("linux//v7"));
}

TEST(OciManifest, AcceptHeaderNamesAllFourTypes) {
    const std::string accept = manifest_accept_header();
    for (auto t : {oci_manifest_type, docker_manifest_type, oci_index_type, docker_list_type}) {
        EXPECT_NE(accept.find(t), std::string::npos) << t;
        EXPECT_TRUE(is_manifest_media_type(t));
    }
}

}  // namespace
}  // namespace aciswarm::oci
