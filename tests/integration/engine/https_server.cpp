#include "tests/integration/engine/https_server.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <regex>

#include "tests/support/temp_dir.hpp"

namespace aciswarm::test {

namespace {

bool run_ok(const std::vector<std::string>& argv) {
    auto r = run(argv, {}, 30s);
    if (r.status.code != 0) {
        ADD_FAILURE() << argv[0] << " " << (argv.size() > 1 ? argv[1] : "") << " failed: " << r.err;
        return false;
    }
    return true;
}

}  // namespace

std::optional<TestCa> make_test_ca(const std::filesystem::path& dir) {
    std::filesystem::create_directories(dir);
    TestCa ca{dir / "ca.crt", dir / "server.crt", dir / "server.key"};
    const auto ca_key = dir / "ca.key";
    const auto csr = dir / "server.csr";
    const auto ext = dir / "server.ext";
    write_file(ext,
               "subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost\n"
               "basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n");
    if (!run_ok({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                 "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", ca_key.string(), "-out",
                 ca.ca_cert.string(), "-days", "2", "-subj", "/CN=aciswarm test CA"}) ||
        !run_ok({"openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                 "-nodes", "-keyout", ca.server_key.string(), "-out", csr.string(), "-subj",
                 "/CN=127.0.0.1"}) ||
        !run_ok({"openssl", "x509", "-req", "-in", csr.string(), "-CA", ca.ca_cert.string(),
                 "-CAkey", ca_key.string(), "-CAcreateserial", "-out", ca.server_cert.string(),
                 "-days", "2", "-extfile", ext.string()})) {
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
                                              const std::filesystem::path& work_dir) {
    std::filesystem::create_directories(work_dir / "tmp");
    // A few tries: the port was free when chosen but another test may take it first.
    for (int attempt = 0; attempt < 5; ++attempt) {
        HttpsServer server;
        server.port_ = free_loopback_port();
        const auto conf = work_dir / "nginx.conf";
        const std::string tmp = (work_dir / "tmp").string();
        write_file(conf,
                   "daemon off;\nmaster_process on;\nworker_processes 1;\nuser root;\n"
                   "pid " +
                       (work_dir / "nginx.pid").string() +
                       ";\n"
                       "error_log stderr notice;\n"
                       "events { worker_connections 256; }\n"
                       "http {\n"
                       "  access_log off;\n"
                       "  default_type application/octet-stream;\n"
                       "  client_body_temp_path " +
                       tmp +
                       "/body;\n"
                       "  proxy_temp_path " +
                       tmp +
                       "/proxy;\n"
                       "  fastcgi_temp_path " +
                       tmp +
                       "/fastcgi;\n"
                       "  uwsgi_temp_path " +
                       tmp +
                       "/uwsgi;\n"
                       "  scgi_temp_path " +
                       tmp +
                       "/scgi;\n"
                       "  server {\n"
                       "    listen 127.0.0.1:" +
                       std::to_string(server.port_) +
                       " ssl;\n"
                       "    ssl_certificate " +
                       ca.server_cert.string() +
                       ";\n"
                       "    ssl_certificate_key " +
                       ca.server_key.string() +
                       ";\n"
                       "    root " +
                       root.string() +
                       ";\n"
                       "  }\n"
                       "}\n");
        server.nginx_ =
            Process::spawn({"nginx", "-e", "stderr", "-p", work_dir.string(), "-c", conf.string()});
        if (server.nginx_->wait_for_stderr(std::regex("start worker process"), 10s)) {
            return server;
        }
        const bool in_use =
            server.nginx_->stderr_text().find("Address already in use") != std::string::npos;
        if (!in_use) {
            ADD_FAILURE() << "nginx did not start: " << server.nginx_->stderr_text();
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
    if (nginx_ && nginx_->running()) {
        nginx_->signal(SIGTERM);
        nginx_->wait(10s);
    }
}

}  // namespace aciswarm::test
