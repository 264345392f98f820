// The real aciswarm-tracker binary on loopback (port 0): HTTP via libcurl and raw
// sockets, UDP via sockets, IPv6 on ::1, whitelist rescans, reload and caps.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <libtorrent/bdecode.hpp>
#include <libtorrent/bencode.hpp>
#include <libtorrent/create_torrent.hpp>
#include <libtorrent/torrent_info.hpp>
#include <nlohmann/json.hpp>
#include <regex>

#include "common/url.hpp"

#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"
#include "tracker_binary.hpp"
#include "tracker_client.hpp"

using namespace aciswarm;
using namespace aciswarm::test;

namespace {

constexpr std::uint64_t udp_protocol_id = 0x41727101980ULL;

InfoHash hash_of(std::uint8_t n) {
    InfoHash h;
    for (int i = 0; i < 20; ++i)
        h.data()[i] = static_cast<std::uint8_t>(n + i);
    return h;
}

lt::bdecode_node decode(const std::string& body, std::vector<char>& storage) {
    storage.assign(body.begin(), body.end());
    lt::error_code ec;
    auto node =
        lt::bdecode(lt::span<const char>(storage.data(), static_cast<int>(storage.size())), ec);
    EXPECT_FALSE(ec) << ec.message() << " in " << body;
    return node;
}

std::string make_torrent(const std::filesystem::path& dir) {
    write_file(dir / "payload.bin", std::string(50000, 'p'));
    lt::file_storage fs;
    lt::add_files(fs, (dir / "payload.bin").string());
    lt::create_torrent ct(fs, 16384);
    lt::set_piece_hashes(ct, dir.string());
    std::string out;
    lt::bencode(std::back_inserter(out), ct.generate());
    return out;
}

}  // namespace

TEST(TrackerHttp, Ipv4AndIpv6PeersShareOneSwarm) {
    auto t = start_tracker_binary({"--locked=false"});
    ASSERT_GT(t.http4, 0);
    ASSERT_GT(t.http6, 0);
    HttpClient c4;
    HttpClient c6;
    const InfoHash h = hash_of(1);
    auto a = c4.get(announce_url(t.base4(), h, 7001, 0, "&event=started"));
    ASSERT_EQ(a.status, 200);
    auto b = c6.get(announce_url(t.base6(), h, 7002, 100));
    ASSERT_EQ(b.status, 200);
    std::vector<char> s1;
    auto nb = decode(b.body, s1);
    EXPECT_EQ(nb.dict_find_int_value("complete"), 1);
    EXPECT_EQ(nb.dict_find_int_value("incomplete"), 1);
    EXPECT_EQ(nb.dict_find_string_value("peers"),
              PeerEndpoint::parse("127.0.0.1:7001")->compact());  // IPv6 client gets IPv4 peer
    EXPECT_EQ(nb.dict_find_string_value("peers6"), "");           // never itself
    auto c = c4.get(announce_url(t.base4(), h, 7001, 0));
    std::vector<char> s2;
    auto nc = decode(c.body, s2);
    EXPECT_EQ(nc.dict_find_string_value("peers"), "");
    EXPECT_EQ(nc.dict_find_string_value("peers6"), PeerEndpoint::parse("[::1]:7002")->compact());
    EXPECT_GT(nc.dict_find_int_value("interval"), 0);
    EXPECT_GT(nc.dict_find_int_value("min interval"), 0);

    auto sc = c4.get(t.base4() + "/scrape?info_hash=" + percent_encode(h.bytes()));
    std::vector<char> s3;
    auto ns = decode(sc.body, s3);
    auto entry = ns.dict_find_dict("files").dict_find_dict(std::string(h.as_chars()));
    EXPECT_EQ(entry.dict_find_int_value("complete"), 1);
    EXPECT_EQ(entry.dict_find_int_value("incomplete"), 1);
    auto full = c4.get(t.base4() + "/scrape");
    EXPECT_NE(full.body.find("failure reason"), std::string::npos);  // --full-scrape=false
}

