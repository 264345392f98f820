#include <gtest/gtest.h>

#include <unordered_set>

#include "common/digest.hpp"
#include "common/info_hash.hpp"

namespace aciswarm {
namespace {

TEST(InfoHash, FromHexAndBack) {
    const std::string hex = "0123456789abcdef0123456789abcdef01234567";
    auto h = InfoHash::from_hex(hex);
    ASSERT_TRUE(h);
    EXPECT_EQ(h->hex(), hex);
    EXPECT_EQ(h->bytes()[0], 0x01);
}

TEST(InfoHash, RejectsWrongLengths) {
    auto short_hex = InfoHash::from_hex("0123");
    ASSERT_FALSE(short_hex);
    EXPECT_NE(short_hex.error().message.find("info hash"), std::string::npos);
    auto raw = InfoHash::from_bytes(std::string(19, 'x'));
    ASSERT_FALSE(raw);
    EXPECT_NE(raw.error().message.find("19 bytes, want 20"), std::string::npos);
    EXPECT_TRUE(InfoHash::from_bytes(std::string(20, 'x')));
}

TEST(InfoHashV2, TruncatesToFirstTwentyBytes) {
    const auto sha = Digest::of(Digest::Algorithm::sha256, "info dictionary");
    auto v2 = InfoHashV2::from_bytes(std::span<const std::uint8_t>(sha));
    ASSERT_TRUE(v2);
    const InfoHash t = v2->truncated();
    EXPECT_EQ(t.hex(), v2->hex().substr(0, 40));
}

TEST(InfoHashes, BestPrefersV1) {
    InfoHashes both;
    both.v1 = *InfoHash::from_hex(std::string(40, 'a'));
    both.v2 = *InfoHashV2::from_hex(std::string(64, 'b'));
    EXPECT_EQ(both.best().hex(), std::string(40, 'a'));
    InfoHashes v2_only;
    v2_only.v2 = both.v2;
    EXPECT_EQ(v2_only.best().hex(), std::string(40, 'b'));
}

TEST(PeerId, HashesDistinguishSharedPrefixes) {
    // Client peer ids share their first bytes ("-lt2080-"): the hash must use all of them.
    std::unordered_set<std::size_t> hashes;
    for (int i = 0; i < 100; ++i) {
        const std::string id = "-lt2080-" + std::string(9, '0') + std::to_string(100 + i);
        auto peer_id = PeerId::from_bytes(id);
        ASSERT_TRUE(peer_id) << peer_id.error().message;
        hashes.insert(std::hash<PeerId>{}(*peer_id));
    }
    EXPECT_EQ(hashes.size(), 100u);
}

TEST(InfoHash, Ordering) {
    auto a = *InfoHash::from_hex(std::string(39, '0') + "1");
    auto b = *InfoHash::from_hex(std::string(39, '0') + "2");
    EXPECT_LT(a, b);
    EXPECT_NE(a, b);
    EXPECT_TRUE(InfoHash().is_zero());
    EXPECT_FALSE(a.is_zero());
}

}  // namespace
}  // namespace aciswarm
