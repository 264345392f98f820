#include "convert/oci_layout.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "convert/pull.hpp"
#include "tests/support/oci_layout_builder.hpp"
#include "tests/support/temp_dir.hpp"

namespace aciswarm::convert {
namespace {

using test::file;

test::OciImageSpec image_for(const std::string& arch, const std::string& marker) {
    test::OciImageSpec spec;
    spec.architecture = arch;
    spec.layers = {{file("etc/arch", marker)}, {file("etc/extra", "x")}};
    spec.runtime_config = R"({"Cmd":["/bin/sh"]})";
    return spec;
}

class OciLayout : public ::testing::Test {
  protected:
    std::filesystem::path layout() const { return tmp / "layout"; }
    Result<PulledImage> pull(const std::string& tag, const oci::Platform& platform) {
        LayoutRegistry registry(layout());
        PullRequest request;
        request.reference = tag;
        request.platform = platform;
        request.origin.repository = "layout";
        request.origin.tag = tag;
        const int fd = ::open((tmp / "out.aci").c_str(), O_CREAT | O_TRUNC | O_WRONLY, 0644);
        auto pulled = pull_and_convert(
            registry, request,
            [&registry](const oci::Descriptor& d, std::stop_token stop) {
                return registry.verified_blob_file(d.digest, stop);
            },
            fd);
        ::close(fd);
        return pulled;
    }
    std::string converted(const std::string& path) {
        return test::tar_tree(tmp / "out.aci").at("rootfs/" + path).data;
    }
    test::TempDir tmp;
};

TEST_F(OciLayout, ParsesTheArgument) {
    EXPECT_EQ(parse_layout_argument("oci:/srv/img:3.19")->dir, "/srv/img");
    EXPECT_EQ(parse_layout_argument("oci:/srv/img:3.19")->tag, "3.19");
    EXPECT_EQ(parse_layout_argument("oci:./img")->tag, "");
    EXPECT_EQ(parse_layout_argument("oci:a:b/c")->dir, "a:b/c");  // ':' inside the path
    EXPECT_FALSE(parse_layout_argument("oci:"));
    EXPECT_FALSE(parse_layout_argument("oci::tag"));
    EXPECT_FALSE(parse_layout_argument("docker://x"));
}

TEST_F(OciLayout, PicksTheTaggedImage) {
    const auto one = test::add_oci_image(layout(), image_for("amd64", "one"));
    const auto two = test::add_oci_image(layout(), image_for("amd64", "two"));
    test::write_oci_index_json(layout(), {{one, "1.0"}, {two, "2.0"}});
    auto pulled = pull("2.0", {"linux", "amd64", ""});
    ASSERT_TRUE(pulled) << pulled.error().message;
    EXPECT_EQ(converted("etc/arch"), "two");
    EXPECT_EQ(pulled->manifest_digest.to_string(), two.digest);
    EXPECT_EQ(pulled->image.labels.at("version"), "2.0");

    auto missing = pull("3.0", {"linux", "amd64", ""});
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, Errc::not_found);
    EXPECT_NE(missing.error().message.find("(tags: 1.0, 2.0)"), std::string::npos)
        << missing.error().message;
}

TEST_F(OciLayout, ChoosesThePlatformFromAnIndex) {
    auto amd = test::add_oci_image(layout(), image_for("amd64", "amd"));
    auto arm = test::add_oci_image(layout(), image_for("arm64", "arm"));
    amd.platform = "linux/amd64";
    arm.platform = "linux/arm64";
    test::write_oci_index_json(layout(), {{test::add_oci_index(layout(), {amd, arm}), "multi"}});
    auto pulled = pull("multi", {"linux", "arm64", ""});
    ASSERT_TRUE(pulled) << pulled.error().message;
    EXPECT_EQ(converted("etc/arch"), "arm");
    EXPECT_EQ(pulled->image.labels.at("arch"), "aarch64");
    auto none = pull("multi", {"linux", "s390x", ""});
    ASSERT_FALSE(none);
    EXPECT_NE(none.error().message.find("linux/amd64, linux/arm64"), std::string::npos)
        << none.error().message;
}

TEST_F(OciLayout, OnlyImageWithoutTag) {
    test::write_oci_index_json(layout(),
                               {{test::add_oci_image(layout(), image_for("amd64", "only")), ""}});
    auto pulled = pull("", {"linux", "amd64", ""});
    ASSERT_TRUE(pulled) << pulled.error().message;
    EXPECT_EQ(converted("etc/arch"), "only");
}

TEST_F(OciLayout, ACorruptBlobIsRefused) {
    const auto image = test::add_oci_image(layout(), image_for("amd64", "x"));
    test::write_oci_index_json(layout(), {{image, "t"}});
    // The last layer's blob: flip its content (same size).
    LayoutRegistry registry(layout());
    auto manifest = registry.get_manifest("", "t");
    ASSERT_TRUE(manifest) << manifest.error().message;
    const auto& layers = std::get<oci::ImageManifest>(manifest->manifest).layers;
    const auto blob = layout() / "blobs" / "sha256" / layers.back().digest.hex();
    std::string bytes = test::read_file(blob);
    bytes[bytes.size() / 2] ^= 0x55;
    test::write_file(blob, bytes);
    auto pulled = pull("t", {"linux", "amd64", ""});
    ASSERT_FALSE(pulled);
    EXPECT_EQ(pulled.error().code, Errc::corrupt) << pulled.error().message;
}

TEST_F(OciLayout, ForeignLayersAreRefused) {
    auto image = image_for("amd64", "x");
    test::write_oci_index_json(layout(), {{test::add_oci_image(layout(), image), "t"}});
    LayoutRegistry registry(layout());
    auto manifest = registry.get_manifest("", "t");
    ASSERT_TRUE(manifest);
    // Rewrite the manifest with a non-distributable layer type.
    std::string body = manifest->body;
    const std::string from = "application/vnd.oci.image.layer.v1.tar+gzip";
    body.replace(body.find(from), from.size(),
                 "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip");
    test::OciDescriptor rewritten{"application/vnd.oci.image.manifest.v1+json",
                                  test::write_oci_blob(layout(), body), body.size(), ""};
    test::write_oci_index_json(layout(), {{rewritten, "t"}});
    auto pulled = pull("t", {"linux", "amd64", ""});
    ASSERT_FALSE(pulled);
    EXPECT_EQ(pulled.error().code, Errc::unsupported);
    EXPECT_NE(pulled.error().message.find("nondistributable"), std::string::npos);
}

}  // namespace
}  // namespace aciswarm::convert
