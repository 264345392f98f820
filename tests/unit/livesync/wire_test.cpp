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
            PeerEndpoint::v4({10, 0, 0, seed}, static_cast<std::uint16_t>(6881 + seed)),
            flags,
            {}};
}

PeerRecord v6_record(std::uint8_t seed, std::uint8_t flags = 0) {
    std::array<std::uint8_t, 16> a{0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, seed};
    return {hash_of(seed), PeerEndpoint::v6(a, 51413), flags, {}};
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
         {min_max_datagram, std::size_t{200}, std::size_t{1400}, std::size_t{1500}}) {
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
    bad[5] = 8;
    expect_error(bad, "packet type 8");
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

PeerRecord zoned(PeerRecord r, std::string_view zone, bool candidate) {
    tracker::zones::MemberInfo info;
    if (!zone.empty()) info.zone = *tracker::zones::ZoneName::parse(zone);
    info.aware = true;
    info.candidate = candidate;
    info.capacity = {0x0102030405060708ULL, 7};
    r.zone = info;
    return r;
}

TEST(LivesyncWire, Peer4zByteLayoutMatchesTheTable) {
    PacketBuilder b(PacketType::peer4z, default_max_datagram, false);
    ASSERT_FALSE(b.add_peer(v4_record(1)));  // a record without a zone is a PEER4 record
    ASSERT_TRUE(b.add_peer(zoned(v4_record(1, peer_flags::seeding), "rack-a", true)));
    const auto bytes = std::move(b).finish(1, 1, 1);
    ASSERT_EQ(bytes.size(), header_size + peer4z_record_size);
    const std::size_t r = header_size;
    EXPECT_EQ(bytes[5], 6);            // PEER4Z
    EXPECT_EQ(bytes[r + 0x14], 10);    // IPv4 as in PEER4
    EXPECT_EQ(bytes[r + 0x1a], 0x80);  // SEEDING
    EXPECT_EQ(bytes[r + 0x1b], 0xc0);  // AWARE|CANDIDATE
    EXPECT_EQ(bytes[r + 0x1c], 0x01);  // upload, big-endian
    EXPECT_EQ(bytes[r + 0x23], 0x08);
    EXPECT_EQ(bytes[r + 0x2b], 7);  // download
    EXPECT_EQ(bytes[r + 0x2c], 6);  // zone name length
    EXPECT_EQ(bytes[r + 0x2d], 'r');
    EXPECT_EQ(bytes[r + 0x32], 'a');
    EXPECT_EQ(bytes[r + 0x33], 0);  // padding
    EXPECT_EQ(bytes[r + 0x4f], 0);  // reserved
}

TEST(LivesyncWire, ZoneRecordsRoundTripAndOldPacketsStayReadable) {
    for (const PeerRecord& rec : {zoned(v4_record(2), "a", false), zoned(v6_record(3), "", true),
                                  zoned(v6_record(4), std::string(32, 'z'), true)}) {
        PacketBuilder b(peer_packet_type(rec), default_max_datagram, false);
        ASSERT_TRUE(b.add_peer(rec));
        auto p = parse_packet(std::move(b).finish(1, 1, 1));
        ASSERT_TRUE(p) << p.error().message;
        EXPECT_EQ(std::get<std::vector<PeerRecord>>(p->body), std::vector<PeerRecord>{rec});
    }
    EXPECT_EQ(peer_packet_type(zoned(v6_record(3), "b", false)), PacketType::peer6z);
    // A PEER4 packet (as instances without zones send it) parses without zone data.
    PacketBuilder b(PacketType::peer4, default_max_datagram, false);
    ASSERT_TRUE(b.add_peer(v4_record(5)));
    auto p = parse_packet(std::move(b).finish(1, 1, 1));
    ASSERT_TRUE(p);
    EXPECT_FALSE(std::get<std::vector<PeerRecord>>(p->body)[0].zone);
}

TEST(LivesyncWire, RejectsMalformedZoneRecords) {
    PacketBuilder b(PacketType::peer4z, default_max_datagram, false);
    ASSERT_TRUE(b.add_peer(zoned(v4_record(1), "ab", true)));
    const auto good = std::move(b).finish(1, 1, 1);
    ASSERT_TRUE(parse_packet(good));
    const std::size_t r = header_size;
    const auto expect_error = [](std::vector<std::uint8_t> bytes, std::string_view needle) {
        auto p = parse_packet(bytes);
        ASSERT_FALSE(p) << needle;
        EXPECT_NE(p.error().message.find(needle), std::string::npos) << p.error().message;
    };
    auto bad = good;
    bad[r + 0x1b] = 0x01;
    expect_error(bad, "unknown zone flags");
    bad = good;
    bad[r + 0x2c] = 33;
    expect_error(bad, "longer than 32");
    bad = good;
    bad[r + 0x2c] = 1;  // "a" followed by a non-zero byte
    expect_error(bad, "padding");
    bad = good;
    bad[r + 0x4f] = 1;
    expect_error(bad, "reserved");
    bad = good;
    bad[r + 0x2d] = ' ';
    expect_error(bad, "zone name");
    bad = good;
    bad.pop_back();
    expect_error(bad, "multiple of 80");
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
