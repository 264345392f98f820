#include "convert/layer_path.hpp"

#include <gtest/gtest.h>

namespace aciswarm::convert {
namespace {

TEST(LayerPath, CleansNamesAndFindsWhiteouts) {
    const std::pair<std::string_view, LayerPath> cases[] = {
        {"./usr/bin/x", {LayerEntryKind::normal, "usr/bin/x"}},
        {"usr//bin/./x/", {LayerEntryKind::normal, "usr/bin/x"}},
        {"./", {LayerEntryKind::root, ""}},
        {".", {LayerEntryKind::root, ""}},
        {"etc/.wh.passwd", {LayerEntryKind::whiteout, "etc/passwd"}},
        {".wh.top", {LayerEntryKind::whiteout, "top"}},
        {"./var/cache/.wh..wh..opq", {LayerEntryKind::opaque, "var/cache"}},
        {".wh..wh..opq", {LayerEntryKind::opaque, ""}},
        {".wh..wh.plnk/123", {LayerEntryKind::ignore, ".wh..wh.plnk/123"}},
        {"x/.wh..wh.aufs", {LayerEntryKind::ignore, "x/.wh..wh.aufs"}},
        {"etc/x.wh.y", {LayerEntryKind::normal, "etc/x.wh.y"}},
    };
    for (const auto& [name, want] : cases) {
        auto got = classify_layer_entry(name);
        ASSERT_TRUE(got) << name << ": " << got.error().message;
        EXPECT_EQ(got->kind, want.kind) << name;
        EXPECT_EQ(got->path, want.path) << name;
    }
}

TEST(LayerPath, RefusesHostileNames) {
    using namespace std::string_view_literals;
    for (std::string_view name : {"/etc/passwd"sv, "../x"sv, "a/../../x"sv, "a/.."sv, "etc/.wh."sv,
                                  "etc/.wh.."sv, "a\0b"sv}) {
        auto got = classify_layer_entry(name);
        ASSERT_FALSE(got) << name;
        EXPECT_EQ(got.error().code, Errc::invalid_argument);
        EXPECT_EQ(got.error().message.rfind("entry '", 0), 0u) << got.error().message;
    }
}

TEST(LayerPath, LinkTargets) {
    EXPECT_EQ(*clean_link_target("./usr/bin/a"), "usr/bin/a");
    EXPECT_FALSE(clean_link_target("../../etc/shadow"));
    EXPECT_FALSE(clean_link_target("/etc/shadow"));
    EXPECT_FALSE(clean_link_target("./"));
}

}  // namespace
}  // namespace aciswarm::convert