TEST(TrackerHttp, KeepAliveAndConnectionClose) {
    auto t = start_tracker_binary({"--locked=false"});
    HttpClient c;
    auto first = c.get(announce_url(t.base4(), hash_of(2), 7001, 1));
    ASSERT_EQ(first.status, 200);
    EXPECT_EQ(first.new_connections, 1);
    for (int i = 0; i < 3; ++i) {
        auto again = c.get(announce_url(t.base4(), hash_of(2), 7001, 1));
        ASSERT_EQ(again.status, 200);
        EXPECT_EQ(again.new_connections, 0) << "connection was not kept alive";
    }
    const int fd = tcp_connect("127.0.0.1", t.http4);
    ASSERT_GE(fd, 0);
    const std::string req = "GET /stats HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    ASSERT_EQ(::send(fd, req.data(), req.size(), 0), static_cast<ssize_t>(req.size()));
    auto reply = read_until_eof(fd, 5s);
    ::close(fd);
    ASSERT_TRUE(reply) << "server kept a Connection: close connection open";
    EXPECT_NE(reply->find("Connection: close"), std::string::npos);
}

TEST(TrackerHttp, BadInputGetsClearReplies) {
    auto t = start_tracker_binary({"--locked=false", "--header-timeout=1"});
    HttpClient c;
    auto short_hash =
        c.get(t.base4() + "/announce?info_hash=abc&peer_id=" + std::string(20, 'x') + "&port=1");
    EXPECT_EQ(short_hash.status, 200);
    EXPECT_EQ(short_hash.body, "d14:failure reason27:info_hash: 3 bytes, want 20e");
    auto missing = c.get(t.base4() + "/announce?info_hash=" + percent_encode(hash_of(3).bytes()));
    EXPECT_NE(missing.body.find("peer_id: missing"), std::string::npos);
    auto huge = c.get(announce_url(t.base4(), hash_of(3), 7001, 1, "&numwant=99999999999999999"));
    EXPECT_EQ(huge.status, 200);
    EXPECT_EQ(huge.body.find("failure"), std::string::npos);
    EXPECT_EQ(c.get(t.base4() + "/nothing").status, 404);

    // Oversize request line: 414 and the connection closes.
    const int fd = tcp_connect("127.0.0.1", t.http4);
    const std::string big = "GET /announce?" + std::string(8000, 'a');
    ::send(fd, big.data(), big.size(), MSG_NOSIGNAL);
    auto reply = read_until_eof(fd, 5s);
    ::close(fd);
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->rfind("HTTP/1.1 414", 0), 0u) << *reply;

    // A slow client that never finishes its request is cut off (--header-timeout=1).
    const int slow = tcp_connect("127.0.0.1", t.http4);
    ::send(slow, "GET /ann", 8, MSG_NOSIGNAL);
    auto cut = read_until_eof(slow, 10s);
    ::close(slow);
    EXPECT_TRUE(cut) << "slow client was not disconnected";

    // The tracker still works.
    EXPECT_EQ(c.get(announce_url(t.base4(), hash_of(3), 7001, 1)).status, 200);
}

TEST(TrackerHttp, ConnectionCap) {
    auto t = start_tracker_binary({"--locked=false", "--max-connections=2"});
    const int a = tcp_connect("127.0.0.1", t.http4);
    const int b = tcp_connect("127.0.0.1", t.http4);
    ASSERT_GE(a, 0);
    ASSERT_GE(b, 0);
    // Make sure both were accepted: each answers a request.
    const std::string req = "GET /stats HTTP/1.1\r\nHost: x\r\n\r\n";
    for (int fd : {a, b}) {
        ::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
        char buf[16];
        ASSERT_GT(::recv(fd, buf, sizeof(buf), 0), 0);
    }
    const int over = tcp_connect("127.0.0.1", t.http4);
    auto closed = read_until_eof(over, 5s);
    EXPECT_TRUE(closed && closed->empty()) << "connection over the cap was not closed";
    ::close(over);
    ::close(a);
    ::close(b);
}

TEST(TrackerHttp, LockedRefusesUnknownInfoHash) {
    TempDir dir;
    auto t = start_tracker_binary({"--dir=" + dir.path().string()});
    HttpClient c;
    auto r = c.get(announce_url(t.base4(), hash_of(4), 7001, 1));
    EXPECT_NE(r.body.find("failure reason"), std::string::npos);
    EXPECT_NE(r.body.find("not tracked"), std::string::npos);
}

