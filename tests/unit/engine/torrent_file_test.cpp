// .torrent creation and parsing, magnet links: round trips through libtorrent.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "agent/engine/torrent_file.hpp"
#include "common/digest.hpp"
#include "tests/support/temp_dir.hpp"

namespace aciswarm::engine {
namespace {

std::string random_bytes(std::size_t n, std::uint32_t seed) {
    std::mt19937 rng(seed);
    std::string out(n, '\0');
    for (auto& c : out)
        c = static_cast<char>(rng() & 0xff);
    return out;
}

TEST(CreateTorrent, HybridRoundTrip) {
    test::TempDir dir;
    const auto file = dir / "app-1.0.aci";
    test::write_file(file, random_bytes(300 * 1024 + 17, 1));
    CreateTorrentOptions opts;
    opts.trackers = {"http://127.0.0.1:6969/announce", "udp://127.0.0.1:6969"};
    opts.web_seeds = {"https://registry.example/images/app-1.0.aci"};
    opts.piece_size = 64 * 1024;
    auto created = create_torrent(file, opts);
    ASSERT_TRUE(created) << created.error().message;
    ASSERT_TRUE(created->info_hashes.has_v1());
    ASSERT_TRUE(created->info_hashes.has_v2());

    auto meta = parse_torrent(created->bytes);
    ASSERT_TRUE(meta) << meta.error().message;
    EXPECT_EQ(meta->name, "app-1.0.aci");
    EXPECT_EQ(meta->total_size, 300 * 1024 + 17);
    EXPECT_EQ(meta->piece_size, 64 * 1024);
    EXPECT_EQ(meta->num_pieces, 5);
    EXPECT_EQ(meta->num_files, 1);
    // One tier: libtorrent shuffles trackers within a tier (BEP 12), so compare as sets.
    auto trackers = meta->trackers;
    std::sort(trackers.begin(), trackers.end());
    auto want = opts.trackers;
    std::sort(want.begin(), want.end());
    EXPECT_EQ(trackers, want);
    EXPECT_EQ(meta->web_seeds, opts.web_seeds);
    EXPECT_EQ(*meta->info_hashes.v1, *created->info_hashes.v1);
    EXPECT_EQ(*meta->info_hashes.v2, *created->info_hashes.v2);
}

TEST(CreateTorrent, SameContentSameInfoHashDifferentContentDifferent) {
    test::TempDir dir;
    test::write_file(dir / "a" / "x.aci", random_bytes(70000, 2));
    test::write_file(dir / "b" / "x.aci", random_bytes(70000, 2));
    test::write_file(dir / "c" / "x.aci", random_bytes(70000, 3));
    auto a = create_torrent(dir / "a" / "x.aci", {});
    auto b = create_torrent(dir / "b" / "x.aci", {});
    auto c = create_torrent(dir / "c" / "x.aci", {});
    ASSERT_TRUE(a && b && c);
    EXPECT_EQ(*a->info_hashes.v1, *b->info_hashes.v1);
    EXPECT_NE(*a->info_hashes.v1, *c->info_hashes.v1);
    EXPECT_NE(*a->info_hashes.v2, *c->info_hashes.v2);
}

TEST(CreateTorrent, AutomaticPieceSizeGrowsWithTheFile) {
    test::TempDir dir;
    test::write_file(dir / "small.aci", random_bytes(64 * 1024, 4));
    test::write_file(dir / "big.aci", random_bytes(8 * 1024 * 1024, 5));
    auto small = create_torrent(dir / "small.aci", {});
    auto big = create_torrent(dir / "big.aci", {});
    ASSERT_TRUE(small && big);
    auto ms = parse_torrent(small->bytes);
    auto mb = parse_torrent(big->bytes);
    ASSERT_TRUE(ms && mb);
    EXPECT_GE(ms->piece_size, 16 * 1024);
    EXPECT_GT(mb->piece_size, ms->piece_size);
}

TEST(CreateTorrent, ErrorsNameTheFile) {
    test::TempDir dir;
    auto missing = create_torrent(dir / "nope.aci", {});
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().message.find("nope.aci"), std::string::npos);
    test::write_file(dir / "empty.aci", "");
    auto empty = create_torrent(dir / "empty.aci", {});
    ASSERT_FALSE(empty);
    EXPECT_NE(empty.error().message.find("empty.aci"), std::string::npos);
    test::write_file(dir / "x.aci", "abc");
    CreateTorrentOptions bad;
    bad.piece_size = 3000;
    auto odd = create_torrent(dir / "x.aci", bad);
    ASSERT_FALSE(odd);
    EXPECT_EQ(odd.error().code, Errc::invalid_argument);
}

TEST(ParseTorrent, RejectsGarbageWithoutCrashing) {
    for (std::string_view bad :
         {"", "d", "de", "i42e", "d4:infod4:name1:xee", "l1:a", "d4:infoi1ee"}) {
        auto r = parse_torrent(bad);
        EXPECT_FALSE(r) << bad;
        if (!r) {
            EXPECT_TRUE(r.error().message.starts_with("torrent")) << r.error().message;
        }
    }
    auto junk = random_bytes(4096, 9);
    EXPECT_FALSE(parse_torrent(junk));
}

TEST(ParseTorrent, TruncatedTorrentFails) {
    test::TempDir dir;
    test::write_file(dir / "t.aci", random_bytes(50000, 6));
    auto created = create_torrent(dir / "t.aci", {});
    ASSERT_TRUE(created);
    const std::string half = created->bytes.substr(0, created->bytes.size() / 2);
    EXPECT_FALSE(parse_torrent(half));
}

TEST(Magnet, MakeAndParseRoundTrip) {
    test::TempDir dir;
    test::write_file(dir / "m.aci", random_bytes(40000, 7));
    CreateTorrentOptions opts;
    opts.trackers = {"http://127.0.0.1:6969/announce"};
    opts.web_seeds = {"https://127.0.0.1:8443/m.aci"};
    auto created = create_torrent(dir / "m.aci", opts);
    ASSERT_TRUE(created);
    auto uri = make_magnet(created->bytes);
    ASSERT_TRUE(uri) << uri.error().message;
    EXPECT_TRUE(uri->starts_with("magnet:?")) << *uri;
    EXPECT_NE(uri->find("urn:btih:" + created->info_hashes.v1->hex()), std::string::npos) << *uri;
    EXPECT_NE(uri->find("urn:btmh:1220" + created->info_hashes.v2->hex()), std::string::npos)
        << *uri;

    auto link = parse_magnet(*uri);
    ASSERT_TRUE(link) << link.error().message;
    EXPECT_EQ(*link->info_hashes.v1, *created->info_hashes.v1);
    EXPECT_EQ(*link->info_hashes.v2, *created->info_hashes.v2);
    EXPECT_EQ(link->name, "m.aci");
    EXPECT_EQ(link->trackers, opts.trackers);
}

TEST(Magnet, ParsesRktStyleLink) {
    const std::string hash = "0123456789abcdef0123456789abcdef01234567";
    auto link = parse_magnet("magnet:?xt=urn:btih:" + hash +
                             "&dn=linux-amd64-example.com%2Fapp-1.0"
                             "&tr=http%3A%2F%2F127.0.0.1%3A6969%2Fannounce"
                             "&ws=https%3A%2F%2F127.0.0.1%2Fapp.aci"
                             "&x.pe=127.0.0.1:6881");
    ASSERT_TRUE(link) << link.error().message;
    EXPECT_EQ(link->info_hashes.v1->hex(), hash);
    EXPECT_FALSE(link->info_hashes.has_v2());
    EXPECT_EQ(link->name, "linux-amd64-example.com/app-1.0");
    ASSERT_EQ(link->trackers.size(), 1u);
    EXPECT_EQ(link->trackers[0], "http://127.0.0.1:6969/announce");
    ASSERT_EQ(link->web_seeds.size(), 1u);
    EXPECT_EQ(link->web_seeds[0], "https://127.0.0.1/app.aci");
    ASSERT_EQ(link->peers.size(), 1u);
    EXPECT_EQ(link->peers[0].to_string(), "127.0.0.1:6881");
}

TEST(Magnet, RejectsBadLinksNamingThem) {
    for (std::string_view bad :
         {"", "http://example.com/", "magnet:?dn=x", "magnet:?xt=urn:btih:zz",
          "magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef012345"}) {
        auto r = parse_magnet(bad);
        EXPECT_FALSE(r) << bad;
        if (!r) {
            EXPECT_TRUE(r.error().message.starts_with("magnet")) << r.error().message;
        }
    }
}

}  // namespace
}  // namespace aciswarm::engine
