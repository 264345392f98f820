// Two real BitTorrent clients find each other through aciswarm-tracker on
// loopback and complete a transfer: python3-libtorrent seeds, aria2c downloads,
// once with an http:// announce URL and once with udp://.
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <libtorrent/bencode.hpp>
#include <libtorrent/create_torrent.hpp>
#include <regex>

#include "tests/support/process.hpp"
#include "tests/support/random_bytes.hpp"
#include "tests/support/temp_dir.hpp"

using namespace aciswarm::test;

namespace {

// A v1 torrent of seed_dir/name announcing to `announce`.
std::string make_torrent(const std::filesystem::path& seed_dir, const std::string& name,
                         const std::string& announce) {
    lt::file_storage fs;
    lt::add_files(fs, (seed_dir / name).string());
    lt::create_torrent ct(fs, 32 * 1024, lt::create_torrent::v1_only);
    ct.add_tracker(announce);
    lt::set_piece_hashes(ct, seed_dir.string());
    std::string out;
    lt::bencode(std::back_inserter(out), ct.generate());
    return out;
}

void transfer(const std::string& scheme) {
    TempDir dir;
    const auto seed_dir = dir / "seed";
    const auto get_dir = dir / "get";
    std::filesystem::create_directories(get_dir);
    const std::string payload = random_bytes(3 * 1024 * 1024 + 123, 7);
    write_file(seed_dir / "image.aci", payload);

    // A short interval: if the two clients' connection drops, the next announce
    // (5 s, well inside aria2's 30 s --bt-stop-timeout) brings them together again.
    auto tracker =
        Process::spawn({bin("aciswarm-tracker"), "--http=127.0.0.1:0", "--udp=127.0.0.1:0",
                        "--locked=false", "--interval=5", "--min-interval=1"});
    const int port = tracker.wait_for_listening(scheme);
    ASSERT_GT(port, 0) << tracker.stderr_text();
    const std::string announce = scheme + "://127.0.0.1:" + std::to_string(port) + "/announce";
    write_file(dir / "image.torrent", make_torrent(seed_dir, "image.aci", announce));

    auto seeder = Process::spawn({"/usr/bin/python3", std::string(TRACKER_INTEROP_DIR) + "/seed.py",
                                  (dir / "image.torrent").string(), seed_dir.string()},
                                 {});
    ASSERT_TRUE(seeder.wait_for_stdout(std::regex("tracker reply"), 30s))
        << seeder.stdout_text() << seeder.stderr_text() << tracker.stderr_text();

    // aria2c sends UDP tracker requests through its DHT socket, so UDP needs DHT on;
    // with a fresh, empty DHT file and no entry points it has no node to contact.
    const std::string dht = scheme == "udp" ? "true" : "false";
    auto aria = run(
        {"aria2c", "--dir=" + get_dir.string(), "--seed-time=0", "--enable-dht=" + dht,
         "--enable-dht6=false", "--bt-enable-lpd=false",
         "--dht-file-path=" + (dir / "dht.dat").string(), "--dht-listen-port=52000-52999",
         "--enable-peer-exchange=false",
         std::string("--listen-port=") + (scheme == "udp" ? "51500-51999" : "51000-51499"),
         "--bt-stop-timeout=30", "--summary-interval=0", "--console-log-level=warn",
         "--check-certificate=false", "--file-allocation=none", (dir / "image.torrent").string()},
        {}, 90s);
    EXPECT_EQ(aria.status.code, 0) << aria.out << aria.err << tracker.stderr_text() << "\nseeder:\n"
                                   << seeder.stdout_text();
    ASSERT_TRUE(std::filesystem::exists(get_dir / "image.aci")) << aria.out;
    EXPECT_TRUE(read_file(get_dir / "image.aci") == payload) << "downloaded bytes differ";
    seeder.signal(SIGTERM);
    seeder.wait(10s);
}

}  // namespace

TEST(TrackerInterop, LibtorrentSeedsAria2DownloadsOverHttp) {
    transfer("http");
}

TEST(TrackerInterop, LibtorrentSeedsAria2DownloadsOverUdp) {
    transfer("udp");
}
