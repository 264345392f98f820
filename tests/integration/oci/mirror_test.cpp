// The agent as containerd's registry mirror (docs/oci.md), with real
// components: docker-registry as upstream (plain HTTP and TLS with a test CA),
// an image pushed with skopeo, containerd started by the test and `ctr images
// pull --hosts-dir` through `aciswarm daemon --mirror` after `aciswarm mirror
// setup`. Every process and directory is removed when the test ends.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <regex>

#include "tests/integration/daemon/daemon_process.hpp"
#include "tests/integration/oci/oci_lab.hpp"
#include "tests/support/https_server.hpp"
#include "tests/support/oci_registry.hpp"
#include "tests/support/temp_dir.hpp"

namespace aciswarm::test {
namespace {

namespace fs = std::filesystem;

std::string bin(const std::string& name) {
    return std::string(ACISWARM_BIN_DIR) + "/" + name;
}

// A daemon with --mirror on a free loopback port; the port, 0 when it did not start.
int start_mirror_daemon(const DaemonDirs& dirs, std::optional<Process>& daemon,
                        const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args{"--mirror=127.0.0.1:0", "-v"};
    args.insert(args.end(), extra.begin(), extra.end());
    daemon = start_daemon(dirs, args);
    if (wait_daemon_ready(*daemon) == 0) return 0;
    // Logged before "ready", which wait_daemon_ready has read past.
    std::smatch m;
    const std::string& err = daemon->stderr_text();
    static const std::regex listening("listening mirror http://127\\.0\\.0\\.1:([0-9]+)");
    return std::regex_search(err, m, listening) ? std::stoi(m[1]) : 0;
}

RunResult mirror_cli(std::vector<std::string> args) {
    args.insert(args.begin(), {bin("aciswarm"), "mirror"});
    return run(args);
}

struct World {
    TempDir tmp;
    std::optional<OciImage> image;
    std::optional<DockerRegistry> registry;
    std::optional<Containerd> containerd;
    fs::path hosts_dir() const { return tmp / "certs.d"; }
    std::string ref() const { return registry->host_port() + "/test/app:" + image->tag; }

