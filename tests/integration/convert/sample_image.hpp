// The image the convert integration tests share: three layers with what a
// squash must get right (a whiteout, an opaque directory, a symlink, a hard
// link whose target a later layer replaces, modes), and the tree it must
// squash to.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "tests/support/layer_builder.hpp"
#include "tests/support/oci_layout_builder.hpp"

namespace aciswarm::test {

inline OciImageSpec sample_image(const std::string& arch = "amd64") {
    OciImageSpec spec;
    spec.architecture = arch;
    spec.runtime_config = R"({"Entrypoint":["/usr/bin/web"],"Cmd":["--port","8080"],
        "User":"1000:1000","Env":["PORT=8080"],"WorkingDir":"/srv",
        "ExposedPorts":{"8080/tcp":{}},"Volumes":{"/srv/data":{}}})";
    spec.layers = {
        {dir("usr"), dir("usr/bin"), file("usr/bin/web", arch, 0755), symlink("bin", "usr/bin"),
         dir("etc"), file("etc/old", "o"), dir("var"), dir("var/cache"),
         file("var/cache/stale", "s"), file("usr/bin/lib", "v1"),
         hard_link("usr/bin/lib.1", "usr/bin/lib")},
        {whiteout("etc/old"), dir("var/cache"), opaque("var/cache"), file("var/cache/fresh", "f")},
        {file("usr/bin/lib", "v2"), dir("srv")},
    };
    return spec;
}

// The squashed rootfs of sample_image(arch), as read back from an ACI.
inline void expect_sample_tree(const std::map<std::string, TarEntry>& tree,
                               const std::string& arch = "amd64") {
    EXPECT_FALSE(tree.contains("rootfs/etc/old"));          // whited out
    EXPECT_FALSE(tree.contains("rootfs/var/cache/stale"));  // under an opaque directory
    ASSERT_TRUE(tree.contains("rootfs/var/cache/fresh"));
    EXPECT_EQ(tree.at("rootfs/var/cache/fresh").data, "f");
    EXPECT_EQ(tree.at("rootfs/bin").type, LayerEntry::Type::symlink);
    EXPECT_EQ(tree.at("rootfs/bin").data, "usr/bin");
    EXPECT_EQ(tree.at("rootfs/usr/bin/lib").data, "v2");
    EXPECT_EQ(tree.at("rootfs/usr/bin/lib.1").data, "v1");  // its own layer's content
    EXPECT_EQ(tree.at("rootfs/usr/bin/web").data, arch);
    EXPECT_EQ(tree.at("rootfs/usr/bin/web").mode, 0755u);
}

}  // namespace aciswarm::test
