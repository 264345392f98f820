// Who a follower may download from (agent/engine/zone_peer_filter.hpp): the filter a
// torrent's zone peer plugin reads, and one connection's rule for hiding availability
// and dropping connections whose view went stale. Pure: no libtorrent session.
#include "agent/engine/zone_peer_filter.hpp"

#include <gtest/gtest.h>

using namespace aciswarm;
using namespace aciswarm::engine;

namespace {

PeerEndpoint at(std::uint8_t host, std::uint16_t port = 6881) {
    return PeerEndpoint::v4({10, 1, 0, host}, port);
}

ZoneView follower_of(std::vector<PeerEndpoint> leaders, std::vector<PeerEndpoint> members) {
    ZoneView view;
    view.role = ZoneRole::follower;
    view.zone = "a";
    view.leaders = std::move(leaders);
    view.members = std::move(members);
    return view;
}

}  // namespace

TEST(ZonePeerFilter, AllowsEveryoneUntilTheNodeIsAFollower) {
    ZonePeerFilter filter;
    EXPECT_TRUE(filter.allows(at(9)));  // role unknown: today's behaviour
    ZoneView leader = follower_of({at(9)}, {});
    leader.role = ZoneRole::leader;
    filter.update(leader);
    EXPECT_TRUE(filter.allows(PeerEndpoint::v4({192, 0, 2, 1}, 6881)));
    ZoneView none;
    none.role = ZoneRole::none;
    filter.update(none);
    EXPECT_TRUE(filter.allows(PeerEndpoint::v4({192, 0, 2, 1}, 6881)));
}

TEST(ZonePeerFilter, AFollowerAllowsItsLeadersAndMembersByAddressAlone) {
    ZonePeerFilter filter;
    filter.update(follower_of({at(1)}, {at(1), at(2)}));
    EXPECT_TRUE(filter.allows(at(1)));
    // A member that dialled in comes from another port.
    EXPECT_TRUE(filter.allows(at(2, 51234)));
    // Another zone's leader, and a zone-blind peer outside the zone.
    EXPECT_FALSE(filter.allows(PeerEndpoint::v4({10, 2, 0, 1}, 6881)));
    EXPECT_FALSE(filter.allows(at(3)));
    // The same address written as IPv4-mapped IPv6.
    std::array<std::uint8_t, 16> mapped{};
    mapped[10] = 0xff;
    mapped[11] = 0xff;
    mapped[12] = 10;
    mapped[13] = 1;
    mapped[15] = 2;
    EXPECT_TRUE(filter.allows(PeerEndpoint::v6(mapped, 40000)));
    // A member joins: allowed from the next answer on.
    filter.update(follower_of({at(1)}, {at(1), at(2), at(3)}));
    EXPECT_TRUE(filter.allows(at(3)));
    // A re-election makes the node a leader: everyone.
    ZoneView leader = follower_of({at(5)}, {});
    leader.role = ZoneRole::leader;
    filter.update(leader);
    EXPECT_TRUE(filter.allows(PeerEndpoint::v4({10, 2, 0, 1}, 6881)));
}

TEST(ZoneConnectionRule, HidesWhatComesFromOutsideAndDropsStaleConnections) {
    ZoneConnectionRule outsider;
    EXPECT_TRUE(outsider.hide(false));
    EXPECT_TRUE(outsider.hide(false));
    EXPECT_FALSE(outsider.stale(false));  // still outside: nothing to redo
    // The peer turned out to be a member (a late answer) or the node stopped being a
    // follower: libtorrent never saw its pieces, so the connection starts over.
    EXPECT_TRUE(outsider.stale(true));

    ZoneConnectionRule member;
    EXPECT_FALSE(member.hide(true));
    EXPECT_FALSE(member.stale(true));
    // The node became a follower after this peer's bitfield went through.
    EXPECT_TRUE(member.stale(false));

    ZoneConnectionRule silent;  // nothing received yet: never stale
    EXPECT_FALSE(silent.stale(true));
    EXPECT_FALSE(silent.stale(false));
}

TEST(ZonePeerFilter, CountsAFollowersPayloadByAddress) {
    ZonePeerFilter filter;
    filter.update(follower_of({at(1)}, {at(1), at(2)}));
    EXPECT_TRUE(filter.follower());
    filter.count_follower_payload(at(1), 16384);
    filter.count_follower_payload(at(1, 50000), 16384);  // another connection, same address
    filter.count_follower_payload(at(2), 100);
    const std::map<std::string, std::int64_t> want{{"10.1.0.1", 32768}, {"10.1.0.2", 100}};
    EXPECT_EQ(filter.follower_payload(), want);
    ZoneView leader;
    leader.role = ZoneRole::leader;
    filter.update(leader);
    EXPECT_FALSE(filter.follower());
    EXPECT_EQ(filter.follower_payload(), want);  // kept for the log at the end
}

// A leader's zone (its /zone answer's leaders and members) is what its piece priorities
// count (zone_leader_pieces.hpp); it still downloads from everyone.
TEST(ZonePeerFilter, ALeaderKnowsItsZoneButAllowsEveryone) {
    ZonePeerFilter filter;
    EXPECT_FALSE(filter.in_zone(at(2)));  // role unknown: no zone yet
    ZoneView leader = follower_of({at(1)}, {at(1), at(2)});
    leader.role = ZoneRole::leader;
    filter.update(leader);
    EXPECT_TRUE(filter.in_zone(at(2, 50000)));  // by address: a member that dialled in
    EXPECT_TRUE(filter.in_zone(at(1)));
    EXPECT_FALSE(filter.in_zone(at(3)));
    EXPECT_TRUE(filter.allows(at(3)));  // a leader downloads from anybody
    ZoneView none;
    none.role = ZoneRole::none;
    filter.update(none);
    EXPECT_FALSE(filter.in_zone(at(2)));
}