TEST(TrackerUdp, ConnectAnnounceScrapeV4AndV6) {
    auto t = start_tracker_binary({"--locked=false"});
    ASSERT_GT(t.udp4, 0);
    ASSERT_GT(t.udp6, 0);
    UdpClient u4("127.0.0.1", t.udp4);
    UdpClient u6("::1", t.udp6);
    auto c4 = u4.connect();
    auto c6 = u6.connect();
    ASSERT_TRUE(c4);
    ASSERT_TRUE(c6);
    const InfoHash h = hash_of(5);
    auto r1 = u4.announce(*c4, h, 8001, 0, 2);
    ASSERT_TRUE(r1);
    ASSERT_EQ(be32(*r1, 0), 1u) << std::string(r1->begin() + 8, r1->end());
    EXPECT_EQ(r1->size(), 20u);  // alone in the swarm
    HttpClient hc;
    hc.get(announce_url(t.base4(), h, 8002, 5));  // a second IPv4 peer over HTTP
    hc.get(announce_url(t.base6(), h, 8003, 5));  // and an IPv6 one
    auto r2 = u4.announce(*c4, h, 8001, 0);
    ASSERT_TRUE(r2);
    EXPECT_EQ(be32(*r2, 16), 1u);  // seeders
    EXPECT_EQ(be32(*r2, 12), 2u);  // leechers
    ASSERT_EQ(r2->size(), 26u);    // one IPv4 peer (v6 ones do not fit a v4 reply)
    EXPECT_EQ(std::string(r2->begin() + 20, r2->end()),
              PeerEndpoint::parse("127.0.0.1:8002")->compact());
    auto r3 = u6.announce(*c6, h, 8004, 5);
    ASSERT_TRUE(r3);
    ASSERT_EQ(r3->size(), 20u + 18u);
    EXPECT_EQ(std::string(r3->begin() + 20, r3->end()),
              PeerEndpoint::parse("[::1]:8003")->compact());
    auto s = u4.scrape(*c4, {h, hash_of(99)});
    ASSERT_TRUE(s);
    ASSERT_EQ(s->size(), 8u + 24u);
    EXPECT_EQ(be32(*s, 0), 2u);
    EXPECT_EQ(be32(*s, 8), 1u);   // seeders
    EXPECT_EQ(be32(*s, 16), 3u);  // leechers
    EXPECT_EQ(be32(*s, 20), 0u);  // unknown hash: zeros
}

TEST(TrackerUdp, BadPacketsGetErrorsOrSilence) {
    auto t = start_tracker_binary({"--locked=false"});
    UdpClient u("127.0.0.1", t.udp4);
    auto conn = u.connect();
    ASSERT_TRUE(conn);
    auto forged = u.announce(*conn ^ 1, hash_of(6), 8001, 0);
    ASSERT_TRUE(forged);
    EXPECT_EQ(be32(*forged, 0), 3u);
    EXPECT_EQ(std::string(forged->begin() + 8, forged->end()),
              "connection id is invalid or expired");
    // The id is bound to the address: another socket (port) cannot use it.
    UdpClient other("127.0.0.1", t.udp4);
    auto stolen = other.announce(*conn, hash_of(6), 8001, 0);
    ASSERT_TRUE(stolen);
    EXPECT_EQ(be32(*stolen, 0), 3u);
    std::vector<std::uint8_t> truncated;
    put_be(truncated, *conn, 8);
    put_be(truncated, 1, 4);
    put_be(truncated, 5, 4);
    truncated.resize(40);
    auto e = u.request(truncated);
    ASSERT_TRUE(e);
    EXPECT_EQ(be32(*e, 0), 3u);
    EXPECT_EQ(be32(*e, 4), 5u);
    // Cut to the request's 40 bytes (pre-auth replies never exceed the request).
    EXPECT_EQ(std::string(e->begin() + 8, e->end()), "announce: 40 bytes, want at leas");
    std::vector<std::uint8_t> unknown;
    put_be(unknown, *conn, 8);
    put_be(unknown, 9, 4);
    put_be(unknown, 6, 4);
    auto ue = u.request(unknown);
    ASSERT_TRUE(ue);
    EXPECT_EQ(be32(*ue, 0), 3u);
    // Too short for a transaction id: silently dropped (no reply), the tracker lives on.
    // If it were answered, that answer would arrive before the connect reply.
    u.send_only(std::vector<std::uint8_t>(5, 1));
    auto conn2 = u.connect();
    ASSERT_TRUE(conn2);
}

