#include <gtest/gtest.h>

#include "oci/registry_client.hpp"
#include "tests/support/oci_registry.hpp"
#include "tests/support/random_bytes.hpp"
#include "tests/support/temp_dir.hpp"

namespace aciswarm::test {
namespace {

oci::RegistryClientOptions options_for(const std::string& host_port) {
    oci::RegistryClientOptions options;
    options.registry = host_port;
    options.base_url = "http://" + host_port;
    options.http.allow_http = true;
    return options;
}

Result<std::string> blob_text(oci::Registry& registry, const std::string& repo,
                              const oci::Digest& digest) {
    std::string out;
    auto got = registry.get_blob(repo, digest,
                                 [&](std::string_view bytes) {
                                     out.append(bytes);
                                     return Status{};
                                 },
                                 {});
    if (!got) return std::move(got).error();
    return out;
}

TEST(OciRegistryClient, PullsWhatSkopeoPushed) {
    TempDir dir;
    DockerRegistry upstream(dir.path(), DockerRegistry::Options{});
    ASSERT_FALSE(upstream.host_port().empty());
    const std::string layer1 = "first layer bytes", layer2(300000, 'x');
    // Larger than a page's 4 MiB cap: its HEAD still gives its size (the mirror's check).
    const std::string layer3 = random_bytes(5 << 20, 31);
    const PushedImage image = upstream.push("team/app", "v1", {layer1, layer2, layer3});

    oci::RegistryClient client(options_for(upstream.host_port()));
    ASSERT_TRUE(client.ping());
    auto by_tag = client.get_manifest("team/app", "v1");
    ASSERT_TRUE(by_tag) << by_tag.error().message;
    EXPECT_EQ(by_tag->digest, image.manifest);
    EXPECT_EQ(by_tag->media_type, oci::oci_manifest_type);
    const auto& manifest = std::get<oci::ImageManifest>(by_tag->manifest);
    ASSERT_EQ(manifest.layers.size(), 3u);
    EXPECT_EQ(manifest.layers[1].digest, image.layers[1]);
    EXPECT_EQ(manifest.config.digest, image.config);

    auto by_digest = client.get_manifest("team/app", image.manifest.to_string());
    ASSERT_TRUE(by_digest) << by_digest.error().message;
    EXPECT_EQ(by_digest->body, by_tag->body);
    auto head = client.head_manifest("team/app", "v1");
    ASSERT_TRUE(head) << head.error().message;
    EXPECT_EQ(head->digest, image.manifest);
    EXPECT_EQ(head->size, by_tag->body.size());

    EXPECT_EQ(client.head_blob("team/app", image.layers[1]).value_or(0),
              image.layer_blobs[1].size());
    auto big = client.head_blob("team/app", image.layers[2]);
    ASSERT_TRUE(big) << big.error().message;
    EXPECT_EQ(*big, image.layer_blobs[2].size());
    auto size = oci::download_blob_to_file(client, "team/app", image.layers[1], dir / "layer2");
    ASSERT_TRUE(size) << size.error().message;
    EXPECT_EQ(read_file(dir / "layer2"), image.layer_blobs[1]);
    EXPECT_EQ(upstream.count_requests("GET", "/v2/team/app/blobs/" + image.layers[1].to_string()),
              1);
}

TEST(OciRegistryClient, UnknownNamesAreNotFound) {
    TempDir dir;
    DockerRegistry upstream(dir.path(), DockerRegistry::Options{});
    ASSERT_FALSE(upstream.host_port().empty());
    oci::RegistryClient client(options_for(upstream.host_port()));
    auto tag = client.get_manifest("team/none", "v1");
    ASSERT_FALSE(tag);
    EXPECT_EQ(tag.error().code, Errc::not_found);
    EXPECT_NE(tag.error().message.find("team/none:v1"), std::string::npos) << tag.error().message;
    auto blob = blob_text(client, "team/none", oci::Digest::of("nothing"));
    ASSERT_FALSE(blob);
    EXPECT_EQ(blob.error().code, Errc::not_found);
    EXPECT_FALSE(client.get_manifest("team/../../x", "v1"));
}

TEST(OciRegistryClient, BasicAuthFromADockerConfig) {
    TempDir dir;
    DockerRegistry upstream(dir.path(),
                            DockerRegistry::Options{"puller", "s3cret pass", std::nullopt});
    ASSERT_FALSE(upstream.host_port().empty());
    const PushedImage image = upstream.push("private/app", "v1", {"private layer"});

    oci::RegistryClient anonymous(options_for(upstream.host_port()));
    auto refused = anonymous.get_manifest("private/app", "v1");
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, Errc::permission);
    EXPECT_NE(refused.error().message.find("no credentials"), std::string::npos)
        << refused.error().message;

