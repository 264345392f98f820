#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "tracker/zones/election.hpp"
#include "tracker/zones/swarm_zones.hpp"

using namespace aciswarm;
using namespace aciswarm::tracker::zones;

namespace {

PeerEndpoint peer(int i) {
    return PeerEndpoint::v4({10, 0, 0, static_cast<std::uint8_t>(i)}, 6881);
}

ZoneName zone(std::string_view name) {
    return *ZoneName::parse(name);
}

MemberInfo candidate(std::string_view z, std::uint64_t up, std::uint64_t down = 0) {
    return {zone(z), true, true, {up, down}};
}

MemberInfo follower(std::string_view z) {
    return {zone(z), true, false, {}};
}

std::vector<PeerEndpoint> leaders_of(const SwarmZones& zones, std::string_view z) {
    const auto l = zones.leaders(zone(z));
    return {l.begin(), l.end()};
}

TEST(CapacityClass, IsMonotonicAndGroupsCloseValues) {
    std::uint32_t last = 0;
    for (std::uint64_t v = 0; v < 100'000; v += 7) {
        const std::uint32_t c = capacity_class(v);
        EXPECT_GE(c, last) << v;
        last = c;
    }
    EXPECT_EQ(capacity_class(0), 0u);
    EXPECT_GT(capacity_class(1), 0u);
    // 2.5 MB/s and 2.6 MB/s are one class; 2.5 and 3.1 are not.
    EXPECT_EQ(capacity_class(2'500'000), capacity_class(2'600'000));
    EXPECT_LT(capacity_class(2'500'000), capacity_class(3'100'000));
    EXPECT_GT(capacity_class(UINT64_MAX), capacity_class(UINT64_MAX / 2));
}

TEST(Election, UploadThenDownloadThenEndpoint) {
    const std::vector<Candidate> c = {
        {peer(1), {1'000'000, 1'000'000}},
        {peer(2), {4'000'000, 1'000}},      // biggest upload
        {peer(3), {1'000'000, 9'000'000}},  // ties 1 on upload, wins on download
        {peer(4), {1'000'000, 9'000'000}},  // ties 3 on both: the smaller endpoint wins
    };
    EXPECT_EQ(elect(c, 1), std::vector<PeerEndpoint>{peer(2)});
    EXPECT_EQ(elect(c, 3), (std::vector<PeerEndpoint>{peer(2), peer(3), peer(4)}));
    EXPECT_EQ(elect(c, 10).size(), 4u);
    EXPECT_TRUE(elect({}, 1).empty());
}

TEST(Election, IPv4RanksBeforeIPv6OnATie) {
    std::array<std::uint8_t, 16> a{};
    a[15] = 1;
    const PeerEndpoint six = PeerEndpoint::v6(a, 1);
    const std::vector<Candidate> c = {{six, {10, 10}}, {peer(200), {10, 10}}};
    EXPECT_EQ(elect(c, 1), std::vector<PeerEndpoint>{peer(200)});
}

TEST(Election, SameCandidatesInAnyOrderSameLeaders) {
    std::vector<Candidate> c;
    for (int i = 1; i <= 40; ++i)
        c.push_back({peer(i), {static_cast<std::uint64_t>((i % 5) * 1000), 500}});
    const auto expected = elect(c, 3);
    std::mt19937 rng(17);
    for (int round = 0; round < 20; ++round) {
        std::shuffle(c.begin(), c.end(), rng);
        EXPECT_EQ(elect(c, 3), expected);
    }
}

TEST(SwarmZones, FirstCandidateLeadsAtOnceAndFollowersFollow) {
    SwarmZones zones;
    EXPECT_EQ(zones.update(peer(1), follower("a"), 0, 1), 0u);
    EXPECT_EQ(zones.role_of(peer(1)), Role::none);  // no candidate yet: plain BitTorrent
    EXPECT_EQ(zones.update(peer(2), candidate("a", 100), 0, 1), 1u);
    EXPECT_EQ(zones.role_of(peer(2)), Role::leader);
    EXPECT_EQ(zones.role_of(peer(1)), Role::follower);
    EXPECT_EQ(zones.zone_count(), 1u);
    EXPECT_EQ(zones.leader_count(), 1u);
    EXPECT_EQ(zones.members(zone("a")).size(), 2u);
}

TEST(SwarmZones, ZoneBlindMembersAreListedButHaveNoRole) {
    SwarmZones zones;
    zones.update(peer(1), {zone("a"), false, false, {}}, 0, 1);
    zones.update(peer(2), candidate("a", 100), 0, 1);
    EXPECT_EQ(zones.role_of(peer(1)), Role::none);
    EXPECT_EQ(zones.members(zone("a")).size(), 2u);
}

TEST(SwarmZones, BetterCandidateTakesOverAndSmallWobbleDoesNot) {
    SwarmZones zones;
    zones.update(peer(1), candidate("a", 1'000'000), 0, 1);
    EXPECT_EQ(zones.update(peer(2), candidate("a", 2'000'000), 0, 1), 1u);
    EXPECT_EQ(leaders_of(zones, "a"), std::vector<PeerEndpoint>{peer(2)});
    // Measured rates that wobble inside one class change nothing (no election).
    EXPECT_EQ(zones.update(peer(1), candidate("a", 1'900'000), 0, 1), 1u);  // same class as 2 MB/s
    EXPECT_EQ(leaders_of(zones, "a"), std::vector<PeerEndpoint>{peer(1)});  // tie: smaller endpoint
    EXPECT_EQ(zones.update(peer(1), candidate("a", 1'950'000), 0, 1), 0u);
    EXPECT_EQ(zones.update(peer(2), candidate("a", 2'010'000), 0, 1), 0u);
    EXPECT_EQ(leaders_of(zones, "a"), std::vector<PeerEndpoint>{peer(1)});
}

TEST(SwarmZones, LeaderLossReelectsTheNextCandidate) {
    SwarmZones zones;
    zones.update(peer(1), candidate("a", 300), 0, 1);
    zones.update(peer(2), candidate("a", 200), 0, 1);
    zones.update(peer(3), follower("a"), 0, 1);
    ASSERT_EQ(zones.role_of(peer(1)), Role::leader);
    EXPECT_EQ(zones.remove(peer(1)), 1u);
    EXPECT_EQ(zones.role_of(peer(2)), Role::leader);
    EXPECT_EQ(zones.role_of(peer(3)), Role::follower);
    // The last candidate goes: the zone has no leader and its peers fall back to today.
    EXPECT_EQ(zones.remove(peer(2)), 1u);
    EXPECT_EQ(zones.role_of(peer(3)), Role::none);
    EXPECT_EQ(zones.leader_count(), 0u);
}

TEST(SwarmZones, LeaderTimeoutExpiresIt) {
    SwarmZones zones;
    zones.update(peer(1), candidate("a", 300), 10, 1);
    zones.update(peer(2), candidate("a", 200), 10, 1);
    zones.update(peer(2), candidate("a", 200), 50, 1);  // peer 2 keeps announcing
    EXPECT_EQ(zones.expire(40), 1u);                    // peer 1 went silent
    EXPECT_EQ(zones.find(peer(1)), nullptr);
    EXPECT_EQ(zones.role_of(peer(2)), Role::leader);
    EXPECT_EQ(zones.expire(40), 0u);
}

TEST(SwarmZones, StoppingCandidacyOrMovingZoneReelects) {
    SwarmZones zones;
    zones.update(peer(1), candidate("a", 300), 0, 1);
    zones.update(peer(2), candidate("a", 200), 0, 1);
    EXPECT_EQ(zones.update(peer(1), follower("a"), 0, 1), 1u);
    EXPECT_EQ(zones.role_of(peer(2)), Role::leader);
    EXPECT_EQ(zones.update(peer(2), candidate("b", 200), 0, 1), 2u);  // a loses, b gains
    EXPECT_EQ(zones.role_of(peer(1)), Role::none);
    EXPECT_EQ(zones.role_of(peer(2)), Role::leader);
    EXPECT_EQ(zones.zone_count(), 2u);
    // Announcing without a zone leaves every zone; an empty zone disappears.
    zones.update(peer(2), MemberInfo{}, 0, 1);
    EXPECT_EQ(zones.zone_count(), 1u);
    EXPECT_EQ(zones.leader_count(), 0u);
}

TEST(SwarmZones, LeadersPerZoneAndItsChange) {
    SwarmZones zones;
    for (int i = 1; i <= 5; ++i)
        zones.update(peer(i), candidate("a", static_cast<std::uint64_t>(i) * 1000), 0, 2);
    EXPECT_EQ(leaders_of(zones, "a"), (std::vector<PeerEndpoint>{peer(5), peer(4)}));
    EXPECT_EQ(zones.leader_count(), 2u);
    // --leaders-per-zone changed (SIGHUP): the next update re-elects every zone.
    EXPECT_EQ(zones.update(peer(1), candidate("a", 1000), 0, 3), 1u);
    EXPECT_EQ(leaders_of(zones, "a"), (std::vector<PeerEndpoint>{peer(5), peer(4), peer(3)}));
    EXPECT_EQ(zones.leader_count(), 3u);
}

TEST(SwarmZones, ZonesElectIndependently) {
    SwarmZones zones;
    zones.update(peer(1), candidate("a", 100), 0, 1);
    zones.update(peer(2), candidate("b", 900), 0, 1);
    zones.update(peer(3), follower("b"), 0, 1);
    EXPECT_EQ(zones.role_of(peer(1)), Role::leader);
    EXPECT_EQ(zones.role_of(peer(2)), Role::leader);
    EXPECT_EQ(leaders_of(zones, "b"), std::vector<PeerEndpoint>{peer(2)});
    std::vector<std::string> seen;
    zones.for_each_zone([&](const ZoneName& z, auto members, auto leaders) {
        seen.push_back(z.str() + ":" + std::to_string(members.size()) + "/" +
                       std::to_string(leaders.size()));
    });
    EXPECT_EQ(seen, (std::vector<std::string>{"a:1/1", "b:2/1"}));
}

// Two tracker instances that see the same announces in different orders (livesync
// delivers them late and interleaved) end with the same leaders in every zone.
TEST(SwarmZones, SameAnnouncesInAnyOrderElectTheSameLeaders) {
    struct Announce {
        PeerEndpoint peer;
        MemberInfo info;
    };
    std::vector<Announce> announces;
    for (int i = 1; i <= 30; ++i) {
        const std::string z = i % 3 == 0 ? "a" : (i % 3 == 1 ? "b" : "c");
        if (i % 4 == 0) {
            announces.push_back({peer(i), follower(z)});
        } else {
            announces.push_back({peer(i), candidate(z, static_cast<std::uint64_t>(i % 7) * 100'000,
                                                    static_cast<std::uint64_t>(i))});
        }
    }
    auto run = [&](const std::vector<Announce>& order) {
        SwarmZones zones;
        for (const auto& a : order)
            zones.update(a.peer, a.info, 0, 2);
        std::vector<std::vector<PeerEndpoint>> out;
        for (auto z : {"a", "b", "c"})
            out.push_back(leaders_of(zones, z));
        return out;
    };
    const auto expected = run(announces);
    EXPECT_EQ(expected[0].size(), 2u);
    std::mt19937 rng(3);
    for (int round = 0; round < 25; ++round) {
        std::shuffle(announces.begin(), announces.end(), rng);
        EXPECT_EQ(run(announces), expected) << "round " << round;
    }
}

}  // namespace
