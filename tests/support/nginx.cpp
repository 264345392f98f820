#include "tests/support/nginx.hpp"

#include <csignal>

#include "tests/support/temp_dir.hpp"

namespace aciswarm::test {

namespace fs = std::filesystem;

std::string make_test_ca(const fs::path& dir, const std::vector<std::string>& subject_alt_names,
                         TestCa& out) {
    fs::create_directories(dir);
    std::string sans;
    for (const auto& s : subject_alt_names)
        sans += (sans.empty() ? "" : ",") + s;
    write_file(dir / "ca.cnf",
               "[req]\ndistinguished_name = dn\nprompt = no\nx509_extensions = v3_ca\n"
               "[dn]\nCN = aciswarm test CA\n"
               "[v3_ca]\nbasicConstraints = critical,CA:TRUE\n"
               "keyUsage = critical,keyCertSign,cRLSign\nsubjectKeyIdentifier = hash\n");
    write_file(dir / "server.ext",
               "basicConstraints = CA:FALSE\nkeyUsage = critical,digitalSignature\n"
               "extendedKeyUsage = serverAuth\nsubjectAltName = " +
                   sans + "\n");
    const std::string d = dir.string() + "/";
    const std::vector<std::vector<std::string>> steps{
        {"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", d + "ca.key", "-out", d + "ca.pem", "-days", "2", "-config",
         d + "ca.cnf"},
        {"openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", d + "server.key", "-out", d + "server.csr", "-subj",
         "/CN=aciswarm test server"},
        {"openssl", "x509", "-req", "-in", d + "server.csr", "-CA", d + "ca.pem", "-CAkey",
         d + "ca.key", "-CAcreateserial", "-days", "2", "-out", d + "server.pem", "-extfile",
         d + "server.ext"},
    };
    for (const auto& step : steps) {
        auto r = run(step);
        if (r.status.code != 0) return "openssl " + step[1] + ": " + r.err;
    }
    out.ca_cert = dir / "ca.pem";
    out.server_cert = dir / "server.pem";
    out.server_key = dir / "server.key";
    return "";
}

std::string tls_server_block(const std::string& listen, const std::string& server_name,
                             const TestCa& ca, const fs::path& root,
                             const std::string& directives) {
    return "  server {\n    listen " + listen + " ssl;\n" +
           (server_name.empty() ? "" : "    server_name " + server_name + ";\n") +
           "    ssl_certificate " + ca.server_cert.string() + ";\n    ssl_certificate_key " +
           ca.server_key.string() + ";\n    root " + root.string() + ";\n" + directives + "  }\n";
}

NetNs::~NetNs() {
    if (created_) (void)run({"ip", "netns", "del", name_});
    if (etc_created_) {
        std::error_code ec;
        fs::remove_all(fs::path("/etc/netns") / name_, ec);
    }
}

std::string NetNs::create(const std::string& hosts) {
    auto add = run({"ip", "netns", "add", name_});
    if (add.status.code != 0) return "ip netns add " + name_ + ": " + add.err;
    created_ = true;
    auto up = run({"ip", "-n", name_, "link", "set", "lo", "up"});
    if (up.status.code != 0) return "ip link set lo up: " + up.err;
    const fs::path etc = fs::path("/etc/netns") / name_;
    fs::create_directories(etc);
    etc_created_ = true;
    write_file(etc / "hosts", "127.0.0.1 localhost\n::1 localhost\n" + hosts);
    write_file(etc / "resolv.conf", "nameserver 127.0.0.1\n");
    return "";
}

std::vector<std::string> NetNs::exec(std::vector<std::string> argv) const {
    std::vector<std::string> out{"ip", "netns", "exec", name_};
    out.insert(out.end(), argv.begin(), argv.end());
    return out;
}

Nginx::~Nginx() {
    stop();
}

std::string Nginx::start(const fs::path& work_dir, const std::string& servers, const NetNs* netns) {
    const std::string d = work_dir.string();
    fs::create_directories(work_dir / "tmp");
    std::string temp;
    for (const char* kind : {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"}) {
        temp += std::string("  ") + kind + "_temp_path " + d + "/tmp/" + kind + ";\n";
    }
    write_file(work_dir / "nginx.conf",
               "daemon off;\nmaster_process on;\nworker_processes 1;\n"
               "user root;\npid " +
                   d +
                   "/nginx.pid;\nerror_log stderr notice;\n"
                   "events { worker_connections 256; }\n"
                   "http {\n  access_log off;\n" +
                   temp + servers + "}\n");
    std::vector<std::string> argv{"nginx", "-p", d + "/", "-c", d + "/nginx.conf", "-e", "stderr"};
    if (netns != nullptr) argv = netns->exec(argv);
    process_.emplace(Process::spawn(argv));
    // nginx binds its listeners before it starts workers.
    if (!process_->wait_for_stderr(std::regex("start worker process"), 10s)) {
        return "nginx did not start: " + process_->stderr_text();
    }
    return "";
}

void Nginx::stop() {
    if (!process_) return;
    if (process_->running()) {
        process_->signal(SIGTERM);
        process_->wait(10s);
    }
    process_.reset();
}

}  // namespace aciswarm::test
