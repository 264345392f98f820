// The OCI world for the mirror's integration tests (docs/oci.md), beside the
// docker-registry harness (tests/support/oci_registry.hpp): a small
// multi-layer image built by make_oci_image.py (tar layers containerd can
// unpack), and a containerd the test starts with its own root, state, socket
// and plugin dirs, pulled from with `ctr images pull --hosts-dir`. On this
// machine containerd unpacks with the overlayfs snapshotter (tried: `ctr
// images pull` unpacks, no fallback to `ctr content fetch` needed). Every
// process is stopped and every directory removed when its object dies.
// Thread-safety: one thread per object.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/process.hpp"

namespace aciswarm::test {

struct OciImage {
    std::filesystem::path layout;  // an OCI image layout directory
    std::string tag;
    std::string manifest;  // sha256:...
    std::string config;
    std::vector<std::string> layers;
};

// make_oci_image.py: `layers` gzipped layers of `bytes_per_layer` random bytes.
// Fails the calling test and returns nullopt on error.
std::optional<OciImage> make_oci_image(const std::filesystem::path& dir, const std::string& tag,
                                       int layers, std::size_t bytes_per_layer);

// A user and password (--user for ctr).
struct Login {
    std::string user;
    std::string password;
};

class Containerd {
  public:
    static std::optional<Containerd> start(const std::filesystem::path& dir);
    // ctr --address SOCKET images pull --hosts-dir HOSTS_DIR [--user U:P] REF.
    RunResult pull(const std::string& ref, const std::filesystem::path& hosts_dir,
                   const std::optional<Login>& login = std::nullopt);
    // The digest `ctr images ls` shows for ref ("" when absent).
    std::string image_digest(const std::string& ref);
    // ctr content ls: the digests containerd holds.
    std::vector<std::string> content();
    std::filesystem::path socket() const { return dir_ / "containerd.sock"; }

  private:
    std::optional<Process> process_;
    std::filesystem::path dir_;
};

}  // namespace aciswarm::test
