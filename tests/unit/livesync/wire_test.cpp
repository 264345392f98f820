#include <gtest/gtest.h>

#include "tracker/livesync/wire.hpp"

namespace aciswarm::livesync {
namespace {

InfoHash hash_of(std::uint8_t seed) {
    InfoHash h;
    for (std::size_t i = 0; i < InfoHash::size_bytes; ++i)
        h.data()[i] = static_cast<std::uint8_t>(seed + i);
    return h;
}

PeerRecord v4_record(std::uint8_t seed, std::uint8_t flags = 0) {
    return {hash_of(seed),
            PeerEndpoint::v4({10, 0, 0, seed}, static_cast<std::uint16_t>(6881 + seed)), flags};
}

PeerRecord v6_record(std::uint8_t seed, std::uint8_t flags = 0) {
    std::array<std::uint8_t, 16> a{0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, seed};
    return {hash_of(seed), PeerEndpoint::v6(a, 51413), flags};
}

TEST(LivesyncWire, Peer4ByteLayoutMatchesTheTable) {
    PacketBuilder b(PacketType::peer4, default_max_datagram, false);
    ASSERT_TRUE(b.add_peer(v4_record(1, peer_flags::seeding | peer_flags::complete)));
    const auto bytes = std::move(b).finish(0x0102030405060708ULL, 9, 0x0000018c00000000ULL);
    ASSERT_EQ(bytes.size(), header_size + peer4_record_size);
    EXPECT_EQ(bytes[0], 'A');
    EXPECT_EQ(bytes[3], 'S');
    EXPECT_EQ(bytes[4], 1);     // version
    EXPECT_EQ(bytes[5], 1);     // PEER4
    EXPECT_EQ(bytes[6], 0);     // untagged
    EXPECT_EQ(bytes[0x08], 1);  // instance id, big-endian
    EXPECT_EQ(bytes[0x0f], 8);
    EXPECT_EQ(bytes[0x17], 9);     // sequence
    EXPECT_EQ(bytes[0x1a], 0x01);  // timestamp
    EXPECT_EQ(bytes[0x1b], 0x8c);
    EXPECT_EQ(bytes[0x20], 1);          // info hash first byte
    EXPECT_EQ(bytes[0x20 + 0x14], 10);  // IPv4
    EXPECT_EQ(bytes[0x20 + 0x17], 1);
    EXPECT_EQ(bytes[0x20 + 0x18], 6882 >> 8);  // port
    EXPECT_EQ(bytes[0x20 + 0x19], 6882 & 0xff);
    EXPECT_EQ(bytes[0x20 + 0x1a], 0xc0);  // SEEDING|COMPLETE
    EXPECT_EQ(bytes[0x20 + 0x1b], 0);
}

TEST(LivesyncWire, RoundTripsEveryType) {
    {
        PacketBuilder b(PacketType::peer4, default_max_datagram, false);
        ASSERT_TRUE(b.add_peer(v4_record(1, peer_flags::stopped)));
        ASSERT_TRUE(b.add_peer(v4_record(2, peer_flags::seeding)));
        const auto bytes = std::move(b).finish(42, 7, 123456);
        auto p = parse_packet(bytes);
        ASSERT_TRUE(p) << p.error().message;
        EXPECT_EQ(p->header, (Header{PacketType::peer4, false, 42, 7, 123456}));
        const auto& recs = std::get<std::vector<PeerRecord>>(p->body);
        ASSERT_EQ(recs.size(), 2u);
        EXPECT_EQ(recs[0], v4_record(1, peer_flags::stopped));
        EXPECT_TRUE(recs[0].stopped());
        EXPECT_EQ(recs[1], v4_record(2, peer_flags::seeding));
        EXPECT_TRUE(recs[1].seeding());
    }
    {
        PacketBuilder b(PacketType::peer6, default_max_datagram, false);
        ASSERT_FALSE(b.add_peer(v4_record(1)));  // wrong family for PEER6
        ASSERT_TRUE(b.add_peer(v6_record(3, peer_flags::complete)));
        const auto bytes = std::move(b).finish(1, 1, 1);
        EXPECT_EQ(bytes.size(), header_size + peer6_record_size);
        auto p = parse_packet(bytes);
        ASSERT_TRUE(p) << p.error().message;
        const auto& recs = std::get<std::vector<PeerRecord>>(p->body);
        ASSERT_EQ(recs.size(), 1u);
        EXPECT_EQ(recs[0], v6_record(3, peer_flags::complete));
    }
    {
        PacketBuilder b(PacketType::beacon, default_max_datagram, false);
        ASSERT_TRUE(b.set_beacon(Beacon{123456789012ULL}));
        EXPECT_FALSE(b.set_beacon(Beacon{1}));  // one body only
        auto p = parse_packet(std::move(b).finish(1, 2, 3));
        ASSERT_TRUE(p);
        EXPECT_EQ(std::get<Beacon>(p->body).torrent_count, 123456789012ULL);
    }
    {
        PacketBuilder b(PacketType::inquire, default_max_datagram, false);
        ASSERT_TRUE(b.set_inquire(Inquire{0xfeedfacecafebeefULL}));
        auto p = parse_packet(std::move(b).finish(1, 2, 3));
        ASSERT_TRUE(p);
        EXPECT_EQ(std::get<Inquire>(p->body).target, 0xfeedfacecafebeefULL);
    }
    {
        PacketBuilder b(PacketType::tell, default_max_datagram, false);
        ASSERT_TRUE(b.add_tell(TellRecord{hash_of(9), 77, 1ULL << 40}));
        auto p = parse_packet(std::move(b).finish(1, 2, 3));
        ASSERT_TRUE(p);
        const auto& t = std::get<std::vector<TellRecord>>(p->body);
        ASSERT_EQ(t.size(), 1u);
        EXPECT_EQ(t[0], (TellRecord{hash_of(9), 77, 1ULL << 40}));
    }
}

TEST(LivesyncWire, BuilderNeverExceedsTheDatagramSize) {
    for (std::size_t max :
         {min_max_datagram, std::size_t{100}, std::size_t{1400}, std::size_t{1500}}) {
        for (bool tagged : {false, true}) {
            for (PacketType type : {PacketType::peer4, PacketType::peer6}) {
                PacketBuilder b(type, max, tagged);
                std::size_t n = 0;
                while (b.add_peer(type == PacketType::peer4
                                      ? v4_record(static_cast<std::uint8_t>(n))
                                      : v6_record(static_cast<std::uint8_t>(n)))) {
                    ++n;
                    ASSERT_LT(n, 10000u);
                }
                const std::size_t rec =
                    type == PacketType::peer4 ? peer4_record_size : peer6_record_size;
                const std::size_t total = b.size() + (tagged ? tag_size : 0);
                EXPECT_LE(total, max);
                EXPECT_GT(total + rec, max) << "room for one more record was wasted";
                EXPECT_EQ(n, (max - header_size - (tagged ? tag_size : 0)) / rec);
                EXPECT_FALSE(b.has_room());
            }
        }
    }
}

TEST(LivesyncWire, RejectsMalformedPacketsNamingTheField) {
    PacketBuilder b(PacketType::peer4, default_max_datagram, false);
    ASSERT_TRUE(b.add_peer(v4_record(1)));
    const auto good = std::move(b).finish(1, 1, 1);
    ASSERT_TRUE(parse_packet(good));

    const auto expect_error = [](std::vector<std::uint8_t> bytes, std::string_view needle,
                                 std::size_t max = max_max_datagram) {
        auto p = parse_packet(bytes, max);
        ASSERT_FALSE(p) << needle;
        EXPECT_NE(p.error().message.find(needle), std::string::npos) << p.error().message;
    };
    expect_error({}, "shorter than");
    expect_error(std::vector<std::uint8_t>(good.begin(), good.begin() + 31), "shorter than");
    expect_error(std::vector<std::uint8_t>(good.begin(), good.end() - 1), "multiple of 28");
    expect_error(std::vector<std::uint8_t>(good.begin(), good.begin() + 32), "PEER4 body of 0");
    expect_error(good, "larger than the maximum", good.size() - 1);
    auto bad = good;
    bad[0] = 'X';
    expect_error(bad, "magic");
    bad = good;
    bad[4] = 2;
    expect_error(bad, "version 2");
    bad = good;
    bad[5] = 6;
    expect_error(bad, "packet type 6");
    bad = good;
    bad[6] = 0x02;
    expect_error(bad, "reserved header");
    bad = good;
    bad[0x20 + 0x1a] = 0x01;
    expect_error(bad, "unknown peer flags");
    bad = good;
    bad[0x20 + 0x1b] = 1;
    expect_error(bad, "reserved byte");
    bad = good;
    bad[6] = header_flag_tagged;  // 28-byte body cannot hold a 16-byte tag + whole records
    expect_error(bad, "multiple of 28");
    bad = good;
    bad[5] = static_cast<std::uint8_t>(PacketType::beacon);
    expect_error(bad, "BEACON body of 28");
}

TEST(LivesyncWire, TaggedPacketSplitsTagFromSignedBytes) {
    PacketBuilder b(PacketType::beacon, default_max_datagram, true);
    ASSERT_TRUE(b.set_beacon(Beacon{5}));
    auto bytes = std::move(b).finish(1, 1, 1);
    EXPECT_EQ(bytes[6], header_flag_tagged);
    for (std::uint8_t i = 0; i < tag_size; ++i)
        bytes.push_back(i);
    auto p = parse_packet(bytes);
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_TRUE(p->header.tagged);
    EXPECT_EQ(p->signed_size, header_size + beacon_body_size);
    EXPECT_EQ(p->tag[15], 15);
}

}  // namespace
}  // namespace aciswarm::livesync
