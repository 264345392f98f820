// A zone-blind client inside a zone (issue 17, docs/zones.md "Which zone"): the
// tracker's CIDRs put transmission-daemon 3.00 into a zone that has an elected
// leader, and it still downloads the image, with today's reply. In NetLab's two
// namespaces (transmission ignores loopback peers):
//
//   zone "origin" = 10.77.0.1/32: the tracker and the everseed (a leader candidate,
//                   so zone-aware: no PEX, the zone peer plugin);
//   zone "edge"   = 10.77.0.0/24 (the more specific range wins for .1): the client
//                   namespace, where `aciswarm seed --leader-candidate` on port 6882
//                   is the zone's leader and transmission (peer port 6881) a member
//                   without a role.
//
// A v1 torrent: transmission 3.00 cannot open hybrid ones (docs/interop.md). The web
// seed is a closed port, so every byte comes from the two zone-aware seeds. The
// tracker's /zone answer for the client's endpoint shows where it was placed: zone
// edge, role none (today's reply), the edge seed as the zone's leader.
#include <gtest/gtest.h>

#include <regex>

#include "agent/engine/zone_role.hpp"
#include "common/peer_endpoint.hpp"
#include "tests/interop/clients/clients.hpp"
#include "tests/interop/clients/net_lab.hpp"
#include "tests/support/aci_builder.hpp"
#include "tests/support/process.hpp"
#include "tests/support/random_bytes.hpp"
#include "tests/support/temp_dir.hpp"
#include "torrent/torrent_file.hpp"

namespace aciswarm::test {
namespace {

namespace fs = std::filesystem;
using engine::ZoneRole;
using engine::ZoneView;

constexpr int kClientPeerPort = 6881;  // clients.cpp's peer port
constexpr int kEdgeLeaderPort = 6882;

// The tracker's /zone answer for the endpoint (client namespace address, port),
// asked from the client namespace until `accept` holds or 20 s pass.
std::optional<ZoneView> zone_answer(const NetLab& lab, const std::string& announce,
                                    const InfoHash& hash, int port,
                                    const std::function<bool(const ZoneView&)>& accept) {
    auto url = engine::zone_query_url(announce, hash, static_cast<std::uint16_t>(port));
    if (!url) return std::nullopt;
    std::optional<ZoneView> seen;
    const auto body = poll_until(
        lab.in_client({"curl", "--silent", "--fail", "--max-time", "5", *url}),
        [&](const std::string& text) {
            auto view = engine::parse_zone_reply(text);
            if (!view) return false;
            seen = *view;
            return accept(*view);
        },
        20s);
    if (!body) return std::nullopt;
    return seen;
}

TEST(ZoneInterop, TransmissionInsideAZoneWithALeaderDownloads) {
    TempDir dir;
    const fs::path registry = dir / "registry";
    NetLab lab;  // before every process: deleted after they stop
    ASSERT_EQ(lab.create(), "");
    fs::create_directories(registry);
    const std::string server(NetLab::server_ip);
    const std::string client_ip(NetLab::client_ip);
    Process tracker = Process::spawn(lab.in_server(
        {bin("aciswarm-tracker"), "--http=" + server + ":0", "--dir=" + registry.string(),
         "--zone=origin=" + server + "/32", "--zone=edge=10.77.0.0/24", "--scan-interval=1",
         "--interval=5", "--min-interval=1", "-v"}));
    const int port = tracker.wait_for_listening("http", 20s);
    ASSERT_GT(port, 0) << tracker.stderr_text();
    const std::string announce = "http://" + server + ":" + std::to_string(port) + "/announce";

    AciSpec spec = simple_aci("example.test/zoned", "interop", AciCompression::none,
                              {{"version", "1.0"}, {"os", "linux"}, {"arch", "amd64"}});
    spec.files.push_back({"rootfs/data.bin", random_bytes(3 * 1024 * 1024, 0x1717)});
    const fs::path aci = write_aci(dir / "zoned.aci", spec);
    auto published = run({bin("aciswarm"), "publish", aci.string(), "--tracker=" + announce,
                          "--webseed-base=https://" + server + ":9/", "--out=" + registry.string(),
                          "--torrent-format=v1"});
    ASSERT_EQ(published.status.code, 0) << published.err;
    const fs::path stem = registry / "linux/amd64/example.test/zoned-1.0";
    auto meta = torrent::parse_torrent(read_file(stem.string() + ".torrent"));
    ASSERT_TRUE(meta) << meta.error().message;
    const InfoHash hash = meta->info_hashes.best();
    ASSERT_TRUE(tracker.wait_for_stderr(std::regex("whitelist: [1-9][0-9]* info hashes"), 20s))
        << tracker.stderr_text();

    // Two zone-aware seeds, one leader candidate per zone; the edge one seeds a copy.
    const fs::path edge_copy = dir / "edge";
    fs::copy(registry, edge_copy, fs::copy_options::recursive);
    Process everseed = Process::spawn(lab.in_server(
        {bin("aciswarm"), "seed", "--dir=" + registry.string(), "--listen=" + server + ":0",
         "--lsd=false", "--scan-interval=200ms", "--leader-candidate"}));
    Process edge_leader = Process::spawn(lab.in_client(
        {bin("aciswarm"), "seed", "--dir=" + edge_copy.string(),
         "--listen=" + client_ip + ":" + std::to_string(kEdgeLeaderPort), "--lsd=false",
         "--scan-interval=200ms", "--leader-candidate", "--zone=edge"}));
    for (Process* p : {&everseed, &edge_leader}) {
        ASSERT_TRUE(p->wait_for_stderr(std::regex("seeding .*zoned-1\\.0\\.aci"), 30s))
            << p->stderr_text();
    }
    const auto leader_view =
        zone_answer(lab, announce, hash, kEdgeLeaderPort,
                    [](const ZoneView& v) { return v.role == ZoneRole::leader; });
    ASSERT_TRUE(leader_view) << "the edge seed was never elected\n" << tracker.stderr_text();
    EXPECT_EQ(leader_view->zone, "edge");

    auto client = make_client(ClientKind::transmission, lab, dir / "client");
    ASSERT_EQ(client->start(), "") << client->diagnostics();
    const fs::path into = dir / "downloaded";
    ASSERT_EQ(client->download(stem.string() + ".torrent", into, 60s), "")
        << client->diagnostics() << "\ntracker:\n"
        << tracker.stderr_text();
    EXPECT_EQ(read_file(into / "zoned-1.0.aci"), read_file(stem.string() + ".aci"));

    // Placed in edge by its address, without a role: it got today's reply.
    const auto client_view = zone_answer(lab, announce, hash, kClientPeerPort,
                                         [](const ZoneView& v) { return !v.zone.empty(); });
    ASSERT_TRUE(client_view) << "the tracker never placed the client\n" << tracker.stderr_text();
    EXPECT_EQ(client_view->zone, "edge");
    EXPECT_EQ(client_view->role, ZoneRole::none);
    ASSERT_EQ(client_view->leaders.size(), 1u);
    EXPECT_EQ(client_view->leaders[0].to_string(),
              client_ip + ":" + std::to_string(kEdgeLeaderPort));
}

}  // namespace
}  // namespace aciswarm::test
