// A private swarm with a third-party client (issue 21): aciswarm publish
// --private, aciswarm-tracker --keys, the everseed with its --tracker-key,
// and transmission-daemon 3.00 given a .torrent whose announce URL carries
// its own key (?passkey=KEY, the standard private-tracker form). The client
// joins and downloads every byte from the everseed (the web seed is a closed
// port). In NetLab's two namespaces (transmission ignores loopback peers).
#include <gtest/gtest.h>

#include <regex>

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

const std::string kEverseedKey = "interop-everseed-key-0001";
const std::string kClientKey = "interop-transmission-key-02";

TEST(PrivateSwarmInterop, TransmissionWithAKeyedAnnounceUrlJoins) {
    TempDir dir;
    const fs::path registry = dir / "registry";
    NetLab lab;  // before every process: deleted after they stop
    ASSERT_EQ(lab.create(), "");
    fs::create_directories(registry);
    write_file(dir / "tracker.keys", kEverseedKey + "\n" + kClientKey + "\n");
    const std::string server(NetLab::server_ip);
    Process tracker = Process::spawn(
        lab.in_server({bin("aciswarm-tracker"), "--http=" + server + ":0", "--udp=" + server + ":0",
                       "--dir=" + registry.string(), "--keys=" + (dir / "tracker.keys").string(),
                       "--scan-interval=1", "--interval=5", "--min-interval=1"}));
    const int port = tracker.wait_for_listening("http", 20s);
    ASSERT_GT(port, 0) << tracker.stderr_text();
    const std::string announce = "http://" + server + ":" + std::to_string(port) + "/announce";

    AciSpec spec = simple_aci("example.test/private", "interop", AciCompression::none,
                              {{"version", "1.0"}, {"os", "linux"}, {"arch", "amd64"}});
    spec.files.push_back({"rootfs/data.bin", random_bytes(2 * 1024 * 1024, 0x2121)});
    const fs::path aci = write_aci(dir / "private.aci", spec);
    auto published =
        run({bin("aciswarm"), "publish", aci.string(), "--private", "--tracker=" + announce,
             "--webseed-base=https://" + server + ":9/", "--out=" + registry.string()});
    ASSERT_EQ(published.status.code, 0) << published.err;
    const fs::path stem = registry / "linux/amd64/example.test/private-1.0";
    ASSERT_TRUE(tracker.wait_for_stderr(std::regex("whitelist: [1-9][0-9]* info hashes"), 20s))
        << tracker.stderr_text();

    // What an operator hands the client: the same torrent (same info hash: the
    // announce URL is outside the info dictionary) announcing with its key.
    torrent::CreateTorrentOptions keyed;
    keyed.trackers = {announce + "?passkey=" + kClientKey};
    keyed.private_torrent = true;
    auto client_torrent = torrent::create_torrent(stem.string() + ".aci", keyed);
    ASSERT_TRUE(client_torrent) << client_torrent.error().message;
    auto original = torrent::parse_torrent(read_file(stem.string() + ".torrent"));
    ASSERT_TRUE(original) << original.error().message;
    ASSERT_EQ(client_torrent->info_hashes.best().hex(), original->info_hashes.best().hex());
    const fs::path keyed_path = dir / "keyed.torrent";
    write_file(keyed_path, client_torrent->bytes);

    Process everseed = Process::spawn(lab.in_server(
        {bin("aciswarm"), "seed", "--dir=" + registry.string(), "--listen=" + server + ":0",
         "--lsd=false", "--scan-interval=200ms", "--tracker-key=" + kEverseedKey}));
    ASSERT_TRUE(everseed.wait_for_stderr(std::regex("seeding .*private-1\\.0\\.aci"), 30s))
        << everseed.stderr_text();

    auto client = make_client(ClientKind::transmission, lab, dir / "client");
    ASSERT_EQ(client->start(), "") << client->diagnostics();
    const fs::path into = dir / "downloaded";
    ASSERT_EQ(client->download(keyed_path.string(), into, 60s), "")
        << client->diagnostics() << "\neverseed:\n"
        << everseed.stderr_text() << "\ntracker:\n"
        << tracker.stderr_text();
    EXPECT_EQ(read_file(into / "private-1.0.aci"), read_file(stem.string() + ".aci"));
    // Neither key reached the tracker's or the everseed's log.
    for (Process* p : {&tracker, &everseed}) {
        p->running();
        EXPECT_EQ(p->stderr_text().find(kClientKey), std::string::npos);
        EXPECT_EQ(p->stderr_text().find(kEverseedKey), std::string::npos);
    }
}

}  // namespace
}  // namespace aciswarm::test
