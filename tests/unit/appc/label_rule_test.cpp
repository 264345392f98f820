// One rule for label names (appc spec/aci.md and spec/discovery.md: an AC
// Identifier, and not "name"): an image argument whose labels discovery
// accepts must not be refused at import for the same labels (issue 15: a fetch
// with the label a.b=1 passed discovery and failed at import).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "appc/manifest.hpp"
#include "discovery/image_ref.hpp"

namespace aciswarm {
namespace {

// The manifest of an image carrying exactly the labels of `ref`.
std::string manifest_for(const discovery::ImageRef& ref) {
    nlohmann::json m = {{"acKind", "ImageManifest"}, {"acVersion", "0.8.11"}, {"name", ref.name}};
    m["labels"] = nlohmann::json::array();
    for (const discovery::Label& l : ref.labels)
        m["labels"].push_back({{"name", l.name}, {"value", l.value}});
    return m.dump();
}

TEST(AppcLabelRule, ALabelDiscoveryAcceptsIsAcceptedAtImport) {
    auto ref = discovery::parse_image_ref("example.com/app:1.0,a.b=1,x_y~z/w=2");
    ASSERT_TRUE(ref) << ref.error().message;
    auto manifest = appc::parse_manifest(manifest_for(*ref));
    ASSERT_TRUE(manifest) << manifest.error().message;
    EXPECT_EQ(manifest->labels.at("a.b"), "1");
    EXPECT_EQ(manifest->labels.at("x_y~z/w"), "2");
}

TEST(AppcLabelRule, ALabelDiscoveryRefusesIsRefusedAtImport) {
    for (std::string_view label : {"OS", "a..b", "name"}) {
        const std::string argument = "example.com/app," + std::string(label) + "=1";
        EXPECT_FALSE(discovery::parse_image_ref(argument)) << argument;
        discovery::ImageRef ref{"example.com/app", {{std::string(label), "1"}}};
        EXPECT_FALSE(appc::parse_manifest(manifest_for(ref))) << label;
    }
}

}  // namespace
}  // namespace aciswarm
