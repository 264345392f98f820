#include "tests/integration/oci/oci_lab.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "tests/support/https_server.hpp"
#include "tests/support/temp_dir.hpp"

namespace aciswarm::test {

namespace fs = std::filesystem;

std::optional<OciImage> make_oci_image(const fs::path& dir, const std::string& tag, int layers,
                                       std::size_t bytes_per_layer) {
    const std::string script =
        std::string(ACISWARM_SOURCE_DIR) + "/tests/integration/oci/make_oci_image.py";
    auto r = run({"/usr/bin/python3", script, dir.string(), tag, std::to_string(layers),
                  std::to_string(bytes_per_layer)});
    if (r.status.code != 0) {
        ADD_FAILURE() << "make_oci_image.py: " << r.err;
        return std::nullopt;
    }
    const auto j = nlohmann::json::parse(r.out, nullptr, false);
    if (j.is_discarded()) {
        ADD_FAILURE() << "make_oci_image.py printed " << r.out;
        return std::nullopt;
    }
    OciImage image{dir, tag, j["manifest"], j["config"], {}};
    for (const auto& l : j["layers"])
        image.layers.push_back(l);
    return image;
}

namespace {

// "user:bcrypt-hash" for docker-registry's htpasswd auth (it takes bcrypt only).
std::string htpasswd_line(const Login& login) {
    auto r = run({"/usr/bin/python3", "-c",
                  "import crypt,sys; print(crypt.crypt(sys.argv[1], "
                  "crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)))",
                  login.password});
    EXPECT_EQ(r.status.code, 0) << r.err;
    return login.user + ":" + r.out;
}

}  // namespace

std::optional<UpstreamRegistry> UpstreamRegistry::start(const fs::path& dir,
                                                        const std::optional<TestCa>& ca,
                                                        const std::optional<Login>& login) {
    for (int attempt = 0; attempt < 5; ++attempt) {
        UpstreamRegistry r;
        r.dir_ = dir;
        r.ca_ = ca;
        r.login_ = login;
        r.port_ = free_loopback_port();
        std::string auth;
        if (login) {
            write_file(dir / "htpasswd", htpasswd_line(*login));
            auth = "auth:\n  htpasswd:\n    realm: test\n    path: " + (dir / "htpasswd").string() +
                   "\n";
        }
        std::string tls;
        if (ca) {
            tls = "  tls:\n    certificate: " + ca->server_cert.string() +
                  "\n    key: " + ca->server_key.string() + "\n";
        }
        write_file(dir / "config.yml",
                   "version: 0.1\nlog:\n  level: info\n  accesslog:\n    disabled: false\n"
                   "storage:\n  filesystem:\n    rootdirectory: " +
                       (dir / "data").string() + "\n  delete:\n    enabled: true\n" + auth +
                       "http:\n  addr: 127.0.0.1:" + std::to_string(r.port_) + "\n" + tls);
        r.process_ = Process::spawn({"docker-registry", "serve", (dir / "config.yml").string()});
        if (r.process_->wait_for_stderr(std::regex("listening on 127\\.0\\.0\\.1:[0-9]+"), 10s))
            return r;
        if (r.process_->stderr_text().find("address already in use") == std::string::npos) {
            ADD_FAILURE() << "docker-registry did not start:\n" << r.process_->stderr_text();
            return std::nullopt;
        }
    }
    ADD_FAILURE() << "docker-registry: no free port after 5 tries";
    return std::nullopt;
}

std::string UpstreamRegistry::host() const {
    return "127.0.0.1:" + std::to_string(port_);
}

std::string UpstreamRegistry::url() const {
    return (ca_ ? "https://" : "http://") + host();
}

std::string UpstreamRegistry::push(const OciImage& image, const std::string& repository) {
    std::vector<std::string> argv{"skopeo", "copy", "--quiet"};
    if (ca_) {
        const fs::path certs = dir_ / "skopeo-certs";
        fs::create_directories(certs);
        fs::copy_file(ca_->ca_cert, certs / "ca.crt", fs::copy_options::overwrite_existing);
        argv.push_back("--dest-cert-dir=" + certs.string());
    } else {
        argv.push_back("--dest-tls-verify=false");
    }
    if (login_) argv.push_back("--dest-creds=" + login_->user + ":" + login_->password);
    argv.push_back("oci:" + image.layout.string() + ":" + image.tag);
    argv.push_back("docker://" + host() + "/" + repository + ":" + image.tag);
    auto r = run(argv, {}, 60s);
    return r.status.code == 0 ? "" : "skopeo copy: " + r.err;
}

std::map<std::string, int> UpstreamRegistry::access_counts() {
    process_->wait_for_stderr(std::regex("^$^"), 200ms);  // reads what is there
    std::map<std::string, int> counts;
    static const std::regex request("\"(GET|HEAD) (/v2/[^ ?\"]+)[^\"]*\" ([0-9]{3})");
    // The access log goes to stdout, the rest of the log to stderr.
    std::istringstream lines(process_->stdout_text() + process_->stderr_text());
    for (std::string line; std::getline(lines, line);) {
        std::smatch m;
        if (std::regex_search(line, m, request) && m[3] != "404")
            ++counts[m[1].str() + " " + m[2].str()];
    }
    return counts;
}

std::optional<Containerd> Containerd::start(const fs::path& dir) {
    Containerd c;
    c.dir_ = dir;
    fs::create_directories(dir);
    // Every path of its own: root, state, sockets, the opt plugin's dir (else
    // /opt/containerd) and temp; no CRI plugin (no CNI, no streaming server).
    write_file(dir / "config.toml",
               "version = 2\nroot = \"" + (dir / "root").string() + "\"\nstate = \"" +
                   (dir / "state").string() + "\"\ntemp = \"" + (dir / "tmp").string() +
                   "\"\ndisabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n"
                   "[grpc]\n  address = \"" +
                   c.socket().string() +
                   "\"\n[plugins.\"io.containerd.internal.v1.opt\"]\n  path = \"" +
                   (dir / "opt").string() + "\"\n");
    fs::create_directories(dir / "tmp");
    c.process_ = Process::spawn({"containerd", "--config", (dir / "config.toml").string()});
    if (!c.process_->wait_for_stderr(std::regex("containerd successfully booted"), 30s)) {
        ADD_FAILURE() << "containerd did not start:\n" << c.process_->stderr_text();
        return std::nullopt;
    }
    return c;
}

RunResult Containerd::pull(const std::string& ref, const fs::path& hosts_dir,
                           const std::optional<Login>& login) {
    std::vector<std::string> argv{"ctr",  "--address",   socket().string(), "images",
                                  "pull", "--hosts-dir", hosts_dir.string()};
    if (login) {
        argv.push_back("--user");
        argv.push_back(login->user + ":" + login->password);
    }
    argv.push_back(ref);
    return run(argv, {}, 120s);
}

std::string Containerd::image_digest(const std::string& ref) {
    auto r = run({"ctr", "--address", socket().string(), "images", "ls"});
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);) {
        std::istringstream fields(line);
        std::string name, type, digest;
        fields >> name >> type >> digest;
        if (name == ref) return digest;
    }
    return "";
}

std::vector<std::string> Containerd::content() {
    auto r = run({"ctr", "--address", socket().string(), "content", "ls", "-q"});
    std::vector<std::string> digests;
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);)
        if (!line.empty()) digests.push_back(line);
    return digests;
}

}  // namespace aciswarm::test
