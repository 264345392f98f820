// The fake behaves as the Registry contract says (the mirror's and the
// converter's unit tests rely on it), and download_blob_to_file leaves a file
// only when the digest matched.
#include "tests/support/fake_registry.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/support/temp_dir.hpp"

namespace aciswarm::test {
namespace {

const std::string config_digest = "sha256:" + std::string(64, 'c');

std::string manifest_for(const oci::Digest& layer, std::size_t size) {
    return R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",)"
           R"("config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")" +
           config_digest +
           R"(","size":2},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar",)"
           R"("digest":")" +
           layer.to_string() + R"(","size":)" + std::to_string(size) + "}]}";
}

TEST(FakeRegistry, ServesManifestsByTagAndDigest) {
    FakeRegistry registry;
    const oci::Digest layer = registry.add_blob("team/app", "layer bytes");
    const std::string body = manifest_for(layer, 11);
    const oci::Digest digest =
        registry.add_manifest("team/app", "v1", body, std::string(oci::oci_manifest_type));
    auto by_tag = registry.get_manifest("team/app", "v1");
    ASSERT_TRUE(by_tag) << by_tag.error().message;
    EXPECT_EQ(by_tag->digest, digest);
    EXPECT_EQ(by_tag->body, body);
    EXPECT_EQ(std::get<oci::ImageManifest>(by_tag->manifest).layers.at(0).digest, layer);
    auto by_digest = registry.get_manifest("team/app", digest.to_string());
    ASSERT_TRUE(by_digest);
    auto head = registry.head_manifest("team/app", "v1");
    ASSERT_TRUE(head);
    EXPECT_EQ(head->digest, digest);
    EXPECT_EQ(head->size, body.size());
    auto missing = registry.get_manifest("team/app", "v2");
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, Errc::not_found);
    EXPECT_EQ(registry.manifest_gets(), 3u);
}

TEST(FakeRegistry, DownloadsABlobToAFileOnlyWhenItsDigestMatches) {
    TempDir dir;
    FakeRegistry registry;
    const oci::Digest good = registry.add_blob("a", "good bytes");
    auto size = oci::download_blob_to_file(registry, "a", good, dir / "good");
    ASSERT_TRUE(size) << size.error().message;
    EXPECT_EQ(*size, 10u);
    EXPECT_EQ(read_file(dir / "good"), "good bytes");
    EXPECT_EQ(registry.blob_gets(good), 1u);

    const oci::Digest claimed = oci::Digest::of("the real bytes");
    registry.corrupt_blob("a", claimed, "tampered bytes");
    auto bad = oci::download_blob_to_file(registry, "a", claimed, dir / "bad");
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, Errc::corrupt);
    // Nothing at the path, and no partial file left behind.
    std::size_t files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
        EXPECT_EQ(entry.path().filename(), "good");
        ++files;
    }
    EXPECT_EQ(files, 1u);
}

TEST(FakeRegistry, InjectedFailuresAndUnknownBlobs) {
    FakeRegistry registry;
    const oci::Digest d = registry.add_blob("a", "x");
    EXPECT_EQ(registry.head_blob("a", d).value_or(0), 1u);
    EXPECT_EQ(registry.head_blob("b", d).error().code, Errc::not_found);
    registry.fail_with(make_error(Errc::network, "registry.test: HTTP 503"));
    auto failed = registry.get_blob("a", d, [](std::string_view) { return Status{}; }, {});
    ASSERT_FALSE(failed);
    EXPECT_EQ(failed.error().code, Errc::network);
    registry.fail_with(std::nullopt);
    EXPECT_TRUE(registry.get_blob("a", d, [](std::string_view) { return Status{}; }, {}));
    EXPECT_EQ(registry.blob_gets(d), 2u);
}

}  // namespace
}  // namespace aciswarm::test
