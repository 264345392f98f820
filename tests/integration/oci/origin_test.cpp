// aciswarm origin against a real upstream: docker-registry with an image
// pushed by skopeo. Two GETs of one digest make one upstream blob GET (the
// registry's access log), the .torrent's info hash is the deterministic
// builder's, and python3-libtorrent downloads the blob from the origin's seed.
#include <gtest/gtest.h>

#include "http/client.hpp"
#include "tests/support/nginx.hpp"
#include "tests/support/oci_registry.hpp"
#include "tests/support/random_bytes.hpp"
#include "tests/support/temp_dir.hpp"
#include "torrent/blob_torrent.hpp"

namespace aciswarm::test {
namespace {

struct OriginProcess {
    Process process;
    int http_port = 0;
    int bittorrent_port = 0;
};

OriginProcess start_origin(const TempDir& dir, const DockerRegistry& upstream,
                           const std::vector<std::string>& more = {}) {
    std::vector<std::string> argv = {bin("aciswarm"),
                                     "origin",
                                     "--listen=127.0.0.1:0",
                                     "--upstream=" + upstream.host_port() + "=" + upstream.url(),
                                     "--cache=" + (dir / "cache").string(),
                                     "--whitelist-dir=" + (dir / "whitelist").string(),
                                     "--tracker=http://127.0.0.1:9/announce",
                                     "--bittorrent-listen=127.0.0.1:0",
                                     "--lsd=false",
                                     "--auth-dir=" + (dir / "auth.d").string()};
    argv.insert(argv.end(), more.begin(), more.end());
    OriginProcess o{Process::spawn(argv)};
    const auto bt =
        o.process.wait_for_stderr(std::regex(R"(listening bittorrent 127\.0\.0\.1:(\d+))"));
    if (bt) o.bittorrent_port = std::stoi((*bt)[1]);
    const auto http =
        o.process.wait_for_stderr(std::regex(R"(listening https? 127\.0\.0\.1:(\d+))"));
    if (http) o.http_port = std::stoi((*http)[1]);
    return o;
}

Result<http::Response> get(const std::string& url, const std::string& ca_file = "") {
    http::ClientOptions options = http::page_options();
    options.ca_file = ca_file;
    options.allow_http = true;
    options.max_body = 64 << 20;
    http::Client client(options);
    return client.get(url);
}

TEST(OciOrigin, PullsOnceServesTheDeterministicTorrentAndSeedsIt) {
    TempDir dir;
    std::filesystem::create_directories(dir / "whitelist");
    DockerRegistry upstream(dir / "registry", DockerRegistry::Options{});
    ASSERT_FALSE(upstream.host_port().empty());
    const PushedImage image = upstream.push("team/app", "v1", {random_bytes(3 << 20, 20)});
    const oci::Digest layer = image.layers[0];
    OriginProcess origin = start_origin(dir, upstream);
    ASSERT_GT(origin.http_port, 0) << origin.process.stderr_text();
    ASSERT_GT(origin.bittorrent_port, 0) << origin.process.stderr_text();

    const std::string base = "http://127.0.0.1:" + std::to_string(origin.http_port);
    const std::string url =
        base + "/metainfo/" + layer.to_string() + "?ns=" + upstream.host_port() + "&repo=team/app";
    auto first = get(url);
    auto second = get(url);
    ASSERT_TRUE(first && second);
    ASSERT_EQ(first->status, 200) << first->body;
    EXPECT_EQ(second->status, 200);
    EXPECT_EQ(second->body, first->body);
    EXPECT_EQ(upstream.count_requests("GET", "/v2/team/app/blobs/" + layer.to_string()), 1);

    // The same info hash as the builder makes from the bytes alone.
    write_file(dir / "check" / layer.hex(), image.layer_blobs[0]);
    auto expected = torrent::create_blob_torrent(dir / "check" / layer.hex(), {});
    auto served = torrent::parse_torrent(first->body);
    ASSERT_TRUE(expected && served);
    EXPECT_EQ(served->info_hashes.v1->hex(), expected->info_hashes.v1->hex());
    EXPECT_EQ(served->name, layer.hex());
    EXPECT_EQ(read_file(dir / "whitelist" / (layer.hex() + ".torrent")), first->body);

    // A BitTorrent peer gets the blob from the origin's seed.
    write_file(dir / "peer.torrent", first->body);
    const RunResult peer = run(
        {"/usr/bin/python3", std::string(ACISWARM_SOURCE_DIR) + "/tests/interop/engine/lt_peer.py",
         "download", (dir / "peer.torrent").string(), (dir / "peer").string(),
         std::to_string(origin.bittorrent_port)},
        {}, 60s);
    ASSERT_EQ(peer.status.code, 0) << peer.err;
    EXPECT_EQ(read_file(dir / "peer" / layer.hex()), image.layer_blobs[0]);

    auto unknown = get(base + "/metainfo/" + layer.to_string() + "?ns=elsewhere.test&repo=a");
    ASSERT_TRUE(unknown);
    EXPECT_EQ(unknown->status, 404);
    auto missing = get(base + "/metainfo/" + oci::Digest::of("nothing").to_string() +
                       "?ns=" + upstream.host_port() + "&repo=team/app");
    ASSERT_TRUE(missing);
    EXPECT_EQ(missing->status, 404) << missing->body;
}

TEST(OciOrigin, UpstreamDownIs502WithAOneLineReason) {
    TempDir dir;
    std::filesystem::create_directories(dir / "whitelist");
    std::optional<DockerRegistry> upstream;
    upstream.emplace(dir / "registry", DockerRegistry::Options{});
    ASSERT_FALSE(upstream->host_port().empty());
    OriginProcess origin = start_origin(dir, *upstream);
    ASSERT_GT(origin.http_port, 0) << origin.process.stderr_text();
    const std::string ns = upstream->host_port();
    upstream.reset();  // the registry is gone
    auto r = get("http://127.0.0.1:" + std::to_string(origin.http_port) + "/metainfo/" +
                 oci::Digest::of("x").to_string() + "?ns=" + ns + "&repo=team/app");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 502);
    EXPECT_EQ(std::count(r->body.begin(), r->body.end(), '\n'), 1) << r->body;
}

TEST(OciOrigin, ServesHttpsWithTheGivenCertificate) {
    TempDir dir;
    std::filesystem::create_directories(dir / "whitelist");
    TestCa ca;
    ASSERT_EQ(make_test_ca(dir / "ca", {"IP:127.0.0.1"}, ca), "");
    DockerRegistry upstream(dir / "registry", DockerRegistry::Options{});
    ASSERT_FALSE(upstream.host_port().empty());
    OriginProcess origin = start_origin(
        dir, upstream,
        {"--tls-cert=" + ca.server_cert.string(), "--tls-key=" + ca.server_key.string()});
    ASSERT_GT(origin.http_port, 0) << origin.process.stderr_text();
    EXPECT_NE(origin.process.stderr_text().find("listening https"), std::string::npos);
    auto r = get("https://127.0.0.1:" + std::to_string(origin.http_port) + "/metainfo/" +
                     oci::Digest::of("x").to_string() + "?ns=elsewhere.test&repo=a",
                 ca.ca_cert.string());
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->status, 404);
}

}  // namespace
}  // namespace aciswarm::test
