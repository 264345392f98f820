// Blob torrents are a function of the bytes: same bytes in two places give
// the same info hash, and a known vector (its info dictionary bencoded and
// hashed by a separate python3 script) pins the layout of the info dict.
#include "torrent/blob_torrent.hpp"

#include <gtest/gtest.h>

#include "tests/support/temp_dir.hpp"

namespace aciswarm::torrent {
namespace {

std::string vector_bytes() {
    std::string data(200000, '\0');
    for (std::size_t i = 0; i < data.size(); ++i)
        data[i] = static_cast<char>((i * 7 + i / 251) % 256);
    return data;
}
constexpr const char* vector_name =
    "e870fec3223bac8f6147b08b31e6e6e4bb9abd783820bcd212b7737af6a02174";
// python3: sha1(bencode({"length": 200000, "name": vector_name, "piece length": 65536,
// "pieces": sha1 of each 64 KiB piece}))
constexpr const char* vector_info_hash = "716a39d3c27a350b1acee8d550991942a868d54a";

TEST(BlobTorrent, PieceLengthTable) {
    constexpr std::uint64_t mib = 1024 * 1024;
    EXPECT_EQ(blob_piece_size(1), 64 * 1024);
    EXPECT_EQ(blob_piece_size(16 * mib - 1), 64 * 1024);
    EXPECT_EQ(blob_piece_size(16 * mib), 256 * 1024);
    EXPECT_EQ(blob_piece_size(128 * mib), 1024 * 1024);
    EXPECT_EQ(blob_piece_size(1024 * mib), 4 * 1024 * 1024);
    EXPECT_EQ(blob_piece_size(8192 * mib), 16 * 1024 * 1024);
}

TEST(BlobTorrent, KnownVectorAndTheSameHashFromTwoPlaces) {
    test::TempDir a, b;
    test::write_file(a / vector_name, vector_bytes());
    test::write_file(b / "sub" / vector_name, vector_bytes());
    auto first = create_blob_torrent(a / vector_name, {"http://tracker.test/announce"});
    auto second = create_blob_torrent(b / "sub" / vector_name, {});
    ASSERT_TRUE(first) << first.error().message;
    ASSERT_TRUE(second) << second.error().message;
    ASSERT_TRUE(first->info_hashes.v1);
    EXPECT_FALSE(first->info_hashes.v2);
    EXPECT_EQ(first->info_hashes.v1->hex(), vector_info_hash);
    ASSERT_TRUE(second->info_hashes.v1);
    EXPECT_EQ(*second->info_hashes.v1, *first->info_hashes.v1);
    auto meta = parse_torrent(first->bytes);
    ASSERT_TRUE(meta);
    EXPECT_EQ(meta->name, vector_name);
    EXPECT_EQ(meta->piece_size, 65536);
    EXPECT_EQ(meta->trackers, std::vector<std::string>{"http://tracker.test/announce"});
    EXPECT_FALSE(meta->private_torrent);
}

TEST(BlobTorrent, TheFileNameMustBeTheDigest) {
    test::TempDir dir;
    test::write_file(dir / "layer.tar", "x");
    auto r = create_blob_torrent(dir / "layer.tar", {});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::invalid_argument);
    EXPECT_NE(r.error().message.find("layer.tar"), std::string::npos);
}

}  // namespace
}  // namespace aciswarm::torrent
