// `aciswarm fetch docker://… --origin=URL`: the layers come from the swarm
// first. An image pushed with skopeo to docker-registry, `aciswarm origin`
// turning its blobs into torrents (announced to an aciswarm-tracker), and two
// in-process fetches into two stores: both get every layer from peers, and
// the registry's access log shows each layer fetched once (by the origin),
// not once per fetch. A daemon's docker:// fetch takes its layers through its
// mirror-origin the same way. All on loopback ports.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "tests/integration/convert/sample_image.hpp"
#include "tests/integration/daemon/daemon_process.hpp"
#include "tests/support/https_server.hpp"
#include "tests/support/oci_layout_builder.hpp"
#include "tests/support/oci_registry.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"
#include "torrent/blob_torrent.hpp"

namespace aciswarm::test {
namespace {

namespace fs = std::filesystem;

// The layers' digests ("sha256:…") of the image whose manifest is `manifest`.
std::vector<std::string> layer_digests(const fs::path& layout, const std::string& manifest) {
    std::vector<std::string> out;
    const auto doc =
        nlohmann::json::parse(read_file(layout / "blobs" / "sha256" / manifest.substr(7)));
    for (const auto& layer : doc.at("layers"))
        out.push_back(layer.at("digest"));
    return out;
}

// An aciswarm-tracker that admits the layers' blob torrents (deterministic:
// torrent/blob_torrent.hpp, so the origin's first announce is not refused)
// and `aciswarm origin` in front of the registry, announcing to it.
struct SwarmOrigin {
    std::optional<Process> tracker;
    std::optional<Process> origin;
    int port = 0;

