// Test helpers: a throw-away CA with a certificate for 127.0.0.1 (openssl
// CLI), and nginx serving a directory over HTTPS on 127.0.0.1 with that
// certificate (Range requests work: they are what web seeds send).
// Thread-safety: one thread per object.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "tests/support/process.hpp"

namespace aciswarm::test {

struct TestCa {
    std::filesystem::path ca_cert;  // PEM: trust this (SSL_CERT_FILE / --ca-file)
    std::filesystem::path server_cert;
    std::filesystem::path server_key;
};

// Makes a CA and a server certificate (SAN IP:127.0.0.1, IP:::1, DNS:localhost)
// in dir. Fails the calling test (ADD_FAILURE) and returns nullopt on error.
std::optional<TestCa> make_test_ca(const std::filesystem::path& dir);

// A TCP port on 127.0.0.1 that was free a moment ago (for servers that can't
// bind port 0 and report it, like nginx).
std::uint16_t free_loopback_port();

class HttpsServer {
  public:
    // Starts nginx serving root on https://127.0.0.1:PORT/; state lives in work_dir.
    // Returns once nginx has bound its socket (it logs "start worker processes").
    static std::optional<HttpsServer> start(const std::filesystem::path& root, const TestCa& ca,
                                            const std::filesystem::path& work_dir);
    std::uint16_t port() const { return port_; }
    std::string url(const std::string& path) const;  // path without leading '/'
    // Stops nginx (SIGTERM to the master, waits for it).
    void stop();

  private:
    std::uint16_t port_ = 0;
    std::optional<Process> nginx_;
};

}  // namespace aciswarm::test
