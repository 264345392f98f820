// An HTTPS origin on loopback for tests that need no network namespace: a
// throw-away CA whose server certificate names 127.0.0.1, ::1 and localhost, and
// nginx serving a directory on https://127.0.0.1:PORT/ with it (Range requests
// work: they are what web seeds send). Built on tests/support/nginx.hpp.
// Thread-safety: one thread per object.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "tests/support/nginx.hpp"

namespace aciswarm::test {

// Makes a CA and a server certificate (SAN IP:127.0.0.1, IP:::1, DNS:localhost)
// in dir. Fails the calling test (ADD_FAILURE) and returns nullopt on error.
std::optional<TestCa> make_test_ca(const std::filesystem::path& dir);

// A TCP port on 127.0.0.1 that was free a moment ago (for servers that can't
// bind port 0 and report it, like nginx).
std::uint16_t free_loopback_port();

class HttpsServer {
  public:
    // Starts nginx serving root on https://127.0.0.1:PORT/; state lives in work_dir;
    // `directives` (whole lines: auth_basic, limit_rate) go into its server block.
    // Returns once nginx has bound its socket. Fails the calling test (ADD_FAILURE)
    // and returns nullopt when nginx does not start.
    static std::optional<HttpsServer> start(const std::filesystem::path& root, const TestCa& ca,
                                            const std::filesystem::path& work_dir,
                                            const std::string& directives = "");
    std::uint16_t port() const { return port_; }
    std::string url(const std::string& path) const;  // path without leading '/'
    // Stops nginx (SIGTERM to the master, waits for it).
    void stop();

  private:
    std::uint16_t port_ = 0;
    std::unique_ptr<Nginx> nginx_;  // Nginx does not move; the server does
};

}  // namespace aciswarm::test
