// The agent as containerd's registry mirror (docs/oci.md), with real
// components: docker-registry as upstream (plain HTTP and TLS with a test CA),
// an image pushed with skopeo, containerd started by the test and `ctr images
// pull --hosts-dir` through `aciswarm daemon --mirror` after `aciswarm mirror
// setup`. Every process and directory is removed when the test ends.
#include <gtest/gtest.h>

#include <regex>

#include "tests/integration/daemon/daemon_process.hpp"
#include "tests/integration/oci/oci_lab.hpp"
#include "tests/support/https_server.hpp"
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
    std::optional<UpstreamRegistry> registry;
    std::optional<Containerd> containerd;
    fs::path hosts_dir() const { return tmp / "certs.d"; }
    std::string ref() const { return registry->host() + "/test/app:" + image->tag; }

    // The image pushed to a registry (TLS when `ca`), and a containerd.
    bool start(const std::optional<TestCa>& ca = std::nullopt) {
        image = make_oci_image(tmp / "layout", "1.0", 3, 64 * 1024);
        if (!image) return false;
        registry = UpstreamRegistry::start(tmp / "registry", ca);
        if (!registry) return false;
        if (auto e = registry->push(*image, "test/app"); !e.empty()) {
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

// ctr pulls with the hosts.toml `aciswarm mirror setup` wrote: the agent is
// asked first, and the pull completes (from upstream where the agent answers
// 404). Plain HTTP and TLS upstreams.
void pull_through_mirror(const std::optional<TestCa>& ca) {
    World w;
    ASSERT_TRUE(w.start(ca));
    TempDir agent;
    std::optional<Process> daemon;
    const int port = start_mirror_daemon(DaemonDirs{agent.path()}, daemon);
    ASSERT_NE(port, 0) << daemon->stderr_text();
    std::vector<std::string> setup{"setup", "--registry=" + w.registry->host(),
                                   "--server=" + w.registry->url(),
                                   "--mirror=http://127.0.0.1:" + std::to_string(port),
                                   "--hosts-dir=" + w.hosts_dir().string()};
    if (ca) setup.push_back("--ca=" + ca->ca_cert.string());
    auto r = mirror_cli(setup);
    ASSERT_EQ(r.status.code, 0) << r.err;
    r = w.containerd->pull(w.ref(), w.hosts_dir());
    ASSERT_EQ(r.status.code, 0) << r.out << r.err;
    EXPECT_EQ(w.containerd->image_digest(w.ref()), w.image->manifest);
    const auto held = w.containerd->content();
    for (const auto& layer : w.image->layers)
        EXPECT_NE(std::find(held.begin(), held.end(), layer), held.end()) << layer;
    EXPECT_TRUE(saw_stderr(
        *daemon, "mirror: HEAD /v2/test/app/manifests/1\\.0 ns=" +
                     std::regex_replace(w.registry->host(), std::regex("\\."), "\\.") + ": "))
        << daemon->stderr_text();
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

}  // namespace
}  // namespace aciswarm::test