// Issue 13 item 15: before a valid connection id the source may be forged, so no reply
// may be larger than its request (no reflection amplifier). Every pre-auth error path.
TEST(TrackerUdp, PreAuthRepliesAreNoLargerThanTheRequest) {
    auto t = start_tracker_binary({"--locked=false"});
    UdpClient u("127.0.0.1", t.udp4);
    auto conn = u.connect();
    ASSERT_TRUE(conn);
    const std::uint64_t forged = *conn ^ 0x5a5a;
    auto packet = [](std::uint64_t id, std::uint32_t action, std::size_t size) {
        std::vector<std::uint8_t> v;
        put_be(v, id, 8);
        put_be(v, action, 4);
        put_be(v, 0x1234, 4);
        v.resize(std::max<std::size_t>(size, 16), 0);
        return v;
    };
    std::vector<std::uint8_t> bad_event = packet(*conn, 1, 98);
    bad_event[80 + 3] = 9;  // event 9
    bad_event[97] = 1;      // port 1
    std::vector<std::uint8_t> port_zero = packet(*conn, 1, 98);
    const std::vector<std::pair<const char*, std::vector<std::uint8_t>>> cases = {
        {"connect with a wrong protocol id", packet(0x1234, 0, 16)},
        {"unknown action", packet(udp_protocol_id, 7, 16)},
        {"announce too short", packet(*conn, 1, 16)},
        {"announce 97 bytes", packet(*conn, 1, 97)},
        {"announce with a bad event", bad_event},
        {"announce with port 0", port_zero},
        {"announce with a forged connection id", packet(forged, 1, 98)},
        {"scrape without hashes", packet(*conn, 2, 16)},
        {"scrape with a partial hash", packet(*conn, 2, 17)},
        {"scrape with a forged connection id", packet(forged, 2, 36)},
    };
    for (const auto& [what, request] : cases) {
        auto reply = u.request(request);
        ASSERT_TRUE(reply) << what << ": no reply (the error packet is expected, truncated)";
        EXPECT_LE(reply->size(), request.size()) << what;
        EXPECT_EQ(be32(*reply, 0), 3u) << what;
        EXPECT_EQ(be32(*reply, 4), 0x1234u) << what;
    }
    // A valid connect is answered with exactly its own size.
    auto ok = u.request(packet(udp_protocol_id, 0, 16));
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->size(), 16u);
}

TEST(TrackerUdp, LockedGivesErrorPacket) {
    TempDir dir;
    auto t = start_tracker_binary({"--dir=" + dir.path().string()});
    UdpClient u("127.0.0.1", t.udp4);
    auto conn = u.connect();
    ASSERT_TRUE(conn);
    auto r = u.announce(*conn, hash_of(7), 8001, 0);
    ASSERT_TRUE(r);
    EXPECT_EQ(be32(*r, 0), 3u);
}

