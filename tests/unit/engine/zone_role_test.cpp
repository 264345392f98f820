// How an agent learns its zone role (agent/engine/zone_role.hpp): the /zone reply
// parser, the /zone URL, and one torrent's watch over time on a ManualClock with a
// fake tracker.
#include "agent/engine/zone_role.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

using namespace aciswarm;
using namespace aciswarm::engine;
using namespace std::chrono_literals;

namespace {

const std::string kLeaderV4("\x0a\x00\x00\x01\x1a\xe1", 6);  // 10.0.0.1:6881

std::string bstring(std::string_view s) {
    return std::to_string(s.size()) + ":" + std::string(s);
}

std::string reply(std::string_view role, std::string_view leaders = {},
                  std::string_view leaders6 = {}, std::string_view name = "rack1",
                  std::string_view members = {}) {
    const std::string member_keys =
        members.empty() ? "" : "7:members" + bstring(members) + "8:members60:";
    return "d4:zoned7:leaders" + bstring(leaders) + "8:leaders6" + bstring(leaders6) + member_keys +
           "4:name" + bstring(name) + "4:role" + bstring(role) + "ee";
}

InfoHash hash_of(char c) {
    InfoHash h;
    for (auto& b : h.mutable_bytes())
        b = static_cast<std::uint8_t>(c);
    return h;
}

}  // namespace

TEST(ZoneReply, AFollowerLearnsItsZoneAndLeadersBestFirst) {
    std::string v6(18, '\0');
    v6[15] = 1;  // ::1
    v6[16] = 0x1a;
    v6[17] = '\xe2';
    auto view = parse_zone_reply(reply("follower", kLeaderV4, v6));
    ASSERT_TRUE(view) << view.error().message;
    EXPECT_EQ(view->role, ZoneRole::follower);
    EXPECT_EQ(view->zone, "rack1");
    ASSERT_EQ(view->leaders.size(), 2u);
    EXPECT_EQ(view->leaders[0].to_string(), "10.0.0.1:6881");
    EXPECT_EQ(view->leaders[1].to_string(), "[::1]:6882");
}

TEST(ZoneReply, AFollowerLearnsItsZoneMembers) {
    const std::string member("\x0a\x00\x00\x07\x1a\xe1", 6);  // 10.0.0.7:6881
    auto view = parse_zone_reply(reply("follower", kLeaderV4, {}, "rack1", kLeaderV4 + member));
    ASSERT_TRUE(view) << view.error().message;
    ASSERT_EQ(view->members.size(), 2u);
    EXPECT_EQ(view->members[1].to_string(), "10.0.0.7:6881");
    auto bad = parse_zone_reply(reply("follower", kLeaderV4, {}, "rack1", member.substr(0, 4)));
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("members of 4 bytes"), std::string::npos);
}

TEST(ZoneReply, AnAnnounceReplyWithTheZoneKeyParsesToo) {
    const std::string announce = "d8:intervali900e5:peers0:" + reply("leader", kLeaderV4).substr(1);
    auto view = parse_zone_reply(announce);
    ASSERT_TRUE(view) << view.error().message;
    EXPECT_EQ(view->role, ZoneRole::leader);
}

TEST(ZoneReply, RefusesWhatIsNotAZoneReplyNamingWhy) {
    const std::pair<std::string, std::string> cases[] = {
        {"not bencode", "not bencode"},
        {"le", "not a dictionary"},
        {"d8:intervali900ee", "no zone dictionary"},
        {"d14:failure reason7:go awaye", "tracker says 'go away'"},
        {reply("boss"), "role 'boss'"},
        {reply("leader", kLeaderV4.substr(0, 5)), "leaders of 5 bytes"},
        {reply("leader", {}, std::string(17, 'x')), "not a multiple of 18"},
    };
    for (const auto& [body, why] : cases) {
        auto view = parse_zone_reply(body);
        ASSERT_FALSE(view) << body;
        EXPECT_NE(view.error().message.find(why), std::string::npos) << view.error().message;
    }
}

