#include <gtest/gtest.h>

#include <vector>

#include "tracker/frontend/udp/connection_id.hpp"
#include "tracker/frontend/udp/udp_packet.hpp"

using namespace aciswarm;
using namespace aciswarm::tracker;
using namespace aciswarm::tracker::udp;

namespace {
void put(std::vector<std::uint8_t>& v, std::uint64_t x, int bytes) {
    for (int i = bytes - 1; i >= 0; --i)
        v.push_back(static_cast<std::uint8_t>(x >> (8 * i)));
}
std::vector<std::uint8_t> header(std::uint64_t conn, std::uint32_t action, std::uint32_t tx) {
    std::vector<std::uint8_t> v;
    put(v, conn, 8);
    put(v, action, 4);
    put(v, tx, 4);
    return v;
}
std::vector<std::uint8_t> announce(std::uint32_t event = 2) {
    auto v = header(0x1122334455667788ULL, 1, 0xabcd);
    for (int i = 0; i < 20; ++i)
        v.push_back(static_cast<std::uint8_t>(i + 1));
    for (int i = 0; i < 20; ++i)
        v.push_back('P');
    put(v, 100, 8);  // downloaded
    put(v, 200, 8);  // left
    put(v, 300, 8);  // uploaded
    put(v, event, 4);
    put(v, 0, 4);           // ip
    put(v, 0xdeadbeef, 4);  // key
    put(v, 0xffffffff, 4);  // num_want -1
    put(v, 6881, 2);
    return v;
}
}  // namespace

TEST(UdpParse, Connect) {
    auto p = parse_request(header(kProtocolId, 0, 77));
    ASSERT_EQ(p.state, Parse::State::ok);
    EXPECT_EQ(p.request.action, Action::connect);
    EXPECT_EQ(p.request.transaction_id, 77u);
    auto bad = parse_request(header(1234, 0, 77));
    ASSERT_EQ(bad.state, Parse::State::error);
    EXPECT_EQ(bad.request.transaction_id, 77u);
    EXPECT_NE(bad.error_message().find("protocol id"), std::string_view::npos);
}

TEST(UdpParse, ShortAndOversizePacketsAreDropped) {
    std::vector<std::uint8_t> shortp(15, 0);
    EXPECT_EQ(parse_request(shortp).state, Parse::State::drop);
    std::vector<std::uint8_t> big(kMaxPacket + 1, 0);
    EXPECT_EQ(parse_request(big).state, Parse::State::drop);
}

TEST(UdpParse, Announce) {
    auto p = parse_request(announce());
    ASSERT_EQ(p.state, Parse::State::ok) << p.error_message();
    const Request& r = p.request;
    EXPECT_EQ(r.action, Action::announce);
    EXPECT_EQ(r.connection_id, 0x1122334455667788ULL);
    EXPECT_EQ(r.transaction_id, 0xabcdu);
    EXPECT_EQ(r.info_hash.data()[0], 1);
    EXPECT_EQ(r.info_hash.data()[19], 20);
    EXPECT_EQ(r.peer_id.as_chars(), std::string(20, 'P'));
    EXPECT_EQ(r.downloaded, 100u);
    EXPECT_EQ(r.left, 200u);
    EXPECT_EQ(r.uploaded, 300u);
    EXPECT_EQ(r.event, Event::started);
    EXPECT_EQ(r.key, 0xdeadbeefu);
    EXPECT_EQ(r.numwant, -1);
    EXPECT_EQ(r.port, 6881);
}

TEST(UdpParse, BadAnnounces) {
    auto truncated = announce();
    truncated.resize(50);
    auto p = parse_request(truncated);
    ASSERT_EQ(p.state, Parse::State::error);
    EXPECT_EQ(p.error_message(), "announce: 50 bytes, want at least 98");
    EXPECT_EQ(parse_request(announce(9)).state, Parse::State::error);
    auto with_options = announce();
    with_options.push_back(2);  // BEP 41 option bytes are allowed after the fixed part
    with_options.push_back(0);
    EXPECT_EQ(parse_request(with_options).state, Parse::State::ok);
}