// Issue 14: a hybrid torrent was two swarms (v1 and v2 hash): two torrents in /stats and
// each download counted twice. Now the v2 hash is an alias of the v1 hash.
TEST(TrackerWhitelist, HybridTorrentIsOneSwarm) {
    TempDir dir;
    TempDir data;
    const std::string torrent = make_torrent(data.path());  // libtorrent 2: hybrid v1+v2
    write_file(dir / "image.torrent", torrent);
    lt::torrent_info ti(lt::span<const char>(torrent.data(), static_cast<int>(torrent.size())),
                        lt::from_span);
    ASSERT_TRUE(ti.info_hashes().has_v1() && ti.info_hashes().has_v2());
    InfoHash v1;
    std::copy(ti.info_hashes().v1.begin(), ti.info_hashes().v1.end(), v1.data());
    InfoHash v2;
    std::copy_n(ti.info_hashes().v2.begin(), 20, v2.data());
    auto t = start_tracker_binary({"--dir=" + dir.path().string()});
    HttpClient c;
    // One peer completes under the v1 hash, another under the v2 hash; each finds the other.
    ASSERT_EQ(c.get(announce_url(t.base4(), v1, 7001, 0, "&event=completed&compact=1")).status,
              200);
    auto r = c.get(announce_url(t.base4(), v2, 7002, 0, "&event=completed&compact=1"));
    EXPECT_NE(r.body.find(PeerEndpoint::parse("127.0.0.1:7001")->compact()), std::string::npos)
        << "the v2 announcer does not see the v1 announcer";
    auto j = nlohmann::json::parse(c.get(t.base4() + "/stats").body);
    EXPECT_EQ(j["torrents"], 1);
    EXPECT_EQ(j["completed"], 2);
    EXPECT_EQ(j["seeders"], 2);
    const auto metrics = c.get(t.base4() + "/metrics").body;
    EXPECT_NE(metrics.find("aciswarm_tracker_torrents 1\n"), std::string::npos) << metrics;
    EXPECT_NE(metrics.find("aciswarm_tracker_completed_total 2\n"), std::string::npos);
    // Scrape under either hash gives the one swarm's counts.
    for (const InfoHash& h : {v1, v2}) {
        auto s = c.get(t.base4() + "/scrape?info_hash=" + percent_encode(h.bytes()));
        EXPECT_NE(s.body.find("8:completei2e10:downloadedi2e"), std::string::npos) << s.body;
    }
}

TEST(TrackerWhitelist, RescanAddsAndRemovesTorrents) {
    TempDir dir;
    TempDir data;
    auto t = start_tracker_binary({"--dir=" + dir.path().string(), "--scan-interval=1"});
    // Logged before the listeners (already read by start()).
    EXPECT_NE(t.proc.stderr_text().find("whitelist: 0 info hashes"), std::string::npos);
    const std::string torrent = make_torrent(data.path());
    lt::torrent_info ti(lt::span<const char>(torrent.data(), static_cast<int>(torrent.size())),
                        lt::from_span);
    InfoHash v1;
    std::copy(ti.info_hashes().v1.begin(), ti.info_hashes().v1.end(), v1.data());
    InfoHash v2;
    std::copy_n(ti.info_hashes().v2.begin(), 20, v2.data());
    HttpClient c;
    EXPECT_NE(c.get(announce_url(t.base4(), v1, 7001, 1)).body.find("failure"), std::string::npos);

    write_file(dir / "image.torrent", torrent);
    ASSERT_TRUE(
        t.proc.wait_for_stderr(std::regex("whitelist: 2 info hashes .*\\(\\+2 -0\\)"), 10s));
    EXPECT_EQ(c.get(announce_url(t.base4(), v1, 7001, 1)).body.find("failure"), std::string::npos);
    EXPECT_EQ(c.get(announce_url(t.base4(), v2, 7001, 1)).body.find("failure"), std::string::npos);

    std::filesystem::remove(dir / "image.torrent");
    ASSERT_TRUE(
        t.proc.wait_for_stderr(std::regex("whitelist: 0 info hashes .*\\(\\+0 -2\\)"), 10s));
    EXPECT_NE(c.get(announce_url(t.base4(), v1, 7001, 1)).body.find("failure"), std::string::npos);
}

TEST(TrackerObservability, StatsAndMetrics) {
    auto t = start_tracker_binary({"--locked=false"});
    HttpClient c;
    c.get(announce_url(t.base4(), hash_of(8), 7001, 0));
    c.get(announce_url(t.base4(), hash_of(8), 7002, 1));
    c.get(t.base4() + "/announce?bad");
    auto stats = c.get(t.base4() + "/stats");
    ASSERT_EQ(stats.status, 200);
    auto j = nlohmann::json::parse(stats.body);
    EXPECT_EQ(j["torrents"], 1);
    EXPECT_EQ(j["seeders"], 1);
    EXPECT_EQ(j["leechers"], 1);
    EXPECT_EQ(j["requests"]["http"]["announce"], 3);
    EXPECT_EQ(j["errors"]["http"], 1);
    EXPECT_TRUE(j["requests_per_second"]["udp"].contains("announce"));
    auto metrics = c.get(t.base4() + "/metrics");
    EXPECT_NE(
        metrics.body.find("aciswarm_tracker_requests_total{protocol=\"http\",kind=\"announce\"} 3"),
        std::string::npos)
        << metrics.body;
    EXPECT_NE(metrics.body.find("aciswarm_tracker_torrents 1"), std::string::npos);
}

