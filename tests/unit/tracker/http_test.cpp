#include <gtest/gtest.h>

#include <libtorrent/bdecode.hpp>
#include <string>

#include "tracker/frontend/http/http_reply.hpp"
#include "tracker/frontend/http/http_request.hpp"

using namespace aciswarm;
using namespace aciswarm::tracker;
using namespace aciswarm::tracker::http;

namespace {
const std::string kHash = "%01%02%03%04%05%06%07%08%09%10%11%12%13%14%15%16%17%18%19%20";
const std::string kPeer = "ABCDEFGHIJKLMNOPQRST";
std::string announce_query(const std::string& extra = "") {
    return "info_hash=" + kHash + "&peer_id=" + kPeer + "&port=6881" + extra;
}
}  // namespace

TEST(HttpHead, ParsesRequestLineAndKeepAlive) {
    const std::string req = "GET /announce?a=1 HTTP/1.1\r\nHost: x\r\n\r\nGET /next";
    auto p = parse_request_head(req);
    ASSERT_EQ(p.state, HeadParse::State::complete);
    EXPECT_EQ(p.head.method, "GET");
    EXPECT_EQ(p.head.path, "/announce");
    EXPECT_EQ(p.head.query, "a=1");
    EXPECT_TRUE(p.head.keep_alive);
    EXPECT_EQ(p.head.head_size, req.find("GET /next"));
}

