#include "convert/squash.hpp"

#include <gtest/gtest.h>

#include "appc/aci_reader.hpp"
#include "tests/support/layer_builder.hpp"
#include "tests/support/temp_dir.hpp"

namespace aciswarm::convert {
namespace {

using test::AciCompression;
using test::dir;
using test::file;
using test::hard_link;
using test::LayerEntry;
using test::opaque;
using test::symlink;
using test::TarEntry;
using test::whiteout;
using Type = LayerEntry::Type;

constexpr std::string_view manifest =
    R"({"acKind":"ImageManifest","acVersion":"0.8.11","name":"example.com/squashed"})";

class Squash : public ::testing::Test {
  protected:
    // Layers base first; returns the squashed tree by path ("rootfs/..." keys).
    Result<std::map<std::string, TarEntry>> squash(
        const std::vector<std::vector<LayerEntry>>& layers, const SquashOptions& options = {},
        AciCompression compression = AciCompression::gzip) {
        std::vector<LayerFile> files;
        for (std::size_t i = 0; i < layers.size(); ++i) {
            const auto path = tmp / ("layer" + std::to_string(i) + ".tar");
            files.push_back({test::write_layer(path, layers[i], compression),
                             "sha256:layer" + std::to_string(i)});
        }
        auto stats = write_squashed_aci(files, manifest, out(), options);
        if (!stats) return std::move(stats).error();
        last_stats = *stats;
        return test::tar_tree(out());
    }
    std::filesystem::path out() const { return tmp / "out.aci"; }