TEST(UdpParse, ScrapeAndUnknownAction) {
    auto v = header(5, 2, 9);
    v.resize(v.size() + 40, 7);
    auto p = parse_request(v);
    ASSERT_EQ(p.state, Parse::State::ok);
    EXPECT_EQ(p.request.scrape_count(), 2u);
    auto odd = header(5, 2, 9);
    odd.resize(odd.size() + 21, 7);
    EXPECT_EQ(parse_request(odd).state, Parse::State::error);
    EXPECT_EQ(parse_request(header(5, 2, 9)).state, Parse::State::error);
    auto many = header(5, 2, 9);
    many.resize(many.size() + 20 * (kMaxScrapeHashes + 1), 7);
    EXPECT_EQ(parse_request(many).state, Parse::State::error);
    auto unknown = parse_request(header(5, 42, 9));
    ASSERT_EQ(unknown.state, Parse::State::error);
    EXPECT_EQ(unknown.error_message(), "unknown action 42");
}

TEST(UdpEncode, Replies) {
    std::array<std::uint8_t, 256> out;
    ASSERT_EQ(encode_connect(out, 0x01020304, 0x1112131415161718ULL), 16u);
    EXPECT_EQ(out[3], 0);
    EXPECT_EQ(out[7], 4);
    EXPECT_EQ(out[8], 0x11);
    AnnounceReply r;
    r.interval = 900;
    r.complete = 3;
    r.incomplete = 5;
    const std::uint8_t peer[6] = {1, 2, 3, 4, 0x1a, 0xe1};
    ASSERT_EQ(encode_announce(out, 7, r, peer, 6), 26u);
    EXPECT_EQ(out[3], 1);
    EXPECT_EQ(out[11], 0x84);  // 900 = 0x384
    EXPECT_EQ(out[15], 5);     // leechers
    EXPECT_EQ(out[19], 3);     // seeders
    EXPECT_EQ(out[20], 1);
    std::array<ScrapeEntry, 1> e{ScrapeEntry{InfoHash{}, 1, 2, 3}};
    ASSERT_EQ(encode_scrape(out, 7, e), 20u);
    EXPECT_EQ(out[11], 1);
    EXPECT_EQ(out[15], 2);
    EXPECT_EQ(out[19], 3);
    // BEP 15's completed field is a u32: a larger count is sent as 2^32-1.
    e[0].downloaded = 5'000'000'000ULL;
    ASSERT_EQ(encode_scrape(out, 7, e), 20u);
    EXPECT_EQ(out[12], 0xff);
    EXPECT_EQ(out[15], 0xff);
    const std::size_t n = encode_error(out, 7, "bad");
    ASSERT_EQ(n, 11u);
    EXPECT_EQ(out[3], 3);
    EXPECT_EQ(std::string(out.begin() + 8, out.begin() + 11), "bad");
    std::array<std::uint8_t, 10> tiny;
    EXPECT_EQ(encode_connect(tiny, 1, 1), 0u);
}

TEST(UdpConnectionId, SipHashReferenceVector) {
    std::array<std::uint8_t, 16> key;
    for (int i = 0; i < 16; ++i)
        key[i] = static_cast<std::uint8_t>(i);
    std::uint8_t msg[15];
    for (int i = 0; i < 15; ++i)
        msg[i] = static_cast<std::uint8_t>(i);
    EXPECT_EQ(siphash24(key, msg, 15), 0xa129ca6149be45e5ULL);
    EXPECT_EQ(siphash24(key, msg, 0), 0x726fdb47dd0e0e31ULL);
}

TEST(UdpConnectionId, BoundToAddressAndExpires) {
    ConnectionIds ids;
    const auto a = *PeerEndpoint::parse("127.0.0.1:5000");
    const auto b = *PeerEndpoint::parse("127.0.0.2:5000");
    const auto a_other_port = *PeerEndpoint::parse("127.0.0.1:5001");
    const std::uint64_t t = 1000 * 60;  // start of a slot
    const std::uint64_t id = ids.issue(a, t);
    EXPECT_TRUE(ids.valid(id, a, t));
    EXPECT_TRUE(ids.valid(id, a, t + 119));
    EXPECT_FALSE(ids.valid(id, a, t + 120));
    EXPECT_FALSE(ids.valid(id, b, t));
    EXPECT_FALSE(ids.valid(id, a_other_port, t));
    EXPECT_FALSE(ids.valid(id + 1, a, t));
    ConnectionIds other_process;
    EXPECT_FALSE(other_process.valid(id, a, t));
    // An id issued late in a slot still lives at least one full minute.
    const std::uint64_t late = ids.issue(a, t + 59);
    EXPECT_TRUE(ids.valid(late, a, t + 59 + 60));
}
