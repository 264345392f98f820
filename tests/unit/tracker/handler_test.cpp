// The frontends' request -> core -> reply mapping, without sockets: datagrams
// and request heads in, reply bytes out, against a real Tracker on a ManualClock.
#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "tracker/frontend/http/http_handler.hpp"
#include "tracker/frontend/udp/udp_handler.hpp"
#include "tracker/frontend/udp/udp_packet.hpp"

using namespace aciswarm;
using namespace aciswarm::tracker;

namespace {

void put(std::vector<std::uint8_t>& v, std::uint64_t x, int bytes) {
    for (int i = bytes - 1; i >= 0; --i)
        v.push_back(static_cast<std::uint8_t>(x >> (8 * i)));
}

std::uint64_t get(std::span<const std::uint8_t> v, std::size_t at, int bytes) {
    std::uint64_t x = 0;
    for (int i = 0; i < bytes; ++i)
        x = (x << 8) | v[at + static_cast<std::size_t>(i)];
    return x;
}

std::vector<std::uint8_t> udp_connect(std::uint32_t tx) {
    std::vector<std::uint8_t> v;
    put(v, udp::kProtocolId, 8);
    put(v, 0, 4);
    put(v, tx, 4);
    return v;
}

std::vector<std::uint8_t> udp_announce(std::uint64_t connection_id, std::uint32_t tx) {
    std::vector<std::uint8_t> v;
    put(v, connection_id, 8);
    put(v, 1, 4);
    put(v, tx, 4);
    v.insert(v.end(), 20, 7);    // info_hash
    v.insert(v.end(), 20, 'P');  // peer_id
    put(v, 0, 8);                // downloaded
    put(v, 100, 8);              // left
    put(v, 0, 8);                // uploaded
    put(v, 2, 4);                // started
    put(v, 0, 4);                // ip
    put(v, 0, 4);                // key
    put(v, 0xffffffff, 4);       // num_want -1
    put(v, 6881, 2);
    return v;
}

TrackerSettings open_settings() {
    TrackerSettings s;
    s.locked = false;
    return s;
}

struct Frontends {
    ManualClock clock;
    Tracker tracker{clock, open_settings()};
    udp::ConnectionIds ids;
    PeerListBuffer peers;
    FastRng rng{7};
    std::array<std::uint8_t, udp::kMaxReply> reply{};
    std::array<char, 16384> body{};
    std::vector<http::Route> routes;

    udp::Handled datagram(const std::vector<std::uint8_t>& packet, const PeerEndpoint& from) {
        udp::Context context{tracker, ids, peers, rng};
        return udp::handle(packet, from, false, reply, context);
    }
    std::uint64_t connection_id(const PeerEndpoint& from) {
        const udp::Handled h = datagram(udp_connect(1), from);
        EXPECT_EQ(h.kind, udp::RequestKind::connect);
        EXPECT_EQ(h.size, udp::kConnectSize);
        return get(reply, 8, 8);
    }
    http::Response get_path(std::string_view path, std::string_view query,
                            const PeerEndpoint& from) {
        http::RequestHead head;
        head.method = "GET";
        head.path = path;
        head.query = query;
        http::Context context{tracker, peers, rng, routes};
        return http::handle_request(head, from, body, context);
    }
};

const PeerEndpoint kAlice = PeerEndpoint::v4({10, 0, 0, 1}, 40000);
const PeerEndpoint kBob = PeerEndpoint::v4({10, 0, 0, 2}, 40000);

// info_hash=%07 x20 (the hash udp_announce uses) from `port`.
std::string announce_query(int port) {
    std::string q = "info_hash=";
    for (int i = 0; i < 20; ++i)
        q += "%07";
    return q + "&peer_id=" + std::string(20, 'P') + "&port=" + std::to_string(port) + "&left=5";
}

}  // namespace

TEST(UdpHandler, ConnectThenAnnounceRepliesWithTheOtherPeersCompact) {
    Frontends f;
    const udp::Handled first = f.datagram(udp_announce(f.connection_id(kAlice), 9), kAlice);
    EXPECT_EQ(first.kind, udp::RequestKind::announce);
    EXPECT_FALSE(first.failed);
    EXPECT_EQ(first.size, udp::kAnnounceReplyHeaderSize);  // alone in the swarm
    const udp::Handled second = f.datagram(udp_announce(f.connection_id(kBob), 10), kBob);
    ASSERT_EQ(second.size, udp::kAnnounceReplyHeaderSize + udp::kCompactPeerV4);
    EXPECT_EQ(get(f.reply, 4, 4), 10u);           // transaction id
    EXPECT_EQ(get(f.reply, 20, 4), 0x0a000001u);  // Alice's address
    EXPECT_EQ(get(f.reply, 24, 2), 6881u);        // the announced port
}