TEST(TrackerProcess, SighupReloadsConfigAndSigtermExits) {
    TempDir dir;
    write_file(dir / "tracker.conf", "locked=false\nmode=small\ninterval=600\n");
    const auto pidfile = dir / "tracker.pid";
    auto t = start_tracker_binary(
        {"--config=" + (dir / "tracker.conf").string(), "--pidfile=" + pidfile.string()});
    ASSERT_GT(t.http4, 0);
    EXPECT_EQ(std::stoi(read_file(pidfile)), t.proc.pid());
    HttpClient c;
    std::vector<char> s1;
    auto before = decode(c.get(announce_url(t.base4(), hash_of(9), 7001, 1)).body, s1);
    EXPECT_EQ(before.dict_find_int_value("interval"), 600);
    write_file(dir / "tracker.conf", "locked=false\nmode=surge\ninterval=600\n");
    t.proc.signal(SIGHUP);
    ASSERT_TRUE(t.proc.wait_for_stderr(std::regex("reloaded configuration: mode surge")));
    std::vector<char> s2;
    auto after = decode(c.get(announce_url(t.base4(), hash_of(9), 7001, 1)).body, s2);
    EXPECT_EQ(after.dict_find_int_value("interval"), 300);  // surge: half
    t.proc.signal(SIGTERM);
    auto st = t.proc.wait(10s);
    ASSERT_TRUE(st);
    EXPECT_TRUE(st->exited());
    EXPECT_EQ(st->code, 0);
    EXPECT_FALSE(std::filesystem::exists(pidfile));
}

TEST(TrackerProcess, BadOptionsExitWithUsageError) {
    auto r = run({bin("aciswarm-tracker"), "--mode=huge"});
    EXPECT_EQ(r.status.code, 2);
    EXPECT_NE(r.err.find("--mode: 'huge'"), std::string::npos);
}

TEST(TrackerProcess, DaemonWritesPidfileAndStopsOnSigterm) {
    TempDir dir;
    const auto pidfile = dir / "daemon.pid";
    auto p = Process::spawn({bin("aciswarm-tracker"), "--http=127.0.0.1:0", "--udp=127.0.0.1:0",
                             "--locked=false", "--daemon=true", "--pidfile=" + pidfile.string()});
    const int port = p.wait_for_listening("http");
    ASSERT_GT(port, 0) << p.stderr_text();
    auto parent = p.wait(10s);  // the foreground process exits once detached
    ASSERT_TRUE(parent);
    EXPECT_EQ(parent->code, 0);
    const pid_t daemon_pid = std::stoi(read_file(pidfile));
    ASSERT_NE(daemon_pid, p.pid());
    struct Reaper {
        pid_t pid;
        ~Reaper() { ::kill(pid, SIGKILL); }
    } reaper{daemon_pid};
    HttpClient c;
    EXPECT_EQ(c.get("http://127.0.0.1:" + std::to_string(port) + "/stats").status, 200);
    ASSERT_EQ(::kill(daemon_pid, SIGTERM), 0);
    // The daemon still writes to the test's stderr pipe.
    EXPECT_TRUE(p.wait_for_stderr(std::regex("stopped"), 10s));
    // It removes the pidfile just before logging "stopped".
    EXPECT_FALSE(std::filesystem::exists(pidfile));
}

TEST(TrackerHttp, HeadRequestHasNoBody) {
    auto t = start_tracker_binary({"--locked=false"});
    const int fd = tcp_connect("127.0.0.1", t.http4);
    const std::string req = "HEAD /stats HTTP/1.1\r\nConnection: close\r\n\r\n";
    ::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
    auto reply = read_until_eof(fd, 5s);
    ::close(fd);
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->rfind("HTTP/1.1 200 OK", 0), 0u);
    EXPECT_NE(reply->find("Content-Length: "), std::string::npos);
    EXPECT_EQ(reply->substr(reply->size() - 4), "\r\n\r\n") << "HEAD reply carried a body";
}
