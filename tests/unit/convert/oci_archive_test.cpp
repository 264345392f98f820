// convert/oci_archive: the oci-archive:FILE[:TAG] argument, which tar entries
// are a layout's files, the image name from the file name, and unpacking
// (only the layout's files, regular, once; the size cap).
#include "convert/oci_archive.hpp"

#include <gtest/gtest.h>

#include "tests/support/layer_builder.hpp"
#include "tests/support/temp_dir.hpp"

namespace aciswarm::convert {
namespace {

namespace fs = std::filesystem;
const std::string hex64(64, 'a');

TEST(OciArchive, ArgumentWithAndWithoutTag) {
    auto a = parse_archive_argument("oci-archive:/tmp/x.tar:1.0");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->file, "/tmp/x.tar");
    EXPECT_EQ(a->tag, "1.0");
    auto b = parse_archive_argument("oci-archive:./dir:v/x.tar");  // a ':' before a '/': no tag
    ASSERT_TRUE(b);
    EXPECT_EQ(b->file, "./dir:v/x.tar");
    EXPECT_EQ(b->tag, "");
    EXPECT_FALSE(parse_archive_argument("oci-archive:"));
    EXPECT_FALSE(parse_archive_argument("oci:/tmp/x.tar"));
}

TEST(OciArchive, OnlyTheLayoutsOwnFilesAreUnpacked) {
    EXPECT_EQ(layout_entry_file("./index.json"), "index.json");
    EXPECT_EQ(layout_entry_file("oci-layout"), "oci-layout");
    EXPECT_EQ(layout_entry_file("./blobs/sha256/" + hex64), "blobs/sha256/" + hex64);
    for (const std::string& name : std::vector<std::string>{
             "manifest.json", "blobs/sha256/" + hex64 + "/x", "blobs/sha256/../../x",
             "blobs/sha512/" + std::string(128, 'a'), "/index.json", "../index.json",
             "blobs/sha256/" + std::string(64, 'A'), "blobs/sha256/", "./", ""}) {
        EXPECT_FALSE(layout_entry_file(name)) << name;
    }
}

TEST(OciArchive, ImageNameFromTheFileName) {
    EXPECT_EQ(archive_image_name("/tmp/alpine.tar"), "alpine");
    EXPECT_EQ(archive_image_name("web.tar.gz"), "web");
    EXPECT_EQ(archive_image_name("app.tgz"), "app");
    EXPECT_EQ(archive_image_name("plain"), "plain");
    EXPECT_EQ(archive_image_name(".tar"), ".tar");
}

TEST(OciArchive, UnpacksTheLayoutAndRefusesLinksDuplicatesAndExcess) {
    test::TempDir tmp;
    const fs::path good = test::write_layer(
        tmp / "good.tar.gz",
        {test::file("./oci-layout", "{}"), test::file("./index.json", "{\"a\":1}"),
         test::file("./blobs/sha256/" + hex64, "blob"), test::file("repositories", "{}")});
    ASSERT_TRUE(unpack_layout_archive(good, tmp / "out", 1 << 20));
    EXPECT_EQ(test::read_file(tmp / "out" / "index.json"), "{\"a\":1}");
    EXPECT_EQ(test::read_file(tmp / "out" / "blobs" / "sha256" / hex64), "blob");
    EXPECT_FALSE(fs::exists(tmp / "out" / "repositories"));

    auto unpack = [&](const std::string& name, const std::vector<test::LayerEntry>& entries,
                      std::uint64_t max = 1 << 20) {
        const fs::path tar = test::write_layer(tmp / (name + ".tar"), entries);
        return unpack_layout_archive(tar, tmp / name, max);
    };
    auto link = unpack("link", {test::symlink("index.json", "/etc/passwd")});
    ASSERT_FALSE(link);
    EXPECT_NE(link.error().message.find("index.json is not a regular file"), std::string::npos);
    auto hard = unpack(
        "hard", {test::file("oci-layout", "{}"), test::hard_link("index.json", "oci-layout")});
    ASSERT_FALSE(hard);
    auto twice =
        unpack("twice", {test::file("index.json", "{}"), test::file("./index.json", "{}")});
    ASSERT_FALSE(twice);
    EXPECT_NE(twice.error().message.find("twice"), std::string::npos) << twice.error().message;
    auto big = unpack("big", {test::file("index.json", std::string(100, 'x'))}, 99);
    ASSERT_FALSE(big);
    EXPECT_EQ(big.error().code, Errc::too_large);
    EXPECT_FALSE(unpack_layout_archive(tmp / "missing.tar", tmp / "missing", 1 << 20));
}

}  // namespace
}  // namespace aciswarm::convert
