// A real upstream registry for integration tests: the distribution registry
// (`docker-registry serve`, Debian's 2.8) on a loopback port with a config the
// test writes (optionally htpasswd basic auth, optionally TLS with a test CA's
// server certificate), and images pushed to it with
// `skopeo copy` from an OCI layout built here (each layer is the caller's
// bytes gzipped with `gzip -n`, as application/vnd.oci.image.layer.v1.tar+gzip:
// skopeo would compress an uncompressed layer itself, changing its digest).
// The registry cannot bind port 0: a free port is picked and the start retried
// when another process took it first. The registry's access log (stdout) is
// read to count upstream requests. The one docker-registry harness of the
// tests (tests/integration/{oci,convert}).
// Thread: one test thread. The registry process is killed when the object dies.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "oci/digest.hpp"
#include "tests/support/nginx.hpp"
#include "tests/support/process.hpp"

namespace aciswarm::test {

struct PushedImage {
    oci::Digest manifest;  // as the registry serves it (skopeo may rewrite it)
    oci::Digest config;
    std::vector<oci::Digest> layers;
    std::vector<std::string> layer_blobs;  // the gzipped bytes the layer digests are of
};

class DockerRegistry {
  public:
    struct Options {
        std::string user;  // non-empty: htpasswd basic auth with this user
        std::string password;
        std::optional<TestCa> tls;  // serve HTTPS with its server certificate
    };
    // Starts a registry storing under `dir`. Fails the test (ADD_FAILURE and
    // an empty host) when it does not start.
    DockerRegistry(const std::filesystem::path& dir, const Options& options);
    ~DockerRegistry();
    DockerRegistry(const DockerRegistry&) = delete;
    DockerRegistry& operator=(const DockerRegistry&) = delete;

    const std::string& host_port() const { return host_port_; }  // "127.0.0.1:PORT"
    std::string url() const { return (options_.tls ? "https://" : "http://") + host_port_; }

    // Pushes repository:tag with these layers; the result names every digest.
    PushedImage push(const std::string& repository, const std::string& tag,
                     const std::vector<std::string>& layers);
    // skopeo copy oci:LAYOUT:TAG docker://HOST/REPOSITORY:TAG of a layout
    // built elsewhere (tar layers containerd can unpack). "" or what failed.
    std::string push_layout(const std::filesystem::path& layout, const std::string& tag,
                            const std::string& repository);

    // Access log lines so far that contain `method` and `path` (e.g. "GET",
    // "/v2/a/blobs/sha256:..."), counted after a marker request the registry
    // logged: every request answered before the call is in the count.
    int count_requests(const std::string& method, const std::string& path);

  private:
    std::filesystem::path dir_;
    Options options_;
    std::string host_port_;
    std::optional<Process> process_;
    int markers_ = 0;
};

}  // namespace aciswarm::test
