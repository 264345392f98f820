// Zones through the real aciswarm-tracker (docs/zones.md): CIDR placement from a --zones
// file, elections, follower and leader replies with the "zone" key, a spoofed zone=,
// /stats and /metrics, a leader that stops, and the file read again on SIGHUP. Agents
// are loopback sources (127.0.1.x is zone a, 127.0.2.x zone b; 127.0.0.1 is outside).
#include <gtest/gtest.h>
#include <signal.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"
#include "tracker_binary.hpp"
#include "tracker_client.hpp"

using namespace aciswarm;
using namespace aciswarm::test;

namespace {

InfoHash zone_hash() {
    InfoHash h;
    for (int i = 0; i < 20; ++i)
        h.data()[i] = static_cast<std::uint8_t>(0x70 + i);
    return h;
}

PeerEndpoint at(const std::string& address, std::uint16_t port) {
    return *PeerEndpoint::parse_address(address, port);
}

// Announces `port` (left 100, or 0 when seeding) from `source` with the extra keys.
ZoneAnnounceReply announce(const TrackerBinary& t, const std::string& source, std::uint16_t port,
                           const std::string& extra, bool seeding = false) {
    auto body = announce_from(source, t.http4,
                              announce_url("", zone_hash(), port, seeding ? 0 : 100, extra));
    EXPECT_TRUE(body) << "no announce reply for " << source;
    auto reply = body ? parse_zone_reply(*body) : std::nullopt;
    EXPECT_TRUE(reply) << (body ? *body : std::string());
    return reply.value_or(ZoneAnnounceReply{});
}

std::set<PeerEndpoint> as_set(const std::vector<PeerEndpoint>& peers) {
    return {peers.begin(), peers.end()};
}

TEST(TrackerZones, ZonesFileElectsLeadersAndRepliesByZone) {
    TempDir dir;
    write_file(dir / "zones", "# racks\na=127.0.1.0/24\nb=127.0.2.0/24\n");
    auto t = start_tracker_binary({"--locked=false", "--zones=" + (dir / "zones").string()});
    ASSERT_GT(t.http4, 0) << t.proc.stderr_text();

    auto r = announce(t, "127.0.1.1", 7001, "&leader=candidate&up=5000000&down=1000");
    EXPECT_EQ(r.role, "leader");
    EXPECT_EQ(r.zone, "a");
    r = announce(t, "127.0.1.2", 7002, "&leader=candidate&up=1000000");
    EXPECT_EQ(r.role, "follower");
    EXPECT_EQ(r.leaders, std::vector<PeerEndpoint>{at("127.0.1.1", 7001)});
    // A spoofed claim: the CIDRs put 127.0.2.1 in b, where it leads alone.
    r = announce(t, "127.0.2.1", 7011, "&zone=a&leader=candidate&up=99000000");
    EXPECT_EQ(r.zone, "b");
    EXPECT_EQ(r.role, "leader");
    // A zone-blind client in b and the registry's seed outside every zone: today's reply.
    r = announce(t, "127.0.2.2", 7012, "");
    EXPECT_EQ(r.role, "");
    EXPECT_EQ(r.peers.size(), 3u);
    announce(t, "127.0.0.1", 7100, "", true);

    // A follower of a: a's leader and a's members only.
    r = announce(t, "127.0.1.3", 7003, "&leader=none");
    EXPECT_EQ(r.role, "follower");
    EXPECT_EQ(as_set(r.peers), (std::set{at("127.0.1.1", 7001), at("127.0.1.2", 7002)}));
    // a's leader: its zone, b's leader, the seed outside and b's zone-blind leecher (a
    // leader downloads from anybody).
    r = announce(t, "127.0.1.1", 7001, "&leader=candidate&up=5000000&down=1000");
    EXPECT_EQ(r.role, "leader");
    EXPECT_EQ(as_set(r.peers),
              (std::set{at("127.0.1.2", 7002), at("127.0.1.3", 7003), at("127.0.2.1", 7011),
                        at("127.0.0.1", 7100), at("127.0.2.2", 7012)}));

    HttpClient http;
    const auto stats = nlohmann::json::parse(http.get(t.base4() + "/stats").body);
    EXPECT_EQ(stats["zones"]["zones"], 2);
    EXPECT_EQ(stats["zones"]["leaders"], 2);
    EXPECT_EQ(stats["zones"]["claims_ignored"], 1);
    EXPECT_GE(stats["zones"]["elections"], 2);
    const std::string metrics = http.get(t.base4() + "/metrics").body;
    EXPECT_NE(metrics.find("aciswarm_tracker_zone_leaders 2\n"), std::string::npos) << metrics;
    EXPECT_NE(metrics.find("aciswarm_tracker_zone_claims_ignored_total 1\n"), std::string::npos);

    // a's leader stops: the next candidate leads at once.
    announce(t, "127.0.1.1", 7001, "&leader=candidate&up=5000000&event=stopped");
    r = announce(t, "127.0.1.3", 7003, "&leader=none");
    EXPECT_EQ(r.leaders, std::vector<PeerEndpoint>{at("127.0.1.2", 7002)});

    // SIGHUP reads the zones file again: 127.0.1.0/24 is now zone c.
    write_file(dir / "zones", "c=127.0.1.0/24\nb=127.0.2.0/24\n");
    t.proc.signal(SIGHUP);
    ASSERT_TRUE(t.proc.wait_for_stderr(std::regex("reloaded configuration")));
    r = announce(t, "127.0.1.3", 7003, "&leader=none");
    EXPECT_EQ(r.zone, "c");
    EXPECT_EQ(r.role, "none");  // c has no candidate yet: today's reply
}

TEST(TrackerZones, BadZoneOptionsFailTheStartNamingTheInput) {
    TempDir dir;
    write_file(dir / "zones", "a=127.0.1.0/24\nb 127.0.2.0/24\n");
    auto bad_file = run({bin("aciswarm-tracker"), "--zones=" + (dir / "zones").string()});
    EXPECT_NE(bad_file.status.code, 0);
    EXPECT_NE(bad_file.err.find("zones:2: zone row 'b 127.0.2.0/24'"), std::string::npos)
        << bad_file.err;
    auto host_bits = run({bin("aciswarm-tracker"), "--zone=a=127.0.1.1/24"});
    EXPECT_NE(host_bits.status.code, 0);
    EXPECT_NE(host_bits.err.find("127.0.1.1/24"), std::string::npos) << host_bits.err;
    auto twice = run({bin("aciswarm-tracker"), "--zone=a=10.0.0.0/8", "--zone=b=10.0.0.0/8"});
    EXPECT_NE(twice.status.code, 0);
    EXPECT_NE(twice.err.find("in zone 'a' and in zone 'b'"), std::string::npos) << twice.err;
}

TEST(TrackerZones, AMalformedZoneKeyIsAFailureReply) {
    auto t = start_tracker_binary({"--locked=false"});
    ASSERT_GT(t.http4, 0);
    HttpClient http;
    const auto r = http.get(announce_url(t.base4(), zone_hash(), 7001, 100, "&zone=a%20b"));
    EXPECT_NE(r.body.find("failure reason"), std::string::npos) << r.body;
    EXPECT_NE(r.body.find("zone 'a b'"), std::string::npos) << r.body;
}

}  // namespace