TEST(HttpHead, ConnectionCloseAndHttp10) {
    auto a = parse_request_head("GET / HTTP/1.1\r\nConnection: Close\r\n\r\n");
    ASSERT_EQ(a.state, HeadParse::State::complete);
    EXPECT_FALSE(a.head.keep_alive);
    auto b = parse_request_head("GET / HTTP/1.0\r\n\r\n");
    ASSERT_EQ(b.state, HeadParse::State::complete);
    EXPECT_FALSE(b.head.keep_alive);
    auto c = parse_request_head("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    EXPECT_TRUE(c.head.keep_alive);
}

TEST(HttpHead, IncompleteWaitsForMore) {
    EXPECT_EQ(parse_request_head("GET /announce HTTP/1.1\r\nHo").state,
              HeadParse::State::incomplete);
    EXPECT_EQ(parse_request_head("").state, HeadParse::State::incomplete);
}

TEST(HttpHead, OversizeLineAndHeadersAreRejected) {
    const std::string line = "GET /" + std::string(kMaxRequestHead, 'a');
    auto a = parse_request_head(line);
    ASSERT_EQ(a.state, HeadParse::State::error);
    EXPECT_EQ(a.error.status, 414);
    const std::string headers = "GET / HTTP/1.1\r\nX: " + std::string(kMaxRequestHead, 'b');
    auto b = parse_request_head(headers);
    ASSERT_EQ(b.state, HeadParse::State::error);
    EXPECT_EQ(b.error.status, 431);
}

TEST(HttpHead, MalformedRequests) {
    EXPECT_EQ(parse_request_head("GET / HTTP/2.0\r\n\r\n").error.status, 505);
    EXPECT_EQ(parse_request_head("POST / HTTP/1.1\r\n\r\n").error.status, 405);
    EXPECT_EQ(parse_request_head("GET /\r\n\r\n").error.status, 400);
    EXPECT_EQ(parse_request_head("GET x HTTP/1.1\r\n\r\n").error.status, 400);
    EXPECT_EQ(parse_request_head("GET / HTTP/1.1\r\nnocolon\r\n\r\n").error.status, 400);
    EXPECT_EQ(parse_request_head("GET / HTTP/1.1\r\nContent-Length: 5\r\n\r\n").error.status, 400);
}

TEST(HttpAnnounce, ParsesAllFields) {
    auto p = parse_announce_query(announce_query(
        "&uploaded=10&downloaded=20&left=30&event=started&numwant=7&compact=0&no_peer_id=1"));
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_EQ(p->info_hash.data()[0], 1);
    EXPECT_EQ(p->info_hash.data()[19], 0x20);
    EXPECT_EQ(p->peer_id.as_chars(), kPeer);
    EXPECT_EQ(p->port, 6881);
    EXPECT_EQ(p->uploaded, 10u);
    EXPECT_EQ(p->downloaded, 20u);
    EXPECT_EQ(p->left, 30u);
    EXPECT_EQ(p->event, Event::started);
    EXPECT_EQ(p->numwant, 7);
    EXPECT_FALSE(p->compact);
    EXPECT_TRUE(p->no_peer_id);
}

TEST(HttpAnnounce, ErrorsNameTheInput) {
    auto short_hash = parse_announce_query("info_hash=%01%02&peer_id=" + kPeer + "&port=1");
    ASSERT_FALSE(short_hash);
    EXPECT_EQ(short_hash.error().message, "info_hash: 2 bytes, want 20");
    auto long_hash = parse_announce_query("info_hash=" + kHash + "AB&peer_id=" + kPeer + "&port=1");
    ASSERT_FALSE(long_hash);
    EXPECT_EQ(long_hash.error().message, "info_hash: 22 bytes, want 20");
    auto bad_escape = parse_announce_query("info_hash=%zz&peer_id=" + kPeer + "&port=1");
    ASSERT_FALSE(bad_escape);
    EXPECT_NE(bad_escape.error().message.find("info_hash"), std::string::npos);
    EXPECT_FALSE(parse_announce_query("peer_id=" + kPeer + "&port=1"));
    EXPECT_EQ(parse_announce_query("info_hash=" + kHash + "&port=1").error().message,
              "peer_id: missing");
    EXPECT_EQ(parse_announce_query("info_hash=" + kHash + "&peer_id=" + kPeer).error().message,
              "port: missing");
    EXPECT_FALSE(parse_announce_query(announce_query("&port=0")));
    EXPECT_FALSE(parse_announce_query("info_hash=" + kHash + "&peer_id=" + kPeer + "&port=70000"));
    EXPECT_FALSE(parse_announce_query(announce_query("&left=-1")));
    EXPECT_FALSE(parse_announce_query(announce_query("&event=bogus")));
    EXPECT_FALSE(parse_announce_query(announce_query("&numwant=abc")));
    EXPECT_EQ(parse_announce_query(announce_query("&info_hash=" + kHash)).error().message,
              "info_hash: given twice");
}

TEST(HttpAnnounce, NumwantIsClamped) {
    EXPECT_EQ(parse_announce_query(announce_query("&numwant=-5"))->numwant, -1);
    EXPECT_EQ(parse_announce_query(announce_query("&numwant=99999999999"))->numwant, INT32_MAX);
    EXPECT_EQ(parse_announce_query(announce_query("&numwant=999999999999999999999999"))->numwant,
              INT32_MAX);
    EXPECT_EQ(parse_announce_query(announce_query("&numwant=-999999999999999999999999"))->numwant,
              -1);
    EXPECT_EQ(parse_announce_query(announce_query())->numwant, -1);
}

TEST(HttpScrape, RepeatedInfoHashes) {
    std::array<InfoHash, 4> out;
    auto n = parse_scrape_query("info_hash=" + kHash + "&x=1&info_hash=" + kHash, out);
    ASSERT_TRUE(n);
    EXPECT_EQ(*n, 2u);
    EXPECT_EQ(*parse_scrape_query("", out), 0u);
    std::string many;
    for (int i = 0; i < 5; ++i)
        many += "info_hash=" + kHash + "&";
    auto too_many = parse_scrape_query(many, out);
    ASSERT_FALSE(too_many);
    EXPECT_EQ(too_many.error().message, "info_hash: more than 4 in one scrape");
    EXPECT_FALSE(parse_scrape_query("info_hash=%01", out));
}

TEST(HttpReply, CompactAnnounceIsValidBencode) {
    AnnounceReply r;
    r.complete = 2;
    r.incomplete = 3;
    r.downloaded = 4;
    r.interval = 900;
    r.min_interval = 60;
    PeerListBuffer peers;
    auto a = *PeerEndpoint::parse("1.2.3.4:6881");
    auto b = *PeerEndpoint::parse("[2001:db8::1]:51413");
    a.write_compact(peers.v4);
    peers.n4 = 1;
    b.write_compact(peers.v6);
    peers.n6 = 1;
    std::array<char, 1024> buf;
    const std::size_t n = encode_announce(buf, r, peers, true);
    ASSERT_GT(n, 0u);
    const std::string s(buf.data(), n);
    EXPECT_EQ(s.substr(0, 80),
              "d8:completei2e10:downloadedi4e10:incompletei3e8:intervali900e12:min intervali60e");
    lt::error_code ec;
    lt::bdecode_node node =
        lt::bdecode(lt::span<const char>(s.data(), static_cast<int>(s.size())), ec);
    ASSERT_FALSE(ec) << ec.message();
    EXPECT_EQ(node.dict_find_int_value("complete"), 2);
    EXPECT_EQ(node.dict_find_string_value("peers"), a.compact());
    EXPECT_EQ(node.dict_find_string_value("peers6"), b.compact());
}

TEST(HttpReply, NonCompactAnnounceListsDictionaries) {
    AnnounceReply r;
    PeerListBuffer peers;
    (*PeerEndpoint::parse("10.0.0.1:80")).write_compact(peers.v4);
    peers.n4 = 1;
    (*PeerEndpoint::parse("[::1]:81")).write_compact(peers.v6);
    peers.n6 = 1;
    std::array<char, 1024> buf;
    const std::size_t n = encode_announce(buf, r, peers, false);
    lt::error_code ec;
    auto node = lt::bdecode(lt::span<const char>(buf.data(), static_cast<int>(n)), ec);
    ASSERT_FALSE(ec);
    auto list = node.dict_find_list("peers");
    ASSERT_EQ(list.list_size(), 2);
    EXPECT_EQ(list.list_at(0).dict_find_string_value("ip"), "10.0.0.1");
    EXPECT_EQ(list.list_at(0).dict_find_int_value("port"), 80);
    EXPECT_EQ(list.list_at(1).dict_find_string_value("ip"), "::1");
}

TEST(HttpReply, FailureScrapeAndTooSmallBuffer) {
    std::array<char, 256> buf;
    const std::size_t n = encode_failure(buf, "info_hash: missing");
    EXPECT_EQ(std::string(buf.data(), n), "d14:failure reason18:info_hash: missinge");
    std::array<char, 4> tiny;
    EXPECT_EQ(encode_failure(tiny, "x"), 0u);

    std::array<InfoHash, 3> hashes;
    hashes[0].data()[0] = 9;
    hashes[1].data()[0] = 1;
    hashes[2].data()[0] = 9;
    ASSERT_EQ(sort_unique(hashes), 2u);
    std::array<ScrapeEntry, 2> entries{ScrapeEntry{hashes[0], 1, 2, 3},
                                       ScrapeEntry{hashes[1], 4, 5'000'000'000ULL, 6}};
    std::array<char, 512> out;
    const std::size_t m = encode_scrape(out, entries);
    lt::error_code ec;
    auto node = lt::bdecode(lt::span<const char>(out.data(), static_cast<int>(m)), ec);
    ASSERT_FALSE(ec);
    auto files = node.dict_find_dict("files");
    ASSERT_EQ(files.dict_size(), 2);
    auto e = files.dict_find_dict(std::string(hashes[1].as_chars()));
    EXPECT_EQ(e.dict_find_int_value("complete"), 4);
    EXPECT_EQ(e.dict_find_int_value("downloaded"), 5'000'000'000LL);  // bencode: 64-bit
    EXPECT_EQ(e.dict_find_int_value("incomplete"), 6);
}

TEST(HttpReply, ResponseHead) {
    std::array<char, 256> buf;
    const std::size_t n = encode_response_head(buf, 200, "text/plain", 12, true);
    EXPECT_EQ(std::string(buf.data(), n),
              "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 12\r\n"
              "Connection: keep-alive\r\n\r\n");
}