    static std::optional<SwarmOrigin> start(const TempDir& tmp, const DockerRegistry& registry,
                                            const fs::path& layout,
                                            const std::vector<std::string>& layers,
                                            const std::string& upstream_ca = "") {
        const fs::path admitted = tmp / "whitelist";
        for (const std::string& digest : layers) {
            const fs::path blob = layout / "blobs" / "sha256" / digest.substr(7);
            auto t = torrent::create_blob_torrent(blob, {});
            if (!t) return std::nullopt;
            write_file(admitted / (digest.substr(7) + ".torrent"), t->bytes);
        }
        SwarmOrigin lab;
        lab.tracker.emplace(
            Process::spawn({bin("aciswarm-tracker"), "--http=127.0.0.1:0", "--udp=127.0.0.1:0",
                            "--dir=" + admitted.string(), "--scan-interval=1", "--interval=5",
                            "--min-interval=1"}));
        const int tracker_port = lab.tracker->wait_for_listening("http", 20s);
        if (tracker_port == 0) return std::nullopt;
        const std::string announce =
            "--tracker=http://127.0.0.1:" + std::to_string(tracker_port) + "/announce";
        std::vector<std::string> argv{bin("aciswarm"),
                                      "origin",
                                      "--listen=127.0.0.1:0",
                                      "--lsd=false",
                                      announce,
                                      "--upstream=" + registry.host_port() + "=" + registry.url(),
                                      "--bittorrent-listen=127.0.0.1:0",
                                      "--cache=" + (tmp / "origin").string(),
                                      "--whitelist-dir=" + admitted.string(),
                                      "--auth-dir=" + (tmp / "auth.d").string()};
        if (!upstream_ca.empty()) argv.push_back("--upstream-ca-file=" + upstream_ca);
        lab.origin.emplace(Process::spawn(argv));
        lab.port = lab.origin->wait_for_listening("http", 20s);
        if (lab.port == 0) return std::nullopt;
        return lab;
    }
};

TEST(FetchDockerSwarm, LayersComeFromTheSwarmBeforeTheRegistry) {
    TempDir tmp;
    DockerRegistry registry(tmp / "registry", {});
    ASSERT_FALSE(registry.host_port().empty());
    const fs::path layout = tmp / "layout";
    const auto image = add_oci_image(layout, sample_image());
    write_oci_index_json(layout, {{image, "1.0"}});
    SpawnOptions home;
    home.env["HOME"] = tmp.path().string();
    auto pushed = run(
        {"skopeo", "--insecure-policy", "copy", "--quiet", "--dest-tls-verify=false",
         "oci:" + layout.string() + ":1.0", "docker://" + registry.host_port() + "/team/web:1.0"},
        home);
    ASSERT_EQ(pushed.status.code, 0) << pushed.err;

    const auto layers = layer_digests(layout, image.digest);
    auto origin = SwarmOrigin::start(tmp, registry, layout, layers);
    ASSERT_TRUE(origin);
    for (const std::string store : {"store-a", "store-b"}) {
        auto r =
            run({bin("aciswarm"), "fetch", "docker://" + registry.host_port() + "/team/web:1.0",
                 "--no-progress", "--full", "--insecure-options=http,image",
                 "--origin=http://127.0.0.1:" + std::to_string(origin->port),
                 "--store=" + (tmp / store).string(), "--listen=127.0.0.1:0", "--lsd=false",
                 "--dht=false", "--trust-dir=" + (tmp / "trust").string()},
                {}, 120s);
        ASSERT_EQ(r.status.code, 0) << r.err;
        std::smatch m;
        ASSERT_TRUE(std::regex_search(
            r.err, m,
            std::regex(
                R"(via swarm: (\d+) bytes from peers, \d+ from web seeds, (\d+) over HTTPS)")))
            << r.err;
        EXPECT_GT(std::stoll(m[1]), 0) << r.err;
        EXPECT_EQ(m[2], "0") << r.err;  // no layer from the registry
        const std::string id = r.out.substr(0, r.out.find('\n'));
        const fs::path out = tmp / (store + ".aci");
        ASSERT_EQ(run({bin("aciswarm"), "image", "export", id, out.string(),
                       "--store=" + (tmp / store).string()})
                      .status.code,
                  0);
        expect_sample_tree(tar_tree(out));
    }
    for (const std::string& digest : layers) {
        const std::string path = "/v2/team/web/blobs/" + digest;
        EXPECT_EQ(registry.count_requests("GET", path), 1) << path;  // the origin's, only
    }
}

// `aciswarm fetch docker://…` run by a daemon with --mirror-origin: the
// daemon's engine takes the layers from the swarm (the registry, over TLS
// with a test CA, sends each layer once: to the origin).
TEST(FetchDockerSwarm, TheDaemonTakesLayersThroughItsMirrorOrigin) {
    TempDir tmp;
    auto ca = make_test_ca(tmp / "ca");
    ASSERT_TRUE(ca);
    DockerRegistry registry(tmp / "registry", {"", "", ca});
    ASSERT_FALSE(registry.host_port().empty());
    const fs::path layout = tmp / "layout";
    const auto image = add_oci_image(layout, sample_image());
    write_oci_index_json(layout, {{image, "1.0"}});
    ASSERT_EQ(registry.push_layout(layout, "1.0", "team/web"), "");
    const auto layers = layer_digests(layout, image.digest);
    auto origin = SwarmOrigin::start(tmp, registry, layout, layers, ca->ca_cert.string());
    ASSERT_TRUE(origin);
    const DaemonDirs dirs{tmp / "agent"};
    Process daemon =
        start_daemon(dirs, {"--ca-file=" + ca->ca_cert.string(),
                            "--mirror-origin=http://127.0.0.1:" + std::to_string(origin->port)});
    ASSERT_NE(wait_daemon_ready(daemon), 0) << daemon.stderr_text();
    auto r = run({bin("aciswarm"), "fetch", "docker://" + registry.host_port() + "/team/web:1.0",
                  "--no-progress", "--socket=" + dirs.socket().string()},
                 {}, 120s);
    ASSERT_EQ(r.status.code, 0) << r.err << daemon.stderr_text();
    for (const std::string& digest : layers) {
        EXPECT_TRUE(saw_stderr(daemon, "blob " + digest + " .* from the swarm"))
            << digest << "\n"
            << daemon.stderr_text();
        const std::string path = "/v2/team/web/blobs/" + digest;
        EXPECT_EQ(registry.count_requests("GET", path), 1) << path;  // the origin's, only
    }
}

}  // namespace
}  // namespace aciswarm::test
