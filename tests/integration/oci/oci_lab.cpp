#include "tests/integration/oci/oci_lab.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

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