    // base64("puller:s3cret pass")
    auto config = oci::parse_docker_config(
        R"({"auths":{")" + upstream.host_port() + R"(":{"auth":"cHVsbGVyOnMzY3JldCBwYXNz"}}})",
        "config.json");
    ASSERT_TRUE(config) << config.error().message;
    oci::RegistryClientOptions options = options_for(upstream.host_port());
    options.auth = config->at(upstream.host_port());
    oci::RegistryClient client(options);
    auto manifest = client.get_manifest("private/app", "v1");
    ASSERT_TRUE(manifest) << manifest.error().message;
    EXPECT_EQ(manifest->digest, image.manifest);
    auto blob = blob_text(client, "private/app", image.layers[0]);
    ASSERT_TRUE(blob) << blob.error().message;
    EXPECT_EQ(*blob, image.layer_blobs[0]);

    options.auth->password = http::Secret("wrong");
    oci::RegistryClient wrong(options);
    auto denied = wrong.get_manifest("private/app", "v1");
    ASSERT_FALSE(denied);
    EXPECT_EQ(denied.error().code, Errc::permission);
    EXPECT_EQ(denied.error().message.find("wrong"), std::string::npos);
}

struct TokenRegistry {
    Process process =
        Process::spawn({"/usr/bin/python3",
                        std::string(ACISWARM_SOURCE_DIR) + "/tests/support/oci_token_registry.py",
                        "puller", "pw"});
    int port = process.wait_for_listening("http");
};

TEST(OciRegistryClient, BearerTokenFlowCachesTheTokenAndKeepsItOffStorage) {
    TokenRegistry upstream;
    ASSERT_GT(upstream.port, 0) << upstream.process.stderr_text();
    oci::RegistryClientOptions options = options_for("127.0.0.1:" + std::to_string(upstream.port));
    options.auth = oci::RegistryAuth{"puller", http::Secret("pw"), {}, "test"};
    oci::RegistryClient client(options);

    auto first = client.get_manifest("team/app", "v1");
    ASSERT_TRUE(first) << first.error().message;
    auto again = client.get_manifest("team/app", first->digest.to_string());
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(client.token_requests(), 1u);  // the second GET reused the cached token

    const auto& layer = std::get<oci::ImageManifest>(first->manifest).layers.at(0);
    auto blob = blob_text(client, "team/app", layer.digest);
    ASSERT_TRUE(blob) << blob.error().message;
    EXPECT_EQ(*blob, "a blob behind a token\n");
    // Redirected to storage on another port: no Authorization went there.
    ASSERT_TRUE(upstream.process.wait_for_stderr(std::regex("storage authorization=(yes|no)")));
    EXPECT_EQ(upstream.process.stderr_text().find("storage authorization=yes"), std::string::npos);
    EXPECT_EQ(client.token_requests(), 1u);
}

TEST(OciRegistryClient, ABlobThatDoesNotHashToItsDigestIsCorrupt) {
    TokenRegistry upstream;
    ASSERT_GT(upstream.port, 0) << upstream.process.stderr_text();
    oci::RegistryClientOptions options = options_for("127.0.0.1:" + std::to_string(upstream.port));
    options.auth = oci::RegistryAuth{"puller", http::Secret("pw"), {}, "test"};
    oci::RegistryClient client(options);
    TempDir dir;
    const oci::Digest promised = oci::Digest::of("what the digest promises\n");
    auto got = oci::download_blob_to_file(client, "team/app", promised, dir / "blob");
    ASSERT_FALSE(got);
    EXPECT_EQ(got.error().code, Errc::corrupt) << got.error().message;
    EXPECT_FALSE(std::filesystem::exists(dir / "blob"));
}

TEST(OciRegistryClient, WrongTokenServiceCredentialsAreRefused) {
    TokenRegistry upstream;
    ASSERT_GT(upstream.port, 0) << upstream.process.stderr_text();
    oci::RegistryClientOptions options = options_for("127.0.0.1:" + std::to_string(upstream.port));
    options.auth = oci::RegistryAuth{"puller", http::Secret("not-pw"), {}, "test"};
    oci::RegistryClient client(options);
    auto refused = client.get_manifest("team/app", "v1");
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, Errc::permission) << refused.error().message;
    EXPECT_EQ(refused.error().message.find("not-pw"), std::string::npos);
}

}  // namespace
}  // namespace aciswarm::test
