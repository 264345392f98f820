#include "convert/convert_image.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "appc/aci_reader.hpp"
#include "tests/support/layer_builder.hpp"
#include "tests/support/temp_dir.hpp"

namespace aciswarm::convert {
namespace {

class ConvertImage : public ::testing::Test {
  protected:
    Result<ConvertedImage> convert(const std::string& config) {
        ImageParts parts;
        parts.config_json = config;
        parts.config_source = "sha256:cfg";
        parts.layers.push_back(
            {test::write_layer(tmp / "l0", {test::file("etc/hostname", "box\n")}), "sha256:l0"});
        ImageOrigin origin;
        origin.registry = "localhost:5000";
        origin.repository = "tools/box";
        origin.tag = "2";
        const int fd = ::open(out().c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
        auto image = convert_image(parts, origin, fd);
        ::close(fd);
        return image;
    }
    std::filesystem::path out() const { return tmp / "out.aci"; }
    test::TempDir tmp;
};

TEST_F(ConvertImage, WritesTheAciIntoTheFd) {
    auto image = convert(R"({"os":"linux","architecture":"amd64","rootfs":{"diff_ids":["x"]}})");
    ASSERT_TRUE(image) << image.error().message;
    EXPECT_EQ(image->name, "localhost_5000/tools/box");
    EXPECT_EQ(image->labels.at("version"), "2");
    auto aci = appc::read_aci_file(out());
    ASSERT_TRUE(aci) << aci.error().message;
    EXPECT_EQ(aci->manifest.name, "localhost_5000/tools/box");
    EXPECT_EQ(aci->manifest.labels.at("arch"), "amd64");
    EXPECT_EQ(test::tar_tree(out()).at("rootfs/etc/hostname").data, "box\n");
}

TEST_F(ConvertImage, RefusesALayerCountTheConfigDisagreesWith) {
    auto image =
        convert(R"({"os":"linux","architecture":"amd64","rootfs":{"diff_ids":["a","b"]}})");
    ASSERT_FALSE(image);
    EXPECT_NE(image.error().message.find("sha256:cfg: the config lists 2 layers"),
              std::string::npos)
        << image.error().message;
}

TEST_F(ConvertImage, ConfigErrorsNameTheConfig) {
    auto image =
        convert(R"({"os":"linux","architecture":"amd64","config":{"ExposedPorts":{"x":{}}}})");
    ASSERT_FALSE(image);
    EXPECT_EQ(image.error().message.rfind("sha256:cfg: ", 0), 0u) << image.error().message;
}

}  // namespace
}  // namespace aciswarm::convert
