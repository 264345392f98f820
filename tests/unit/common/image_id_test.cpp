#include <gtest/gtest.h>

#include "common/digest.hpp"
#include "common/image_id.hpp"

namespace aciswarm {
namespace {

ImageId id_of(std::string_view data) {
    auto d = Digest::of(Digest::Algorithm::sha512, data);
    return *ImageId::from_bytes(std::span<const std::uint8_t>(d));
}

ImageId id_with_hex(std::string hex) {
    hex.resize(128, '0');
    return *ImageId::parse("sha512-" + hex);
}

TEST(ImageId, FormsMatchRkt) {
    // sha512("") is a well-known value.
    const ImageId id = id_of("");
    EXPECT_EQ(
        id.full(),
        "sha512-cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0"
        "ff8318d2877eec2f63b931bd47417a81a538327af927da3e");
    EXPECT_EQ(id.key(), "sha512-cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce");
    EXPECT_EQ(id.display(), "sha512-cf83e1357eefb8bdf1542850d66d8007");
    EXPECT_EQ(id.key().size(), 7u + 64u);
    EXPECT_EQ(id.display().size(), 7u + 32u);
}

TEST(ImageId, ParseRoundTripsAndRejects) {
    const ImageId id = id_of("x");
    auto back = ImageId::parse(id.full());
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, id);
    auto no_prefix = ImageId::parse(id.hex());
    ASSERT_FALSE(no_prefix);
    EXPECT_NE(no_prefix.error().message.find("sha512-"), std::string::npos);
    EXPECT_FALSE(ImageId::parse(id.key()));  // 64 hex is a key, not a full id
    EXPECT_FALSE(ImageId::parse("sha512-" + std::string(127, 'a') + "z"));
}

TEST(ImageIdPrefix, Normalizes) {
    EXPECT_EQ(*normalize_image_id_prefix("sha512-ABcd"), "abcd");
    EXPECT_EQ(*normalize_image_id_prefix("abcd"), "abcd");
    EXPECT_FALSE(normalize_image_id_prefix("sha512-"));
    EXPECT_FALSE(normalize_image_id_prefix("xyz"));
    EXPECT_FALSE(normalize_image_id_prefix(std::string(129, 'a')));
}

TEST(ImageIdPrefix, FindsUniqueMatch) {
    const std::vector<ImageId> ids = {id_with_hex("abc1"), id_with_hex("abd2"), id_with_hex("ff")};
    auto r = resolve_image_id_prefix("sha512-abc", ids);
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, ids[0]);
    EXPECT_EQ(*resolve_image_id_prefix("F", ids), ids[2]);
}

TEST(ImageIdPrefix, AmbiguityListsMatches) {
    const std::vector<ImageId> ids = {id_with_hex("abc1"), id_with_hex("abd2"), id_with_hex("ff")};
    auto r = resolve_image_id_prefix("ab", ids);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::ambiguous);
    EXPECT_NE(r.error().message.find(ids[0].display()), std::string::npos);
    EXPECT_NE(r.error().message.find(ids[1].display()), std::string::npos);
    EXPECT_EQ(r.error().message.find(ids[2].display()), std::string::npos);
}

TEST(ImageIdPrefix, NoMatchIsNotFound) {
    const std::vector<ImageId> ids = {id_with_hex("abc1")};
    auto r = resolve_image_id_prefix("0", ids);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::not_found);
}

}  // namespace
}  // namespace aciswarm