TEST(UdpHandler, AnUnknownConnectionIdGetsAnErrorNoLargerThanTheRequest) {
    Frontends f;
    const auto packet = udp_announce(0x1234, 5);
    const udp::Handled h = f.datagram(packet, kAlice);
    EXPECT_EQ(h.kind, udp::RequestKind::invalid);
    EXPECT_TRUE(h.failed);
    ASSERT_GT(h.size, 8u);
    EXPECT_LE(h.size, packet.size());
    EXPECT_EQ(get(f.reply, 0, 4), 3u);  // action error
    EXPECT_EQ(f.tracker.totals().torrents, 0u);
}

TEST(UdpHandler, ATooShortDatagramIsDroppedSilently) {
    Frontends f;
    const udp::Handled h = f.datagram({1, 2, 3}, kAlice);
    EXPECT_TRUE(h.failed);
    EXPECT_EQ(h.size, 0u);
}

TEST(HttpHandler, AnnounceEncodesTheCoreReplyIntoTheBodyArea) {
    Frontends f;
    const http::Response r = f.get_path("/announce", announce_query(6881), kAlice);
    EXPECT_EQ(r.kind, http::RequestKind::announce);
    EXPECT_FALSE(r.failed);
    ASSERT_TRUE(r.in_area);
    EXPECT_EQ(r.status, 200);
    EXPECT_TRUE(r.body(f.body).starts_with("d8:complete")) << r.body(f.body);
    EXPECT_EQ(f.tracker.totals().leechers, 1u);
}

TEST(HttpHandler, ABadAnnounceIsAFailureReplyNamingTheProblem) {
    Frontends f;
    const http::Response r = f.get_path("/announce", "port=1", kAlice);
    EXPECT_TRUE(r.failed);
    EXPECT_EQ(r.status, 200);  // BEP 3: failures are bencoded replies
    EXPECT_NE(r.body(f.body).find("failure reason"), std::string_view::npos);
    EXPECT_NE(r.body(f.body).find("info_hash"), std::string_view::npos);
}

TEST(HttpHandler, FullScrapeFollowsTheSetting) {
    Frontends f;
    EXPECT_TRUE(f.get_path("/scrape", "", kAlice).failed);
    TrackerSettings s = open_settings();
    s.full_scrape = true;
    f.tracker.update_settings(s);
    f.get_path("/announce", announce_query(6881), kAlice);
    const http::Response r = f.get_path("/scrape", "", kAlice);
    EXPECT_FALSE(r.failed);
    EXPECT_EQ(r.kind, http::RequestKind::scrape);
    EXPECT_NE(r.body(f.body).find("10:incompletei1e"), std::string_view::npos) << r.body(f.body);
}

TEST(HttpHandler, OtherPathsGoToTheRoutesInOrderThen404) {
    Frontends f;
    f.routes.push_back(
        [](const http::RequestHead& head, const PeerEndpoint&) -> std::optional<http::Response> {
            if (head.path != "/ui") return std::nullopt;
            return http::text_response(200, "text/html", "<p>ui</p>");
        });
    const http::Response ui = f.get_path("/ui", "", kAlice);
    EXPECT_EQ(ui.kind, http::RequestKind::other);
    EXPECT_EQ(ui.content_type, "text/html");
    EXPECT_EQ(ui.body(f.body), "<p>ui</p>");
    const http::Response missing = f.get_path("/nope", "", kAlice);
    EXPECT_EQ(missing.status, 404);
    EXPECT_NE(missing.body(f.body).find("/announce"), std::string_view::npos);
}

// --keys (private swarms, tracker/core/keys.hpp): both frontends refuse a
// request without an accepted key before the core sees it, so no peer is
// added, counted or handed out; the reply names no key.
TEST(PrivateSwarm, RequestsWithoutAnAcceptedKeyNeverReachTheCore) {
    Frontends f;
    const std::string key = "node-a-0123456789abcdef";
    f.tracker.keys().replace({key});
    const http::Response none = f.get_path("/announce", announce_query(6881), kAlice);
    EXPECT_TRUE(none.failed);
    EXPECT_NE(none.body(f.body).find("passkey=KEY missing or not accepted"), std::string::npos);
    const http::Response wrong =
        f.get_path("/announce", announce_query(6881) + "&passkey=" + key + "x", kAlice);
    EXPECT_TRUE(wrong.failed);
    EXPECT_EQ(wrong.body(f.body).find(key), std::string::npos);
    EXPECT_TRUE(f.get_path("/scrape", "passkey=wrong-0123456789abc", kAlice).failed);
    const auto udp_none = f.datagram(udp_announce(f.connection_id(kBob), 3), kBob);
    EXPECT_TRUE(udp_none.failed);
    EXPECT_EQ(get(f.reply, 0, 4), 3u);  // action error
    EXPECT_EQ(f.tracker.totals().torrents, 0u);

    const http::Response keyed =
        f.get_path("/announce", announce_query(6881) + "&passkey=" + key, kAlice);
    EXPECT_FALSE(keyed.failed) << keyed.body(f.body);
    auto datagram = udp_announce(f.connection_id(kBob), 4);
    const std::string url_data = "/announce?passkey=" + key;
    const std::string option =
        std::string(1, '\x02') + static_cast<char>(url_data.size()) + url_data;
    for (char c : option)
        datagram.push_back(static_cast<std::uint8_t>(c));
    const auto udp_keyed = f.datagram(datagram, kBob);
    EXPECT_FALSE(udp_keyed.failed);
    // Bob got Alice, the keyed peer before him.
    ASSERT_EQ(udp_keyed.size, udp::kAnnounceReplyHeaderSize + udp::kCompactPeerV4);
    EXPECT_EQ(get(f.reply, 20, 4), 0x0a000001u);
    EXPECT_EQ(f.tracker.totals().leechers, 2u);
}