TEST(ZoneQueryUrl, ReplacesAnnounceKeepsTheQueryAndAddsHashAndPort) {
    auto url =
        zone_query_url("http://t:6969/announce?zone=r1&leader=none&passkey=k", hash_of('a'), 6881);
    ASSERT_TRUE(url) << url.error().message;
    EXPECT_EQ(*url, "http://t:6969/zone?zone=r1&leader=none&passkey=k&info_hash=" +
                        std::string(20, 'a') + "&port=6881");
    auto php = zone_query_url("https://t/x/announce.php", hash_of(' '), 1);
    ASSERT_TRUE(php);
    std::string spaces;
    for (int i = 0; i < 20; ++i)
        spaces += "%20";
    EXPECT_EQ(*php, "https://t/x/zone.php?info_hash=" + spaces + "&port=1");
    // The fuzzer's find: a port (or info_hash) already in the announce URL
    // would shadow ours and ask about the wrong peer.
    auto shadowed = zone_query_url("http://t/announce?port=1&info_hash=x&k=v", hash_of('a'), 6881);
    ASSERT_TRUE(shadowed);
    EXPECT_EQ(*shadowed, "http://t/zone?k=v&info_hash=" + std::string(20, 'a') + "&port=6881");
    for (const char* bad : {"udp://t:6969/announce", "http://t/scrape", "http://t",
                            "http://t?announce", "http://t/announce/x"}) {
        auto r = zone_query_url(bad, hash_of('a'), 1);
        EXPECT_FALSE(r) << bad;
        if (!r) {
            EXPECT_NE(r.error().message.find("/announce"), std::string::npos);
        }
    }
}

TEST(ZoneRoleWatch, AsksQuicklyAtFirstThenEveryIntervalAndKeepsTheViewOnFailure) {
    Clock::SteadyTime now{};
    std::map<std::string, std::string> tracker{{"http://a/zone", reply("follower", kLeaderV4)}};
    int asked = 0;
    const ZoneRoleWatch::Query query = [&](const std::string& url) -> Result<std::string> {
        ++asked;
        auto it = tracker.find(url);
        if (it == tracker.end()) return make_error(Errc::network, url + ": connection refused");
        return it->second;
    };
    ZoneRoleWatch watch(5s, 2);
    EXPECT_TRUE(watch.due(now));
    EXPECT_EQ(watch.view().role, ZoneRole::unknown);
    // The first tracker that answers wins.
    watch.ask(now, {"http://down/zone", "http://a/zone"}, query);
    EXPECT_EQ(asked, 2);
    EXPECT_EQ(watch.view().role, ZoneRole::follower);
    EXPECT_EQ(watch.changes(), 1u);
    EXPECT_TRUE(watch.error().empty());
    EXPECT_FALSE(watch.due(now + 999ms));
    EXPECT_TRUE(watch.due(now + 1s));  // quick asks
    now += 1s;
    watch.ask(now, {"http://a/zone"}, query);
    EXPECT_EQ(watch.changes(), 1u);  // same answer, no change
    // New members are taken, but are no change of role or leaders (no log, no announce).
    tracker["http://a/zone"] = reply("follower", kLeaderV4, {}, "rack1", kLeaderV4);
    watch.ask(now, {"http://a/zone"}, query);
    EXPECT_EQ(watch.changes(), 1u);
    EXPECT_EQ(watch.view().members.size(), 1u);
    EXPECT_FALSE(watch.due(now + 4s));
    EXPECT_TRUE(watch.due(now + 5s));
    // The tracker goes away: the last view stays, the error says why.
    now += 5s;
    watch.ask(now, {"http://down/zone"}, query);
    EXPECT_EQ(watch.view().role, ZoneRole::follower);
    EXPECT_NE(watch.error().find("connection refused"), std::string::npos);
    // A re-election reaches the node on its next ask.
    tracker["http://a/zone"] = reply("leader", kLeaderV4);
    now += 5s;
    watch.ask(now, {"http://a/zone"}, query);
    EXPECT_EQ(watch.view().role, ZoneRole::leader);
    EXPECT_EQ(watch.changes(), 2u);
    EXPECT_TRUE(watch.error().empty());
    watch.ask(now, {}, query);
    EXPECT_EQ(watch.error(), "no HTTP tracker to ask");
    watch.set_interval(60s);  // the torrent finished: asked once a minute
    EXPECT_FALSE(watch.due(now + 59s));
    EXPECT_TRUE(watch.due(now + 60s));
}