    // The image pushed to a registry (TLS when `ca`), and a containerd.
    bool start(const std::optional<TestCa>& ca = std::nullopt) {
        image = make_oci_image(tmp / "layout", "1.0", 3, 64 * 1024);
        if (!image) return false;
        registry.emplace(tmp / "registry", DockerRegistry::Options{"", "", ca});
        if (registry->host_port().empty()) return false;
        if (auto e = registry->push_layout(image->layout, image->tag, "test/app"); !e.empty()) {
            ADD_FAILURE() << e;
            return false;
        }
        containerd = Containerd::start(tmp / "containerd");
        return containerd.has_value();
    }
};

TEST(OciMirror, SetupWritesHostsTomlAndRemoveDeletesIt) {
    TempDir tmp;
    const fs::path dir = tmp / "certs.d";
    auto r = mirror_cli({"setup", "--registry=docker.io", "--hosts-dir=" + dir.string()});
    ASSERT_EQ(r.status.code, 0) << r.err;
    const std::string text = read_file(dir / "docker.io" / "hosts.toml");
    EXPECT_NE(text.find("server = \"https://registry-1.docker.io\""), std::string::npos) << text;
    EXPECT_NE(text.find("[host.\"http://127.0.0.1:5050\"]"), std::string::npos) << text;
    // A file someone else wrote is neither replaced nor deleted.
    write_file(dir / "quay.io" / "hosts.toml", "server = \"https://quay.io\"\n");
    r = mirror_cli({"setup", "--registry=quay.io", "--hosts-dir=" + dir.string()});
    EXPECT_EQ(r.status.code, 1);
    EXPECT_NE(r.err.find("not written by aciswarm"), std::string::npos) << r.err;
    r = mirror_cli({"remove", "--registry=quay.io", "--hosts-dir=" + dir.string()});
    EXPECT_EQ(r.status.code, 1);
    EXPECT_TRUE(fs::exists(dir / "quay.io" / "hosts.toml"));
    r = mirror_cli({"remove", "--registry=docker.io", "--hosts-dir=" + dir.string()});
    ASSERT_EQ(r.status.code, 0) << r.err;
    EXPECT_FALSE(fs::exists(dir / "docker.io"));
    r = mirror_cli({"setup", "--registry=../etc", "--hosts-dir=" + dir.string()});
    EXPECT_EQ(r.status.code, 2);
}

TEST(OciMirror, RefusesRequestsOutsideTheApi) {
    TempDir tmp;
    std::optional<Process> daemon;
    const int port = start_mirror_daemon(DaemonDirs{tmp.path()}, daemon);
    ASSERT_NE(port, 0) << daemon->stderr_text();
    const std::string base = "http://127.0.0.1:" + std::to_string(port);
    auto status = [&](std::vector<std::string> extra, const std::string& target) {
        std::vector<std::string> argv{"curl", "-s",           "-o",          "/dev/null",
                                      "-w",   "%{http_code}", "--path-as-is"};
        argv.insert(argv.end(), extra.begin(), extra.end());
        argv.push_back(base + target);
        return run(argv).out;
    };
    EXPECT_EQ(status({}, "/v2/"), "200");
    EXPECT_EQ(status({}, "/v2/a/../b/manifests/x?ns=docker.io"), "400");
    EXPECT_EQ(status({}, "/v2/" + std::string(300, 'a') + "/manifests/x?ns=docker.io"), "400");
    EXPECT_EQ(status({}, "/v2/a/blobs/sha256:abc?ns=docker.io"), "400");
    EXPECT_EQ(status({}, "/v2/a/manifests/x"), "400");  // no ns
    EXPECT_EQ(status({"-X", "PUT"}, "/v2/a/manifests/x?ns=docker.io"), "405");
    EXPECT_EQ(status({"-X", "DELETE"}, "/v2/a/blobs/sha256:" + std::string(64, 'a')), "405");
}

std::string escaped(const std::string& text) {
    return std::regex_replace(text, std::regex("[.]"), "\\.");
}

// A daemon with --mirror for w's registry and the hosts.toml `aciswarm mirror
// setup` writes for it; the mirror's port (0: failed).
int mirror_for(World& w, std::optional<Process>& daemon, const TempDir& agent,
               const std::vector<std::string>& daemon_args,
               const std::optional<TestCa>& ca = std::nullopt) {
    const int port = start_mirror_daemon(DaemonDirs{agent.path()}, daemon, daemon_args);
    if (port == 0) return 0;
    std::vector<std::string> setup{"setup", "--registry=" + w.registry->host_port(),
                                   "--server=" + w.registry->url(),
                                   "--mirror=http://127.0.0.1:" + std::to_string(port),
                                   "--hosts-dir=" + w.hosts_dir().string()};
    if (ca) setup.push_back("--ca=" + ca->ca_cert.string());
    auto r = mirror_cli(setup);
    EXPECT_EQ(r.status.code, 0) << r.err;
    return r.status.code == 0 ? port : 0;
}

// ctr pulls with the hosts.toml `aciswarm mirror setup` wrote: the agent
// resolves the tag upstream and serves every blob, verified, from its cache;
// the registry sends each blob once (to the agent), not again to containerd.
void pull_through_mirror(const std::optional<TestCa>& ca) {
    World w;
    ASSERT_TRUE(w.start(ca));
    TempDir agent;
    std::optional<Process> daemon;
    const std::vector<std::string> args{ca ? "--ca-file=" + ca->ca_cert.string()
                                           : "--mirror-http-registries=" + w.registry->host_port()};
    ASSERT_NE(mirror_for(w, daemon, agent, args, ca), 0) << daemon->stderr_text();
    auto r = w.containerd->pull(w.ref(), w.hosts_dir());
    ASSERT_EQ(r.status.code, 0) << r.out << r.err;
    EXPECT_EQ(w.containerd->image_digest(w.ref()), w.image->manifest);
    const auto held = w.containerd->content();
    const std::string ns = " ns=" + escaped(w.registry->host_port()) + ": ";
    EXPECT_TRUE(saw_stderr(*daemon, "mirror: HEAD /v2/test/app/manifests/1\\.0" + ns + "200"))
        << daemon->stderr_text();
    std::vector<std::string> blobs = w.image->layers;
    blobs.push_back(w.image->config);
    for (const auto& blob : blobs) {
        EXPECT_NE(std::find(held.begin(), held.end(), blob), held.end()) << blob;
        EXPECT_TRUE(saw_stderr(*daemon, "mirror: GET /v2/test/app/blobs/" + blob + ns + "200"))
            << blob << "\n"
            << daemon->stderr_text();
        EXPECT_EQ(w.registry->count_requests("GET", "/v2/test/app/blobs/" + blob), 1) << blob;
    }
    // `aciswarm status` counts what containerd was served and where blobs came from.
    auto status = run({bin("aciswarm"), "status", "--socket=" + (agent / "agent.sock").string()});
    EXPECT_TRUE(
        std::regex_search(status.out, std::regex("mirror: http://127\\.0\\.0\\.1:[0-9]+, "
                                                 "served [1-9][0-9]* \\(.*\\) to containerd, "
                                                 "0 sent upstream; blobs 0 B from peers")))
        << status.out << status.err;
}

TEST(OciMirror, CtrPullsThroughTheMirrorPlainHttpUpstream) {
    pull_through_mirror(std::nullopt);
}

TEST(OciMirror, CtrPullsThroughTheMirrorTlsUpstream) {
    TempDir ca_dir;
    auto ca = make_test_ca(ca_dir.path());
    ASSERT_TRUE(ca);
    pull_through_mirror(ca);
}

// The mirror cannot get anything (it asks the plain-HTTP registry over
// HTTPS): it answers 503 at once and containerd pulls from upstream; the pull
// takes no longer than a generous cap (printed, not a timing assertion).
TEST(OciMirror, BrokenMirrorNeverBlocksAPull) {
    World w;
    ASSERT_TRUE(w.start());
    TempDir agent;
    std::optional<Process> daemon;
    ASSERT_NE(mirror_for(w, daemon, agent, {"--mirror-blob-wait=2s"}), 0) << daemon->stderr_text();
    const auto started = std::chrono::steady_clock::now();
    auto r = w.containerd->pull(w.ref(), w.hosts_dir());
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    std::printf("pull with a broken mirror: %lld ms\n", static_cast<long long>(took.count()));
    ASSERT_EQ(r.status.code, 0) << r.out << r.err;
    EXPECT_EQ(w.containerd->image_digest(w.ref()), w.image->manifest);
    EXPECT_LT(took, 60s);
    EXPECT_TRUE(saw_stderr(*daemon, "mirror: HEAD /v2/test/app/manifests/1\\.0 ns=" +
                                        escaped(w.registry->host_port()) + ": 503"))
        << daemon->stderr_text();
}

// A repository that needs credentials: the mirror (anonymous) serves nothing
// of it, a pull without credentials fails as it would without the mirror, and
// a pull with them works (containerd goes upstream with its own credentials).
TEST(OciMirror, PrivateRepositoryIsNeverServedThroughTheMirror) {
    World w;
    w.image = make_oci_image(w.tmp / "layout", "1.0", 2, 16 * 1024);
    ASSERT_TRUE(w.image);
    const Login login{"puller", "s3cret-pw"};
    w.registry.emplace(w.tmp / "registry",
                       DockerRegistry::Options{login.user, login.password, std::nullopt});
    ASSERT_FALSE(w.registry->host_port().empty());
    ASSERT_EQ(w.registry->push_layout(w.image->layout, w.image->tag, "test/app"), "");
    w.containerd = Containerd::start(w.tmp / "containerd");
    ASSERT_TRUE(w.containerd);
    TempDir agent;
    std::optional<Process> daemon;
    ASSERT_NE(mirror_for(w, daemon, agent, {"--mirror-http-registries=" + w.registry->host_port()}),
              0)
        << daemon->stderr_text();
    auto anonymous = w.containerd->pull(w.ref(), w.hosts_dir());
    EXPECT_NE(anonymous.status.code, 0) << anonymous.out;
    EXPECT_EQ(w.containerd->image_digest(w.ref()), "");
    auto r = w.containerd->pull(w.ref(), w.hosts_dir(), login);
    ASSERT_EQ(r.status.code, 0) << r.out << r.err;
    EXPECT_EQ(w.containerd->image_digest(w.ref()), w.image->manifest);
    EXPECT_TRUE(saw_stderr(*daemon, "mirror: HEAD /v2/test/app/manifests/1\\.0 ns=" +
                                        escaped(w.registry->host_port()) + ": 404"));
    EXPECT_FALSE(std::regex_search(daemon->stderr_text(), std::regex("mirror: [A-Z]+ .*: 200")))
        << daemon->stderr_text();
    EXPECT_FALSE(std::regex_search(daemon->stderr_text(), std::regex("s3cret-pw")));
}

}  // namespace
}  // namespace aciswarm::test
