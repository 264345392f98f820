// Issue 20's integration test: an image pushed with skopeo to docker-registry,
// `aciswarm origin` turning its blobs into torrents (announced to an
// aciswarm-tracker), and three nodes, each a containerd pulling with `ctr`
// through its own `aciswarm daemon --mirror --mirror-origin`. Every node gets
// the right digests, every blob comes to the nodes from the swarm, and the
// registry's access log shows each blob fetched once (by the origin), not once
// per node. All on loopback ports; every process and directory goes with the test.
#include <gtest/gtest.h>

#include <regex>

#include "tests/integration/daemon/daemon_process.hpp"
#include "tests/integration/oci/oci_lab.hpp"
#include "tests/support/temp_dir.hpp"
#include "torrent/blob_torrent.hpp"

namespace aciswarm::test {
namespace {

namespace fs = std::filesystem;

std::string bin(const std::string& name) {
    return std::string(ACISWARM_BIN_DIR) + "/" + name;
}

struct Node {
    TempDir dir;
    std::optional<Process> daemon;
    std::optional<Containerd> containerd;
    int mirror_port = 0;
    int web_port = 0;
    // One sample of its /metrics ("name{labels}"), -1 when absent.
    long long metric(const std::string& sample) const {
        auto r = run({"curl", "-s", "http://127.0.0.1:" + std::to_string(web_port) + "/metrics"});
        const auto at = r.out.find("\n" + sample + " ");
        return at == std::string::npos ? -1 : std::stoll(r.out.substr(at + sample.size() + 2));
    }
};

// A daemon with the mirror and the swarm source; its mirror port (0: failed).
int start_node(Node& node, const UpstreamRegistry& registry, int origin_port) {
    node.daemon = start_daemon(DaemonDirs{node.dir / "agent"},
                               {"--mirror=127.0.0.1:0", "-v", "--web=127.0.0.1:0",
                                "--mirror-http-registries=" + registry.host(),
                                "--mirror-origin=http://127.0.0.1:" + std::to_string(origin_port),
                                "--mirror-swarm-timeout=30s"});
    if (wait_daemon_ready(*node.daemon) == 0) return 0;
    std::smatch m;
    const std::string& err = node.daemon->stderr_text();
    if (!std::regex_search(err, m, std::regex("listening mirror http://127\\.0\\.0\\.1:([0-9]+)")))
        return 0;
    node.mirror_port = std::stoi(m[1]);
    if (!std::regex_search(err, m, std::regex("listening web http://127\\.0\\.0\\.1:([0-9]+)")))
        return 0;
    node.web_port = std::stoi(m[1]);
    auto r = run({bin("aciswarm"), "mirror", "setup", "--registry=" + registry.host(),
                  "--server=" + registry.url(),
                  "--mirror=http://127.0.0.1:" + std::to_string(node.mirror_port),
                  "--hosts-dir=" + (node.dir / "certs.d").string()});
    EXPECT_EQ(r.status.code, 0) << r.err;
    node.containerd = Containerd::start(node.dir / "containerd");
    return node.containerd ? node.mirror_port : 0;
}

TEST(OciSwarm, ThreeNodesPullThroughTheirAgentsAndUpstreamSendsEachBlobOnce) {
    TempDir tmp;
    auto image = make_oci_image(tmp / "layout", "1.0", 3, 256 * 1024);
    ASSERT_TRUE(image);
    auto registry = UpstreamRegistry::start(tmp / "registry");
    ASSERT_TRUE(registry);
    ASSERT_EQ(registry->push(*image, "test/app"), "");

    // The tracker admits what the origin writes to its whitelist (--dir). It
    // scans that every second, but the origin's and the nodes' first announces
    // come sooner and a refused announce is retried only ~30 s later, so the
    // test whitelists the blobs' torrents first: they are deterministic, the
    // same the origin makes (torrent/blob_torrent.hpp).
    std::vector<std::string> blobs = image->layers;
    blobs.push_back(image->config);
    for (const auto& blob : blobs) {
        const std::string hex = blob.substr(7);
        auto t = torrent::create_blob_torrent(image->layout / "blobs" / "sha256" / hex, {});
        ASSERT_TRUE(t) << t.error().message;
        write_file(tmp / "whitelist" / (hex + ".torrent"), t->bytes);
    }
    Process tracker = Process::spawn({bin("aciswarm-tracker"), "--http=127.0.0.1:0",
                                      "--udp=127.0.0.1:0", "--dir=" + (tmp / "whitelist").string(),
                                      "--scan-interval=1", "--interval=5", "--min-interval=1"});
    const int tracker_port = tracker.wait_for_listening("http", 20s);
    ASSERT_GT(tracker_port, 0) << tracker.stderr_text();
    Process origin = Process::spawn(
        {bin("aciswarm"), "origin", "--listen=127.0.0.1:0",
         "--upstream=" + registry->host() + "=" + registry->url(),
         "--cache=" + (tmp / "origin").string(), "--whitelist-dir=" + (tmp / "whitelist").string(),
         "--tracker=http://127.0.0.1:" + std::to_string(tracker_port) + "/announce",
         "--bittorrent-listen=127.0.0.1:0", "--lsd=false",
         "--auth-dir=" + (tmp / "auth.d").string()});
    const int origin_port = origin.wait_for_listening("http", 20s);
    ASSERT_GT(origin_port, 0) << origin.stderr_text();

    const std::string ref = registry->host() + "/test/app:1.0";
    Node nodes[3];
    for (Node& node : nodes) {
        ASSERT_NE(start_node(node, *registry, origin_port), 0) << node.daemon->stderr_text();
        auto r = node.containerd->pull(ref, node.dir / "certs.d");
        ASSERT_EQ(r.status.code, 0) << r.out << r.err << node.daemon->stderr_text();
        EXPECT_EQ(node.containerd->image_digest(ref), image->manifest);
        const auto held = node.containerd->content();
        for (const auto& blob : blobs) {
            EXPECT_NE(std::find(held.begin(), held.end(), blob), held.end()) << blob;
            EXPECT_TRUE(saw_stderr(*node.daemon, "blob " + blob + " .* from the swarm"))
                << blob << "\n"
                << node.daemon->stderr_text();
        }
        // The agent's /metrics: what containerd got, all of it from peers.
        EXPECT_GT(node.metric("aciswarm_agent_mirror_served_bytes_total"), 3 * 256 * 1024);
        EXPECT_GT(node.metric("aciswarm_agent_mirror_blob_bytes_total{source=\"peers\"}"),
                  3 * 256 * 1024);
        EXPECT_EQ(node.metric("aciswarm_agent_mirror_blob_bytes_total{source=\"upstream\"}"), 0);
    }
    auto access = registry->access_counts();
    for (const auto& blob : blobs)
        EXPECT_EQ(access["GET /v2/test/app/blobs/" + blob], 1) << blob;
}

}  // namespace
}  // namespace aciswarm::test
