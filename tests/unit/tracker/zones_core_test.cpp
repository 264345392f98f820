// The tracker core with zones (docs/zones.md): placement, elections through announces,
// zone replies, expiry, and the HTTP keys and reply key. Time from a ManualClock.
#include <gtest/gtest.h>

#include <libtorrent/bdecode.hpp>
#include <set>

#include "common/clock.hpp"
#include "tests/unit/tracker/test_hash.hpp"
#include "tracker/core/tracker.hpp"
#include "tracker/frontend/http/http_reply.hpp"
#include "tracker/frontend/http/http_request.hpp"

using namespace aciswarm;
using namespace aciswarm::tracker;
using namespace std::chrono_literals;

namespace {

using test::hash;

// Zone a: 10.1.0.0/16, zone b: 10.2.0.0/16 when CIDRs are configured.
PeerEndpoint in_a(int i) {
    return PeerEndpoint::v4({10, 1, 0, static_cast<std::uint8_t>(i)}, 6881);
}
PeerEndpoint in_b(int i) {
    return PeerEndpoint::v4({10, 2, 0, static_cast<std::uint8_t>(i)}, 6881);
}
PeerEndpoint outside(int i) {
    return PeerEndpoint::v4({192, 0, 2, static_cast<std::uint8_t>(i)}, 6881);
}

zones::ZoneName zone(std::string_view name) {
    return *zones::ZoneName::parse(name);
}

struct Fixture {
    ManualClock clock;
    Tracker tracker;
    PeerListBuffer peers;
    FastRng rng{42};
    AnnounceReply last;

    explicit Fixture(std::size_t leaders_per_zone = 1)
        : tracker(clock, settings(leaders_per_zone)) {}
    static TrackerSettings settings(std::size_t leaders_per_zone) {
        TrackerSettings s;
        s.locked = false;
        s.leaders_per_zone = leaders_per_zone;
        return s;
    }
    void use_cidrs() {
        auto rows = zones::parse_zones_file("a=10.1.0.0/16\nb=10.2.0.0/16\n", "test");
        tracker.set_zone_map(
            std::make_shared<const zones::ZoneMap>(*zones::ZoneMap::from_rows(*rows)));
    }

