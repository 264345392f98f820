#include <gtest/gtest.h>

#include <sys/socket.h>

#include "common/peer_endpoint.hpp"

namespace aciswarm {
namespace {

TEST(PeerEndpoint, ParsesV4AndV6) {
    auto v4 = PeerEndpoint::parse("10.1.2.3:6881");
    ASSERT_TRUE(v4);
    EXPECT_TRUE(v4->is_v4());
    EXPECT_EQ(v4->port(), 6881);
    EXPECT_EQ(v4->to_string(), "10.1.2.3:6881");
    auto v6 = PeerEndpoint::parse("[2001:db8::1]:443");
    ASSERT_TRUE(v6);
    EXPECT_TRUE(v6->is_v6());
    EXPECT_EQ(v6->to_string(), "[2001:db8::1]:443");
}

TEST(PeerEndpoint, RejectsBadInputWithMessage) {
    for (std::string_view bad : {"1.2.3.4", "1.2.3.4:", "1.2.3.4:70000", "1.2.3.4:x", "::1:80",
                                 "[::1]:", "host:80", "1.2.3.256:1"}) {
        auto r = PeerEndpoint::parse(bad);
        ASSERT_FALSE(r) << bad;
        EXPECT_NE(r.error().message.find(std::string(bad)), std::string::npos) << r.error().message;
    }
}

TEST(PeerEndpoint, CompactV4IsSixBytesNetworkOrder) {
    auto e = *PeerEndpoint::parse("1.2.3.4:258");
    const std::string c = e.compact();
    ASSERT_EQ(c.size(), 6u);
    EXPECT_EQ(c, std::string("\x01\x02\x03\x04\x01\x02", 6));
    auto back = PeerEndpoint::from_compact(
        std::span(reinterpret_cast<const std::uint8_t*>(c.data()), c.size()));
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, e);
}

TEST(PeerEndpoint, CompactV6IsEighteenBytes) {
    auto e = *PeerEndpoint::parse("[::1]:6969");
    const std::string c = e.compact();
    ASSERT_EQ(c.size(), 18u);
    EXPECT_EQ(static_cast<unsigned char>(c[15]), 1);
    EXPECT_EQ(static_cast<unsigned char>(c[16]), 6969 >> 8);
    auto back = PeerEndpoint::from_compact(
        std::span(reinterpret_cast<const std::uint8_t*>(c.data()), c.size()));
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, e);
    const std::uint8_t seven[7] = {};
    EXPECT_FALSE(PeerEndpoint::from_compact(seven));
}

TEST(PeerEndpoint, NormalizesMappedV4) {
    auto mapped = *PeerEndpoint::parse("[::ffff:192.0.2.7]:80");
    EXPECT_TRUE(mapped.is_v6());
    const PeerEndpoint n = mapped.normalized();
    EXPECT_TRUE(n.is_v4());
    EXPECT_EQ(n, *PeerEndpoint::parse("192.0.2.7:80"));
    auto plain6 = *PeerEndpoint::parse("[2001:db8::7]:80");
    EXPECT_EQ(plain6.normalized(), plain6);
}

TEST(PeerEndpoint, LoopbackAndSockaddrRoundTrip) {
    EXPECT_TRUE(PeerEndpoint::parse("127.0.0.2:1")->is_loopback());
    EXPECT_TRUE(PeerEndpoint::parse("[::1]:1")->is_loopback());
    EXPECT_TRUE(PeerEndpoint::parse("[::ffff:127.0.0.1]:1")->is_loopback());
    EXPECT_FALSE(PeerEndpoint::parse("10.0.0.1:1")->is_loopback());
    for (std::string_view text : {"127.0.0.1:9", "[fe80::2]:65535"}) {
        auto e = *PeerEndpoint::parse(text);
        sockaddr_storage ss{};
        const std::size_t len = e.to_sockaddr(ss);
        auto back = PeerEndpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&ss), len);
        ASSERT_TRUE(back);
        EXPECT_EQ(*back, e);
    }
}

TEST(PeerEndpoint, DistinctPortsAreDistinctPeers) {
    auto a = *PeerEndpoint::parse("1.2.3.4:1");
    auto b = *PeerEndpoint::parse("1.2.3.4:2");
    EXPECT_NE(a, b);
    EXPECT_NE(std::hash<PeerEndpoint>{}(a), std::hash<PeerEndpoint>{}(b));
}

}  // namespace
}  // namespace aciswarm
