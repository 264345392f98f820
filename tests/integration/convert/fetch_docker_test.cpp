// `aciswarm fetch docker://REGISTRY/NAME:TAG` against a real registry
// (docker-registry 2.8 on loopback, plain HTTP: --insecure-options=http):
// an image with several layers, a whiteout, an opaque directory, a symlink
// and a hard link pushed with `skopeo copy oci:… docker://…`; the stored
// ACI's rootfs and manifest, each blob fetched once, a multi-platform index,
// a digest reference, an unsigned image refused without
// --insecure-options=image.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/integration/convert/sample_image.hpp"
#include "tests/support/layer_builder.hpp"
#include "tests/support/oci_layout_builder.hpp"
#include "tests/support/oci_registry.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace aciswarm::test {
namespace {

namespace fs = std::filesystem;

class FetchDocker : public ::testing::Test {
  protected:
    void SetUp() override { ASSERT_FALSE(registry.host_port().empty()); }

    // Pushes the layout's tag to repository:tag (every platform of an index).
    void push(const fs::path& layout, const std::string& tag, const std::string& target) {
        SpawnOptions home;
        home.env["HOME"] = tmp.path().string();
        auto r = run({"skopeo", "--insecure-policy", "copy", "--quiet", "--all",
                      "--dest-tls-verify=false", "oci:" + layout.string() + ":" + tag,
                      "docker://" + registry.host_port() + "/" + target},
                     home);
        ASSERT_EQ(r.status.code, 0) << r.err;
    }
    RunResult fetch(const std::string& reference, std::vector<std::string> extra = {}) {
        std::vector<std::string> args = {bin("aciswarm"),
                                         "fetch",
                                         "docker://" + reference,
                                         "--no-progress",
                                         "--full",
                                         "--store=" + (tmp / "store").string(),
                                         "--trust-dir=" + (tmp / "trust").string()};
        args.insert(args.end(), extra.begin(), extra.end());
        return run(args);
    }
    nlohmann::json manifest_of(const RunResult& fetched) {
        const std::string id = fetched.out.substr(0, fetched.out.find('\n'));
        auto r = run(
            {bin("aciswarm"), "image", "cat-manifest", id, "--store=" + (tmp / "store").string()});
        EXPECT_EQ(r.status.code, 0) << r.err;
        return nlohmann::json::parse(r.out, nullptr, false);
    }
    std::map<std::string, TarEntry> exported(const RunResult& fetched) {
        const std::string id = fetched.out.substr(0, fetched.out.find('\n'));
        const fs::path out = tmp / ("export-" + id.substr(7, 12) + ".aci");
        auto r = run({bin("aciswarm"), "image", "export", id, out.string(),
                      "--store=" + (tmp / "store").string()});
        EXPECT_EQ(r.status.code, 0) << r.err;
        return tar_tree(out);
    }
    static std::string annotation(const nlohmann::json& manifest, const std::string& name) {
        for (const auto& a : manifest.at("annotations"))
            if (a.at("name") == name) return a.at("value");
        return "(absent)";
    }

    TempDir tmp;
    DockerRegistry registry{tmp / "registry", {}};
};

TEST_F(FetchDocker, ConvertsAPushedImage) {
    const fs::path layout = tmp / "layout";
    const auto image = add_oci_image(layout, sample_image("amd64"));
    write_oci_index_json(layout, {{image, "1.0"}});
    push(layout, "1.0", "team/web:1.0");

    auto unsigned_fetch =
        fetch(registry.host_port() + "/team/web:1.0", {"--insecure-options=http"});
    EXPECT_EQ(unsigned_fetch.status.code, 3) << unsigned_fetch.err;
    EXPECT_NE(unsigned_fetch.err.find("a converted image is not signed"), std::string::npos)
        << unsigned_fetch.err;

    auto r = fetch(registry.host_port() + "/team/web:1.0", {"--insecure-options=http,image"});
    ASSERT_EQ(r.status.code, 0) << r.err;
    const auto manifest = manifest_of(r);
    const std::string name = "127.0.0.1_" + registry.host_port().substr(10) + "/team/web";
    EXPECT_EQ(manifest.at("name"), name);
    EXPECT_EQ(manifest.at("app").at("exec"), nlohmann::json({"/usr/bin/web", "--port", "8080"}));
    EXPECT_EQ(manifest.at("app").at("workingDirectory"), "/srv");
    EXPECT_EQ(manifest.at("app").at("mountPoints").at(0).at("name"), "volume-srv-data");
    EXPECT_EQ(annotation(manifest, "appc.io/docker/registryurl"), registry.host_port());
    EXPECT_EQ(annotation(manifest, "appc.io/docker/repository"), "team/web");
    EXPECT_EQ(annotation(manifest, "appc.io/docker/tag"), "1.0");
    EXPECT_EQ(annotation(manifest, "appc.io/docker/entrypoint"), R"(["/usr/bin/web"])");
    EXPECT_EQ(annotation(manifest, "appc.io/docker/manifesthash").rfind("sha256:", 0), 0u);

    expect_sample_tree(exported(r));

    // The unsigned fetch was refused before any blob was read: one GET per layer.
    // The parsed manifest is a named local: a range-for over a member of a temporary
    // would read freed memory (ASan's heap-use-after-free here).
    const auto pushed_manifest = nlohmann::json::parse(
        test::read_file(layout / "blobs" / "sha256" / image.digest.substr(7)));
    for (const auto& layer : pushed_manifest.at("layers")) {
        const std::string path = "/v2/team/web/blobs/" + layer.at("digest").get<std::string>();
        EXPECT_EQ(registry.count_requests("GET", path), 1) << path;
    }
}

TEST_F(FetchDocker, PlatformFromAnIndexAndDigestReferences) {
    const fs::path layout = tmp / "layout";
    auto amd = add_oci_image(layout, sample_image("amd64"));
    auto arm = add_oci_image(layout, sample_image("arm64"));
    amd.platform = "linux/amd64";
    arm.platform = "linux/arm64";
    write_oci_index_json(layout, {{add_oci_index(layout, {amd, arm}), "multi"}});
    push(layout, "multi", "team/multi:2");

    auto r = fetch(registry.host_port() + "/team/multi:2",
                   {"--insecure-options=http,image", "--platform=linux/arm64"});
    ASSERT_EQ(r.status.code, 0) << r.err;
    expect_sample_tree(exported(r), "arm64");

    // By digest: the arm64 manifest itself (no tag: no version label).
    auto by_digest = fetch(registry.host_port() + "/team/multi@" + arm.digest,
                           {"--insecure-options=http,image"});
    ASSERT_EQ(by_digest.status.code, 0) << by_digest.err;
    const auto manifest = manifest_of(by_digest);
    for (const auto& label : manifest.at("labels"))
        EXPECT_NE(label.at("name"), "version");
    EXPECT_EQ(exported(by_digest).at("rootfs/usr/bin/web").data, "arm64");

    auto missing =
        fetch(registry.host_port() + "/team/multi:nope", {"--insecure-options=http,image"});
    EXPECT_NE(missing.status.code, 0);
    auto https_only = fetch(registry.host_port() + "/team/multi:2", {"--insecure-options=image"});
    EXPECT_NE(https_only.status.code, 0);  // plain HTTP needs --insecure-options=http
}

}  // namespace
}  // namespace aciswarm::test