    AnnounceRequest request(const PeerEndpoint& p, std::uint64_t left) {
        AnnounceRequest r;
        r.info_hash = hash(1);
        r.peer = p;
        r.left = left;
        return r;
    }
    const AnnounceReply& blind(const PeerEndpoint& p, std::uint64_t left = 1,
                               Event e = Event::none) {
        AnnounceRequest r = request(p, left);
        r.event = e;
        last = tracker.announce(r, peers, rng);
        return last;
    }
    const AnnounceReply& aware(const PeerEndpoint& p, std::string_view z, bool candidate,
                               std::uint64_t up = 0, std::uint64_t left = 1,
                               Event e = Event::none) {
        AnnounceRequest r = request(p, left);
        r.event = e;
        r.zone.aware = true;
        if (!z.empty()) r.zone.claimed = zone(z);
        r.zone.candidate = candidate;
        r.zone.capacity = {up, up};
        last = tracker.announce(r, peers, rng);
        return last;
    }
    std::set<PeerEndpoint> listed() const {
        std::set<PeerEndpoint> out;
        for (std::uint32_t i = 0; i < peers.n4; ++i)
            out.insert(*PeerEndpoint::from_compact(std::span(peers.v4 + 6 * i, 6)));
        for (std::uint32_t i = 0; i < peers.n6; ++i)
            out.insert(*PeerEndpoint::from_compact(std::span(peers.v6 + 18 * i, 18)));
        return out;
    }
    std::vector<PeerEndpoint> leaders() const {
        std::vector<PeerEndpoint> out;
        for (std::uint32_t i = 0; i < last.zone.n4; ++i)
            out.push_back(*PeerEndpoint::from_compact(std::span(last.zone.leaders_v4 + 6 * i, 6)));
        return out;
    }
};

TEST(TrackerZones, ZoneBlindAnnouncesKeepTodaysReply) {
    Fixture f;
    f.aware(in_a(1), "a", true, 100);
    f.blind(in_b(1));
    f.blind(outside(1), 0);
    f.blind(in_a(2));
    EXPECT_FALSE(f.last.zone.present);
    EXPECT_EQ(f.listed(), (std::set<PeerEndpoint>{in_a(1), in_b(1), outside(1)}));
}

TEST(TrackerZones, FollowerGetsItsZoneAndItsLeaders) {
    Fixture f;
    f.aware(in_a(1), "a", true, 100);  // leader of a
    f.aware(in_b(1), "b", true, 100);  // leader of b
    f.aware(in_b(2), "b", false);
    f.blind(outside(1), 0);  // the registry's seed, zone-blind
    f.aware(in_a(2), "a", false);
    f.aware(in_a(3), "a", false);
    EXPECT_TRUE(f.last.zone.present);
    EXPECT_EQ(f.last.zone.role, zones::Role::follower);
    EXPECT_EQ(f.last.zone.zone.view(), "a");
    EXPECT_EQ(f.leaders(), std::vector<PeerEndpoint>{in_a(1)});
    EXPECT_EQ(f.listed(), (std::set<PeerEndpoint>{in_a(1), in_a(2)}));
}

TEST(TrackerZones, LeaderGetsItsZoneOtherLeadersAndEveryoneOutside) {
    Fixture f;
    f.aware(in_b(1), "b", true, 100);    // leader of b
    f.aware(in_b(2), "b", false, 0, 0);  // a seeding follower of b: a seed outside a
    f.aware(in_b(3), "b", true, 50, 0);  // a seeding candidate of b that lost: the same
    f.aware(in_b(4), "b", false);        // a leeching follower of b: holds what b imported
    f.blind(outside(1), 0);              // the everseed
    f.blind(outside(2));                 // a zone-blind leecher
    f.aware(in_a(2), "a", false);
    f.aware(in_a(1), "a", true, 100);
    EXPECT_EQ(f.last.zone.role, zones::Role::leader);
    EXPECT_EQ(f.listed(), (std::set<PeerEndpoint>{in_a(2), in_b(1), in_b(2), in_b(3), in_b(4),
                                                  outside(1), outside(2)}));
}

TEST(TrackerZones, LeaderListsOutsideSeedsBeforeOutsideDownloaders) {
    Fixture f;
    for (int i = 2; i < 8; ++i)
        f.aware(in_b(i), "b", false);  // leeching followers of b
    f.aware(in_b(1), "b", true, 100);  // leader of b
    f.blind(outside(1), 0);            // the everseed
    f.aware(in_a(1), "a", true, 100);
    AnnounceRequest r = f.request(in_a(1), 1);
    r.zone.aware = true;
    r.zone.claimed = zone("a");
    r.zone.candidate = true;
    r.zone.capacity = {100, 100};
    r.numwant = 3;
    f.last = f.tracker.announce(r, f.peers, f.rng);
    EXPECT_EQ(f.last.zone.role, zones::Role::leader);
    // b's leader, the everseed, then one of b's followers.
    const auto listed = f.listed();
    ASSERT_EQ(listed.size(), 3u);
    EXPECT_TRUE(listed.count(in_b(1)));
    EXPECT_TRUE(listed.count(outside(1)));
}

TEST(TrackerZones, AZoneWithoutCandidatesBehavesAsToday) {
    Fixture f;
    f.aware(in_a(1), "a", false);
    f.blind(outside(1), 0);
    f.aware(in_a(2), "a", false);
    EXPECT_TRUE(f.last.zone.present);
    EXPECT_EQ(f.last.zone.role, zones::Role::none);
    EXPECT_EQ(f.listed(), (std::set<PeerEndpoint>{in_a(1), outside(1)}));
}

TEST(TrackerZones, ConfiguredCidrsOverruleClaims) {
    Fixture f;
    f.use_cidrs();
    f.aware(in_a(1), "a", true, 100);
    // in_b(1) claims zone a to be listed with a's peers: the CIDR puts it in b, where it
    // is the only candidate.
    f.aware(in_b(1), "a", true, 999'999);
    EXPECT_EQ(f.last.zone.zone.view(), "b");
    EXPECT_EQ(f.last.zone.role, zones::Role::leader);
    f.aware(in_a(2), "", false);
    EXPECT_EQ(f.last.zone.zone.view(), "a");
    EXPECT_EQ(f.leaders(), std::vector<PeerEndpoint>{in_a(1)});
    EXPECT_EQ(f.listed(), (std::set<PeerEndpoint>{in_a(1)}));
    // A zone-blind client inside a's CIDR is a member of a: listed to a's followers.
    f.blind(in_a(3));
    f.aware(in_a(2), "", false);
    EXPECT_EQ(f.listed(), (std::set<PeerEndpoint>{in_a(1), in_a(3)}));
    // Outside every CIDR a claim gives no zone.
    f.aware(outside(1), "a", true, 100);
    EXPECT_TRUE(f.last.zone.zone.empty());
    EXPECT_EQ(f.last.zone.role, zones::Role::none);
    const TrackerTotals t = f.tracker.totals();
    EXPECT_EQ(t.zone_claims_ignored, 2u);
    EXPECT_EQ(t.zones, 2u);
    EXPECT_EQ(t.leaders, 2u);
}

TEST(TrackerZones, StoppedLeaderIsReplacedAndCounted) {
    Fixture f;
    f.aware(in_a(1), "a", true, 300);
    f.aware(in_a(2), "a", true, 200);
    f.aware(in_a(3), "a", false);
    EXPECT_EQ(f.leaders(), std::vector<PeerEndpoint>{in_a(1)});
    const std::uint64_t before = f.tracker.totals().elections;
    f.aware(in_a(1), "a", true, 300, 1, Event::stopped);
    f.aware(in_a(3), "a", false);
    EXPECT_EQ(f.leaders(), std::vector<PeerEndpoint>{in_a(2)});
    EXPECT_EQ(f.tracker.totals().elections, before + 1);
}

TEST(TrackerZones, SilentLeaderExpiresAndItsZoneReelects) {
    Fixture f;
    f.aware(in_a(1), "a", true, 300);
    f.aware(in_a(2), "a", true, 200);
    f.clock.advance(1500s);
    f.aware(in_a(2), "a", true, 200);  // the leader (in_a(1)) stays silent
    f.clock.advance(400s);             // 1900 s > 2 x the 900 s interval
    EXPECT_EQ(f.tracker.expire(), 1u);
    f.aware(in_a(3), "a", false);
    EXPECT_EQ(f.leaders(), std::vector<PeerEndpoint>{in_a(2)});
    EXPECT_EQ(f.tracker.totals().leaders, 1u);
}

TEST(TrackerZones, RemotePeersJoinZonesAndElectTheSame) {
    // Two instances, one fed by announces, one by the changes the first reports
    // (livesync's path): the same leaders.
    Fixture local;
    Fixture remote;
    local.tracker.set_peer_observer(
        [&](const PeerChange& c) { remote.tracker.apply_remote_peer(c); });
    local.aware(in_a(2), "a", true, 200);
    local.aware(in_a(1), "a", true, 300);
    local.aware(in_a(3), "a", false);
    remote.aware(in_a(4), "a", false);
    EXPECT_EQ(remote.leaders(), std::vector<PeerEndpoint>{in_a(1)});
    EXPECT_EQ(remote.listed(), (std::set<PeerEndpoint>{in_a(1), in_a(2), in_a(3)}));
}

TEST(TrackerZones, HttpZoneKeysParse) {
    const std::string base =
        "info_hash=%01%02%03%04%05%06%07%08%09%10%11%12%13%14%15%16%17%18%19%20"
        "&peer_id=ABCDEFGHIJKLMNOPQRST&port=6881";
    auto p = http::parse_announce_query(base + "&zone=rack-a&leader=candidate&up=1000&down=2000");
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_TRUE(p->zone.aware);
    EXPECT_EQ(p->zone.claimed.view(), "rack-a");
    EXPECT_TRUE(p->zone.candidate);
    EXPECT_EQ(p->zone.capacity, (zones::Capacity{1000, 2000}));
    auto blind = http::parse_announce_query(base + "&up=1000");
    ASSERT_TRUE(blind);
    EXPECT_FALSE(blind->zone.aware);
    auto none = http::parse_announce_query(base + "&leader=none");
    ASSERT_TRUE(none);
    EXPECT_TRUE(none->zone.aware);
    EXPECT_FALSE(none->zone.candidate);
    const auto bad_zone = http::parse_announce_query(base + "&zone=a%20b");
    ASSERT_FALSE(bad_zone);
    EXPECT_NE(bad_zone.error().message.find("zone"), std::string::npos);
    EXPECT_FALSE(http::parse_announce_query(base + "&zone=" + std::string(40, 'x')));
    EXPECT_FALSE(http::parse_announce_query(base + "&leader=boss"));
    EXPECT_FALSE(http::parse_announce_query(base + "&up=-5"));
}

TEST(TrackerZones, HttpReplyCarriesTheZoneKey) {
    Fixture f;
    f.aware(in_a(1), "a", true, 300);
    f.aware(in_a(2), "a", false);
    std::array<char, 2048> buf;
    const std::size_t n = http::encode_announce(buf, f.last, f.peers, true);
    ASSERT_GT(n, 0u);
    lt::error_code ec;
    const lt::bdecode_node node =
        lt::bdecode(lt::span<const char>(buf.data(), static_cast<int>(n)), ec);
    ASSERT_FALSE(ec) << ec.message();
    const lt::bdecode_node z = node.dict_find_dict("zone");
    ASSERT_TRUE(z);
    EXPECT_EQ(z.dict_find_string_value("role"), "follower");
    EXPECT_EQ(z.dict_find_string_value("name"), "a");
    EXPECT_EQ(z.dict_find_string_value("leaders"), in_a(1).compact());
    EXPECT_EQ(z.dict_find_string_value("leaders6"), "");
    // A zone-blind request's reply has no such key.
    f.blind(in_a(3));
    const std::size_t m = http::encode_announce(buf, f.last, f.peers, true);
    EXPECT_EQ(std::string(buf.data(), m).find("4:zone"), std::string::npos);
}

}  // namespace
