#include "tests/support/https_server.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace aciswarm::test {

std::optional<TestCa> make_test_ca(const std::filesystem::path& dir) {
    TestCa ca;
    if (auto e = make_test_ca(dir, {"IP:127.0.0.1", "IP:::1", "DNS:localhost"}, ca); !e.empty()) {
        ADD_FAILURE() << e;
        return std::nullopt;
    }
    return ca;
}

std::uint16_t free_loopback_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    std::uint16_t port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
        port = ntohs(addr.sin_port);
    }
    ::close(fd);
    return port;
}

std::optional<HttpsServer> HttpsServer::start(const std::filesystem::path& root, const TestCa& ca,
                                              const std::filesystem::path& work_dir,
                                              const std::string& directives) {
    // A few tries: the port was free when chosen but another test may take it first.
    for (int attempt = 0; attempt < 5; ++attempt) {
        HttpsServer server;
        server.port_ = free_loopback_port();
        server.nginx_ = std::make_unique<Nginx>();
        const std::string servers =
            "  default_type application/octet-stream;\n" +
            tls_server_block("127.0.0.1:" + std::to_string(server.port_), "", ca, root, directives);
        const std::string error = server.nginx_->start(work_dir, servers);
        if (error.empty()) return server;
        if (error.find("Address already in use") == std::string::npos) {
            ADD_FAILURE() << error;
            return std::nullopt;
        }
    }
    ADD_FAILURE() << "nginx: no free port after 5 tries";
    return std::nullopt;
}

std::string HttpsServer::url(const std::string& path) const {
    return "https://127.0.0.1:" + std::to_string(port_) + "/" + path;
}

void HttpsServer::stop() {
    if (nginx_) nginx_->stop();
}

}  // namespace aciswarm::test
