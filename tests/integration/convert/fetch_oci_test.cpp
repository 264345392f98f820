// `aciswarm fetch oci:DIR[:TAG]` through the real binary: an OCI image
// layout (several layers, a whiteout, an opaque directory, a symlink, a hard
// link) converted to an ACI and imported into the store through the normal
// import; the trust policy (a converted image is unsigned); the platform
// choice from an index; a layout written by skopeo; oci-archive:FILE, a tar
// of a layout.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/integration/convert/sample_image.hpp"
#include "tests/support/layer_builder.hpp"
#include "tests/support/oci_layout_builder.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace aciswarm::test {
namespace {

namespace fs = std::filesystem;

class FetchOci : public ::testing::Test {
  protected:
    RunResult aciswarm(std::vector<std::string> args) {
        args.insert(args.begin(), bin("aciswarm"));
        args.push_back("--store=" + (tmp / "store").string());
        return run(args);
    }
    RunResult fetch(const std::string& source, std::vector<std::string> extra = {}) {
        std::vector<std::string> args = {"fetch", source, "--no-progress",
                                         "--trust-dir=" + (tmp / "trust").string()};
        args.insert(args.end(), extra.begin(), extra.end());
        return aciswarm(args);
    }
    static std::string first_line(const std::string& out) { return out.substr(0, out.find('\n')); }
    nlohmann::json manifest_of(const std::string& id) {
        auto r = aciswarm({"image", "cat-manifest", id});
        EXPECT_EQ(r.status.code, 0) << r.err;
        return nlohmann::json::parse(r.out, nullptr, false);
    }
    fs::path layout() const { return tmp / "server"; }
    TempDir tmp;
};

TEST_F(FetchOci, AConvertedImageNeedsInsecureImage) {
    write_oci_index_json(layout(), {{add_oci_image(layout(), sample_image()), "1.0"}});
    auto r = fetch("oci:" + layout().string() + ":1.0");
    EXPECT_EQ(r.status.code, 3) << r.err;
    EXPECT_NE(r.err.find("a converted image is not signed"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("--insecure-options=image"), std::string::npos) << r.err;
    EXPECT_EQ(aciswarm({"image", "list"}).out.find("server"), std::string::npos);
}

TEST_F(FetchOci, StoresTheConvertedImage) {
    write_oci_index_json(layout(), {{add_oci_image(layout(), sample_image()), "1.0"}});
    auto r = fetch("oci:" + layout().string() + ":1.0", {"--insecure-options=image", "--full"});
    ASSERT_EQ(r.status.code, 0) << r.err;
    const std::string id = first_line(r.out);
    const auto manifest = manifest_of(id);
    EXPECT_EQ(manifest.at("name"), "server");
    EXPECT_EQ(manifest.at("app").at("exec"), nlohmann::json({"/usr/bin/web", "--port", "8080"}));
    EXPECT_EQ(manifest.at("app").at("user"), "1000");

    const fs::path exported = tmp / "exported.aci";
    ASSERT_EQ(aciswarm({"image", "export", id, exported.string()}).status.code, 0);
    expect_sample_tree(tar_tree(exported));
    auto validate = run({"actool", "validate", exported.string()});
    EXPECT_EQ(validate.status.code, 0) << validate.out << validate.err;

    // The same layout again: the same image ID (the conversion is deterministic).
    auto again = fetch("oci:" + layout().string() + ":1.0", {"--insecure-options=image", "--full"});
    ASSERT_EQ(again.status.code, 0) << again.err;
    EXPECT_EQ(first_line(again.out), id);
}

// oci-archive:FILE (gzip-compressed here, with docker's manifest.json beside
// the layout, which is skipped) converts like its layout: the same tree and
// the same manifest but for the originalname annotation (the argument given).
TEST_F(FetchOci, AnArchiveConvertsLikeItsLayout) {
    write_oci_index_json(layout(), {{add_oci_image(layout(), sample_image()), "1.0"}});
    write_file(layout() / "manifest.json", "[]");
    auto from_layout =
        fetch("oci:" + layout().string() + ":1.0", {"--insecure-options=image", "--full"});
    ASSERT_EQ(from_layout.status.code, 0) << from_layout.err;
    const fs::path archive = tmp / "server.tar.gz";
    auto tar = run({"tar", "-C", layout().string(), "-czf", archive.string(), "."});
    ASSERT_EQ(tar.status.code, 0) << tar.err;
    const std::string argument = "oci-archive:" + archive.string() + ":1.0";
    auto r = fetch(argument, {"--insecure-options=image", "--full"});
    ASSERT_EQ(r.status.code, 0) << r.err;
    const std::string id = first_line(r.out);
    const fs::path exported = tmp / "archive.aci";
    ASSERT_EQ(aciswarm({"image", "export", id, exported.string()}).status.code, 0);
    expect_sample_tree(tar_tree(exported));
    auto without_original_name = [](nlohmann::json manifest, const std::string& expected) {
        auto& annotations = manifest.at("annotations");
        for (auto it = annotations.begin(); it != annotations.end(); ++it) {
            if (it->at("name") != "appc.io/docker/originalname") continue;
            EXPECT_EQ(it->at("value"), expected);
            annotations.erase(it);
            break;
        }
        return manifest;
    };
    EXPECT_EQ(without_original_name(manifest_of(id), argument),
              without_original_name(manifest_of(first_line(from_layout.out)),
                                    "oci:" + layout().string() + ":1.0"));
    EXPECT_EQ(manifest_of(id).at("name"), "server");
}

// What an archive may not do: a name outside the layout is skipped (never
// written), a layout file that is a symlink is refused.
TEST_F(FetchOci, AnArchiveWritesOnlyTheLayoutsFiles) {
    const fs::path archive = tmp / "evil.tar";
    write_layer(archive,
                {file("../../escape", "x"), file("/abs-escape", "x"),
                 symlink("index.json", "/etc/passwd"), file("oci-layout", "{}")},
                AciCompression::none);
    auto r = fetch("oci-archive:" + archive.string(), {"--insecure-options=image"});
    EXPECT_NE(r.status.code, 0);
    EXPECT_NE(r.err.find("index.json is not a regular file"), std::string::npos) << r.err;
    for (const auto& entry : fs::recursive_directory_iterator(tmp.path()))
        EXPECT_NE(entry.path().filename(), "escape") << entry.path();
    EXPECT_FALSE(fs::exists("/abs-escape"));
    auto missing =
        fetch("oci-archive:" + (tmp / "none.tar").string(), {"--insecure-options=image"});
    EXPECT_NE(missing.status.code, 0);
    EXPECT_NE(missing.err.find("none.tar"), std::string::npos) << missing.err;
}

TEST_F(FetchOci, PlatformFromAnIndex) {
    auto amd = add_oci_image(layout(), sample_image("amd64"));
    auto arm = add_oci_image(layout(), sample_image("arm64"));
    amd.platform = "linux/amd64";
    arm.platform = "linux/arm64";
    write_oci_index_json(layout(), {{add_oci_index(layout(), {amd, arm}), "multi"}});
    auto r = fetch("oci:" + layout().string() + ":multi",
                   {"--insecure-options=image", "--full", "--platform=linux/arm64"});
    ASSERT_EQ(r.status.code, 0) << r.err;
    const auto manifest = manifest_of(first_line(r.out));
    bool aarch64 = false;
    for (const auto& label : manifest.at("labels"))
        aarch64 = aarch64 || (label.at("name") == "arch" && label.at("value") == "aarch64");
    EXPECT_TRUE(aarch64) << manifest.dump();
    auto bad = fetch("oci:" + layout().string() + ":multi",
                     {"--insecure-options=image", "--platform=linux"});
    EXPECT_EQ(bad.status.code, 2) << bad.err;
    EXPECT_NE(bad.err.find("--platform"), std::string::npos) << bad.err;
}

TEST_F(FetchOci, ReadsALayoutSkopeoWrote) {
    write_oci_index_json(layout(), {{add_oci_image(layout(), sample_image()), "1.0"}});
    const fs::path copy = tmp / "copied";
    auto skopeo = run({"skopeo", "--insecure-policy", "copy", "oci:" + layout().string() + ":1.0",
                       "oci:" + copy.string() + ":copy"});
    ASSERT_EQ(skopeo.status.code, 0) << skopeo.err;
    auto r = fetch("oci:" + copy.string() + ":copy", {"--insecure-options=image", "--full"});
    ASSERT_EQ(r.status.code, 0) << r.err;
    EXPECT_EQ(manifest_of(first_line(r.out)).at("name"), "copied");
    auto missing = fetch("oci:" + copy.string() + ":nope", {"--insecure-options=image"});
    EXPECT_NE(missing.status.code, 0);
    EXPECT_NE(missing.err.find("(tags: copy)"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace aciswarm::test
