// The ACI writer: what it writes reads back through the reader with the same
// manifest, and the same tree gives the same bytes.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "appc/aci_reader.hpp"
#include "appc/aci_writer.hpp"
#include "common/file_read.hpp"
#include "tests/support/temp_dir.hpp"

namespace aciswarm::appc {
namespace {

namespace fs = std::filesystem;

void write_text(const fs::path& p, std::string_view text) {
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
}

TEST(AciWriter, WrittenImageReadsBackWithItsManifest) {
    test::TempDir dir;
    const fs::path rootfs = dir.path() / "rootfs";
    write_text(rootfs / "bin" / "hello", "#!/bin/sh\necho hello\n");
    fs::create_symlink("bin/hello", rootfs / "hello");
    const Labels labels{{"version", "1.0"}, {"os", "linux"}, {"a.b", "1"}};
    const std::string manifest = render_manifest("example.com/app", labels);
    const fs::path out = dir.path() / "app.aci";
    ASSERT_TRUE(write_aci(rootfs, manifest, out));
    EXPECT_FALSE(fs::exists(dir.path() / "app.aci.tmp"));

    auto info = read_aci_file(out);
    ASSERT_TRUE(info) << info.error().message;
    EXPECT_EQ(info->compression, Compression::gzip);
    EXPECT_EQ(info->manifest.name, "example.com/app");
    EXPECT_EQ(info->manifest.labels, labels);
    EXPECT_EQ(info->manifest.raw, manifest);
    EXPECT_EQ(info->manifest.ac_version, written_ac_version);
}

TEST(AciWriter, SameTreeGivesSameBytes) {
    test::TempDir dir;
    const fs::path rootfs = dir.path() / "rootfs";
    write_text(rootfs / "etc" / "conf", "x=1\n");
    const std::string manifest = render_manifest("example.com/app", {{"version", "1"}});
    ASSERT_TRUE(write_aci(rootfs, manifest, dir.path() / "a.aci"));
    ASSERT_TRUE(write_aci(rootfs, manifest, dir.path() / "b.aci"));
    auto a = read_file_bounded((dir.path() / "a.aci").string(), 1 << 20);
    auto b = read_file_bounded((dir.path() / "b.aci").string(), 1 << 20);
    ASSERT_TRUE(a && b);
    EXPECT_EQ(*a, *b);
}

TEST(AciWriter, UnwritableOutputFailsNamingThePathAndLeavesNothing) {
    test::TempDir dir;
    const fs::path rootfs = dir.path() / "rootfs";
    fs::create_directories(rootfs);
    const fs::path out = dir.path() / "missing" / "app.aci";
    auto r = write_aci(rootfs, render_manifest("example.com/app", {}), out);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("app.aci.tmp"), std::string::npos) << r.error().message;
    EXPECT_FALSE(fs::exists(out));
}

}  // namespace
}  // namespace aciswarm::appc