    test::TempDir tmp;
    SquashStats last_stats;
};

std::vector<std::string> rootfs_paths(const std::map<std::string, TarEntry>& tree) {
    std::vector<std::string> out;
    for (const auto& [path, entry] : tree)
        if (path.starts_with("rootfs/")) out.push_back(path.substr(7));
    return out;
}

TEST_F(Squash, LaterLayersOverrideEarlierOnes) {
    auto tree = squash({{dir("etc"), file("etc/a", "one"), file("etc/b", "keep")},
                        {dir("etc", 0700), file("etc/a", "two", 0600)}});
    ASSERT_TRUE(tree) << tree.error().message;
    EXPECT_EQ(rootfs_paths(*tree), (std::vector<std::string>{"etc", "etc/a", "etc/b"}));
    EXPECT_EQ(tree->at("rootfs/etc/a").data, "two");
    EXPECT_EQ(tree->at("rootfs/etc/a").mode, 0600u);
    EXPECT_EQ(tree->at("rootfs/etc").mode, 0700u);  // the directory's top version
    EXPECT_EQ(tree->at("rootfs/etc/b").data, "keep");
    EXPECT_EQ(tree->at("manifest").data, manifest);
    EXPECT_EQ(last_stats.entries_hidden, 2u);
}

TEST_F(Squash, WhiteoutsDeleteFilesAndWholeDirectories) {
    auto tree = squash({{dir("etc"), file("etc/x", "x"), file("etc/y", "y"), dir("d"),
                         file("d/f1", "1"), dir("d/sub"), file("d/sub/f2", "2")},
                        {whiteout("etc/x"), whiteout("d")},
                        {file("d/new", "n")}});
    ASSERT_TRUE(tree) << tree.error().message;
    EXPECT_EQ(rootfs_paths(*tree), (std::vector<std::string>{"d", "d/new", "etc", "etc/y"}));
    // d was deleted by layer 1: the directory layer 2's file implies is a new one.
    EXPECT_EQ(tree->at("rootfs/d").mode, 0755u);
    EXPECT_EQ(tree->at("rootfs/d").mtime, 0);
}

TEST_F(Squash, OpaqueDirectoryHidesOnlyLowerLayers) {
    auto tree = squash({{dir("d"), file("d/old", "o"), dir("d/olddir"), file("d/olddir/f", "f"),
                         file("keep", "k")},
                        {dir("d"), opaque("d"), file("d/new", "n")}});
    ASSERT_TRUE(tree) << tree.error().message;
    EXPECT_EQ(rootfs_paths(*tree), (std::vector<std::string>{"d", "d/new", "keep"}));
}

TEST_F(Squash, WhiteoutAndRecreateInOneLayer) {
    auto tree =
        squash({{dir("d"), file("d/old", "o")}, {whiteout("d"), dir("d"), file("d/new", "n")}});
    ASSERT_TRUE(tree) << tree.error().message;
    EXPECT_EQ(rootfs_paths(*tree), (std::vector<std::string>{"d", "d/new"}));
}

TEST_F(Squash, FileReplacesDirectoryAndDirectoryReplacesFile) {
    auto tree = squash({{dir("a"), file("a/inner", "i"), file("b", "file")},
                        {file("a", "now a file"), dir("b"), file("b/inner", "j")}});
    ASSERT_TRUE(tree) << tree.error().message;
    EXPECT_EQ(rootfs_paths(*tree), (std::vector<std::string>{"a", "b", "b/inner"}));
    EXPECT_EQ(tree->at("rootfs/a").type, Type::file);
    EXPECT_EQ(tree->at("rootfs/b").type, Type::directory);
}

TEST_F(Squash, KeepsSymlinksModesOwnersTimesAndXattrs) {
    LayerEntry tool = file("usr/bin/tool", "#!/bin/sh\n", 04755);
    tool.uid = 1000;
    tool.gid = 50;
    tool.mtime = 1'234'567;
    tool.xattrs["security.capability"] = std::string("\x01\x00\x00\x02", 4);
    auto tree = squash({{dir("usr"), dir("usr/bin"), tool, symlink("bin", "usr/bin"),
                         symlink("etc/localtime", "/usr/share/zoneinfo/UTC")}});
    ASSERT_TRUE(tree) << tree.error().message;
    const TarEntry& t = tree->at("rootfs/usr/bin/tool");
    EXPECT_EQ(t.mode, 04755u);
    EXPECT_EQ(t.uid, 1000);
    EXPECT_EQ(t.gid, 50);
    EXPECT_EQ(t.mtime, 1'234'567);
    EXPECT_EQ(t.uname, "");
    EXPECT_EQ(t.xattrs.at("security.capability"), std::string("\x01\x00\x00\x02", 4));
    EXPECT_EQ(tree->at("rootfs/bin").type, Type::symlink);
    EXPECT_EQ(tree->at("rootfs/bin").data, "usr/bin");
    EXPECT_EQ(tree->at("rootfs/etc/localtime").data, "/usr/share/zoneinfo/UTC");
    EXPECT_EQ(tree->at("rootfs/etc").type, Type::directory);  // implied, written last
}

TEST_F(Squash, HardLinksComeAfterTheirTargets) {
    auto tree = squash({{hard_link("zz-link", "aa"), file("aa", "data")}, {}});
    // A tar needs the target first; the layer above has it backwards, which
    // is only readable because links are written last.
    ASSERT_TRUE(tree) << tree.error().message;
    const auto entries = test::read_tar(out());
    EXPECT_EQ(entries.back().path, "rootfs/zz-link");
    EXPECT_EQ(entries.back().type, Type::hard_link);
    EXPECT_EQ(entries.back().data, "rootfs/aa");
}

TEST_F(Squash, HardLinkToReplacedTargetKeepsItsLayersContent) {
    auto tree = squash({{file("a", "original"), hard_link("b", "a"), hard_link("c", "a")},
                        {file("a", "replaced")}});
    ASSERT_TRUE(tree) << tree.error().message;
    EXPECT_EQ(tree->at("rootfs/a").data, "replaced");
    EXPECT_EQ(tree->at("rootfs/b").type, Type::file);
    EXPECT_EQ(tree->at("rootfs/b").data, "original");
    EXPECT_EQ(tree->at("rootfs/c").type, Type::hard_link);
    EXPECT_EQ(tree->at("rootfs/c").data, "rootfs/b");
    EXPECT_EQ(last_stats.hard_links_copied, 1u);
}

TEST_F(Squash, HardLinkToDeletedTargetKeepsItsLayersContent) {
    auto tree = squash({{file("a", "original"), hard_link("b", "a")}, {whiteout("a")}});
    ASSERT_TRUE(tree) << tree.error().message;
    EXPECT_EQ(rootfs_paths(*tree), (std::vector<std::string>{"b"}));
    EXPECT_EQ(tree->at("rootfs/b").data, "original");
}

TEST_F(Squash, ReadsGzipZstdAndPlainLayers) {
    for (auto compression : {AciCompression::none, AciCompression::gzip, AciCompression::zstd}) {
        auto tree = squash({{file("f", "x")}, {file("g", "y")}}, {}, compression);
        ASSERT_TRUE(tree) << tree.error().message;
        EXPECT_EQ(tree->at("rootfs/g").data, "y");
    }
}

TEST_F(Squash, OutputIsAnAciTheStoreReads) {
    auto tree = squash({{dir("etc"), file("etc/os-release", "ID=test\n")}});
    ASSERT_TRUE(tree) << tree.error().message;
    auto aci = appc::read_aci_file(out());
    ASSERT_TRUE(aci) << aci.error().message;
    EXPECT_EQ(aci->manifest.name, "example.com/squashed");
    EXPECT_EQ(aci->compression, appc::Compression::gzip);
}

TEST_F(Squash, SameLayersGiveTheSameBytes) {
    const std::vector<std::vector<LayerEntry>> layers = {{file("a", "1")}, {file("b", "2")}};
    ASSERT_TRUE(squash(layers));
    const std::string first = test::read_file(out());
    ASSERT_TRUE(squash(layers));
    EXPECT_EQ(test::read_file(out()), first);
}

struct HostileCase {
    const char* name;
    std::vector<std::vector<LayerEntry>> layers;
    std::string error;  // a piece of the message
};

TEST_F(Squash, RefusesHostileEntriesNamingLayerAndEntry) {
    const HostileCase cases[] = {
        {"absolute", {{file("/etc/passwd", "x")}}, "layer 0 (sha256:layer0): entry '/etc/passwd'"},
        {"dotdot", {{file("a/../../x", "x")}}, "entry 'a/../../x': has a '..' component"},
        {"through symlink of a lower layer",
         {{symlink("etc", "/host/etc")}, {file("etc/passwd", "x")}},
         "'etc' in layer 0 is not a directory"},
        {"through symlink of the same layer",
         {{symlink("x", "/"), file("x/evil", "x")}},
         "is under 'x', which is not a directory"},
        {"hard link out of the tree",
         {{hard_link("l", "../../etc/shadow")}},
         "hard link 'l': entry '../../etc/shadow'"},
        {"hard link to nothing",
         {{hard_link("l", "missing")}},
         "hard link 'l': target 'missing' is not a regular file"},
        {"device", {{test::char_device("dev/null")}}, "entry 'dev/null' is a device node"},
    };
    for (const HostileCase& c : cases) {
        auto tree = squash(c.layers);
        ASSERT_FALSE(tree) << c.name;
        EXPECT_NE(tree.error().message.find(c.error), std::string::npos)
            << c.name << ": " << tree.error().message;
        EXPECT_FALSE(std::filesystem::exists(out().string() + ".tmp")) << c.name;
    }
}

TEST_F(Squash, DevicesOnlyWhenAllowed) {
    SquashOptions options;
    options.allow_devices = true;
    auto tree = squash({{test::char_device("dev/null")}}, options);
    ASSERT_TRUE(tree) << tree.error().message;
    EXPECT_EQ(tree->at("rootfs/dev/null").type, Type::char_device);
}

TEST_F(Squash, StopsAtTheContentLimit) {
    SquashOptions options;
    options.max_content_bytes = 1000;
    auto tree = squash({{file("big", std::string(1001, 'x'))}}, options);
    ASSERT_FALSE(tree);
    EXPECT_EQ(tree.error().code, Errc::too_large);
    EXPECT_FALSE(std::filesystem::exists(out()));
}

TEST_F(Squash, CorruptLayerIsANamedError) {
    const auto bad = tmp / "bad.tar.gz";
    test::write_file(bad, "\x1f\x8b not really gzip");
    auto stats = write_squashed_aci({{bad, "sha256:bad"}}, manifest, out());
    ASSERT_FALSE(stats);
    EXPECT_NE(stats.error().message.find("layer 0 (sha256:bad)"), std::string::npos)
        << stats.error().message;
}

}  // namespace
}  // namespace aciswarm::convert
