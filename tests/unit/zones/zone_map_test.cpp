#include <gtest/gtest.h>

#include "tracker/zones/zone_map.hpp"

using namespace aciswarm;
using namespace aciswarm::tracker::zones;

namespace {

ZoneName zone(std::string_view name) {
    return *ZoneName::parse(name);
}

PeerEndpoint address(std::string_view text) {
    return *PeerEndpoint::parse_address(text, 6881);
}

ZoneMap map_of(std::string_view file) {
    auto rows = parse_zones_file(file, "zones.txt");
    EXPECT_TRUE(rows) << rows.error().message;
    auto map = ZoneMap::from_rows(*rows);
    EXPECT_TRUE(map) << map.error().message;
    return *map;
}

TEST(ZoneName, AcceptsNamesAndRejectsOthers) {
    EXPECT_EQ(zone("rack-a.dc_1").view(), "rack-a.dc_1");
    EXPECT_FALSE(ZoneName::parse(""));
    EXPECT_FALSE(ZoneName::parse(std::string(33, 'a')));
    EXPECT_TRUE(ZoneName::parse(std::string(32, 'a')));
    const auto bad = ZoneName::parse("a b");
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("'a b'"), std::string::npos) << bad.error().message;
    EXPECT_FALSE(ZoneName::parse(std::string_view("a\0b", 3)));
    EXPECT_FALSE(ZoneName::parse("zone/1"));
}

TEST(Cidr, ParsesBothFamiliesAndRejectsHostBits) {
    auto v4 = Cidr::parse("10.1.0.0/16");
    ASSERT_TRUE(v4) << v4.error().message;
    EXPECT_EQ(v4->to_string(), "10.1.0.0/16");
    EXPECT_TRUE(v4->contains(address("10.1.255.3")));
    EXPECT_FALSE(v4->contains(address("10.2.0.1")));
    EXPECT_FALSE(v4->contains(address("::1")));
    auto v6 = Cidr::parse("fd00:2::/31");
    ASSERT_TRUE(v6) << v6.error().message;
    EXPECT_TRUE(v6->contains(address("fd00:3::1")));
    EXPECT_FALSE(v6->contains(address("fd00:4::1")));
    EXPECT_FALSE(v6->contains(address("10.1.0.1")));
    EXPECT_TRUE(Cidr::parse("0.0.0.0/0")->contains(address("192.0.2.1")));
    EXPECT_TRUE(Cidr::parse("192.0.2.7/32")->contains(address("192.0.2.7")));

    const auto host_bits = Cidr::parse("10.1.2.3/16");
    ASSERT_FALSE(host_bits);
    EXPECT_NE(host_bits.error().message.find("10.1.2.3/16"), std::string::npos);
    EXPECT_FALSE(Cidr::parse("10.0.0.0/33"));
    EXPECT_FALSE(Cidr::parse("10.0.0.0"));
    EXPECT_FALSE(Cidr::parse("10.0.0.0/"));
    EXPECT_FALSE(Cidr::parse("10.0.0.0/-1"));
    EXPECT_FALSE(Cidr::parse("/8"));
    EXPECT_FALSE(Cidr::parse("example.com/8"));
    EXPECT_FALSE(Cidr::parse(std::string_view("10.0.0.0\0x/8", 11)));
}

TEST(ZonesFile, ParsesRowsCommentsAndNamesTheBadLine) {
    auto rows = parse_zones_file(
        "# racks\nrack-a=10.1.0.0/16\n\n  rack-b = 10.2.0.0/16 \r\n"
        "rack-a=fd00:1::/32\n",
        "zones.txt");
    ASSERT_TRUE(rows) << rows.error().message;
    ASSERT_EQ(rows->size(), 3u);
    EXPECT_EQ((*rows)[1].zone.view(), "rack-b");
    EXPECT_EQ((*rows)[1].cidr.to_string(), "10.2.0.0/16");
    EXPECT_EQ((*rows)[2].cidr.to_string(), "fd00:1::/32");

    const auto bad = parse_zones_file("rack-a=10.1.0.0/16\nrack-b 10.2.0.0/16\n", "zones.txt");
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().message.rfind("zones.txt:2: ", 0), 0u) << bad.error().message;
}

TEST(ZoneMap, RefusesOneRangeInTwoZones) {
    auto rows = parse_zones_file("a=10.0.0.0/8\nb=10.0.0.0/8\n", "z");
    ASSERT_TRUE(rows);
    const auto map = ZoneMap::from_rows(*rows);
    ASSERT_FALSE(map);
    EXPECT_NE(map.error().message.find("10.0.0.0/8"), std::string::npos);
    // The same row twice is harmless.
    EXPECT_TRUE(ZoneMap::from_rows({(*rows)[0], (*rows)[0]}));
}

TEST(ZoneMap, WithoutCidrsTheClaimDecides) {
    const ZoneMap none;
    EXPECT_EQ(none.resolve(address("10.1.0.1"), zone("rack-a")).zone.view(), "rack-a");
    EXPECT_FALSE(none.resolve(address("10.1.0.1"), zone("rack-a")).claim_ignored);
    EXPECT_TRUE(none.resolve(address("10.1.0.1"), ZoneName{}).zone.empty());
}

TEST(ZoneMap, MostSpecificCidrWinsAndClaimsAreIgnored) {
    const ZoneMap map = map_of("dc=10.0.0.0/8\nrack-a=10.1.0.0/16\nv6=fd00::/8\n");
    EXPECT_EQ(map.resolve(address("10.1.2.3"), {}).zone.view(), "rack-a");
    EXPECT_EQ(map.resolve(address("10.9.2.3"), {}).zone.view(), "dc");
    EXPECT_EQ(map.resolve(address("fd12::1"), {}).zone.view(), "v6");
    // A spoofed claim: the peer sits in rack-a and says dc; rack-a it is.
    const Resolution spoofed = map.resolve(address("10.1.2.3"), zone("dc"));
    EXPECT_EQ(spoofed.zone.view(), "rack-a");
    EXPECT_TRUE(spoofed.claim_ignored);
    // Outside every CIDR: no zone, whatever the claim.
    const Resolution outside = map.resolve(address("192.0.2.1"), zone("rack-a"));
    EXPECT_TRUE(outside.zone.empty());
    EXPECT_TRUE(outside.claim_ignored);
    // A claim that agrees with the map is not counted as ignored.
    EXPECT_FALSE(map.resolve(address("10.1.2.3"), zone("rack-a")).claim_ignored);
}

}  // namespace