// GET /zone (docs/zones.md, "Learning the role"): the announce reply's zone key alone,
// for the peer at the source address and the query's port; read-only.
TEST(HttpHandler, ZoneAnswersTheRoleAndLeadersAndChangesNothing) {
    Frontends f;
    const std::string zone_keys = "&zone=rack1&leader=candidate&up=1000";
    ASSERT_FALSE(f.get_path("/announce", announce_query(6881) + zone_keys, kAlice).failed);
    ASSERT_FALSE(
        f.get_path("/announce", announce_query(6881) + "&zone=rack1&leader=none", kBob).failed);
    const TrackerTotals before = f.tracker.totals();

    const http::Response leader = f.get_path("/zone", announce_query(6881), kAlice);
    EXPECT_FALSE(leader.failed);
    EXPECT_EQ(leader.kind, http::RequestKind::other);
    // Alice leads: her compact endpoint 10.0.0.1:6881 is the zone's leader. A leader
    // gets its zone's members too (Alice, then Bob): whose pieces it ranks its own by.
    const std::string alice_compact("\x0a\x00\x00\x01\x1a\xe1", 6);
    const std::string bob_compact("\x0a\x00\x00\x02\x1a\xe1", 6);
    EXPECT_EQ(leader.body(f.body), "d4:zoned7:leaders6:" + alice_compact +
                                       "8:leaders60:7:members12:" + alice_compact + bob_compact +
                                       "8:members60:4:name5:rack14:role6:leaderee");
    const http::Response follower = f.get_path("/zone", announce_query(6881), kBob);
    EXPECT_NE(follower.body(f.body).find("4:role8:follower"), std::string_view::npos);
    // A follower also gets its zone's members (Alice, then Bob): whom it may download from.
    EXPECT_NE(follower.body(f.body).find("8:leaders60:7:members12:" + alice_compact + bob_compact +
                                         "8:members60:4:name"),
              std::string_view::npos)
        << follower.body(f.body);
    // Another port of Bob's address is not Bob; neither is an unknown torrent.
    EXPECT_NE(f.get_path("/zone", announce_query(6882), kBob).body(f.body).find("4:role4:none"),
              std::string_view::npos);
    std::string other_hash = announce_query(6881);
    other_hash.replace(10, 3, "%08");
    const http::Response unknown = f.get_path("/zone", other_hash, kBob);
    EXPECT_EQ(unknown.body(f.body), "d4:zoned7:leaders0:8:leaders60:4:name0:4:role4:noneee");

    const TrackerTotals after = f.tracker.totals();
    EXPECT_EQ(after.torrents, before.torrents);
    EXPECT_EQ(after.leechers, before.leechers);
    EXPECT_EQ(after.leaders, before.leaders);
    EXPECT_EQ(after.elections, before.elections);
}

TEST(HttpHandler, ZoneNeedsInfoHashAndPortAndAnAcceptedKey) {
    Frontends f;
    const http::Response no_port = f.get_path("/zone", "info_hash=" + std::string(20, 'a'), kAlice);
    EXPECT_TRUE(no_port.failed);
    EXPECT_NE(no_port.body(f.body).find("port: missing"), std::string_view::npos);
    const std::string key = "node-a-0123456789abcdef";
    f.tracker.keys().replace({key});
    const http::Response none = f.get_path("/zone", announce_query(6881), kAlice);
    EXPECT_TRUE(none.failed);
    EXPECT_NE(none.body(f.body).find("passkey=KEY missing or not accepted"), std::string::npos);
    EXPECT_FALSE(f.get_path("/zone", announce_query(6881) + "&passkey=" + key, kAlice).failed);
}
