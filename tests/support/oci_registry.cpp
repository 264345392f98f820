#include "tests/support/oci_registry.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <sstream>

#include "tests/support/temp_dir.hpp"

namespace aciswarm::test {
namespace {

namespace fs = std::filesystem;

// A loopback port nobody listens on right now (the registry binds it next;
// the caller retries if someone else was quicker).
int free_loopback_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    int port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
        port = ntohs(addr.sin_port);
    }
    ::close(fd);
    return port;
}

std::string bcrypt_htpasswd_line(const std::string& user, const std::string& password) {
    // The registry wants bcrypt; Debian's python3 crypt module makes it (cost 4:
    // the registry checks it on every request).
    const RunResult r = run({"/usr/bin/python3", "-W", "ignore", "-c",
                             "import crypt,sys; print(crypt.crypt(sys.argv[1], "
                             "crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)))",
                             password});
    EXPECT_EQ(r.status.code, 0) << r.err;
    return user + ":" + r.out;
}

std::string registry_config(const fs::path& dir, int port, const std::string& auth,
                            const std::optional<TestCa>& tls) {
    std::ostringstream c;
    c << "version: 0.1\nlog:\n  level: info\n  accesslog:\n    disabled: false\n"
      << "storage:\n  filesystem:\n    rootdirectory: " << (dir / "data").string() << "\n"
      << "  delete:\n    enabled: true\n"
      << "http:\n  addr: 127.0.0.1:" << port << "\n  secret: aciswarm-test\n";
    if (tls) {
        c << "  tls:\n    certificate: " << tls->server_cert.string()
          << "\n    key: " << tls->server_key.string() << "\n";
    }
    c << auth;
    return c.str();
}

std::string sha256_hex_of(const std::string& bytes) {
    return oci::Digest::of(bytes).hex();
}

// Writes `bytes` as a blob of the layout; returns its digest.
oci::Digest put_blob(const fs::path& layout, const std::string& bytes) {
    write_file(layout / "blobs" / "sha256" / sha256_hex_of(bytes), bytes);
    return oci::Digest::of(bytes);
}

std::string descriptor(const std::string& media_type, const oci::Digest& d, std::size_t size) {
    return R"({"mediaType":")" + media_type + R"(","digest":")" + d.to_string() + R"(","size":)" +
           std::to_string(size) + "}";
}

}  // namespace

DockerRegistry::DockerRegistry(const fs::path& dir, const Options& options)
    : dir_(dir), options_(options) {
    std::string auth;
    if (!options.user.empty()) {
        write_file(dir / "htpasswd", bcrypt_htpasswd_line(options.user, options.password));
        auth = "auth:\n  htpasswd:\n    realm: aciswarm-test\n    path: " +
               (dir / "htpasswd").string() + "\n";
    }
    for (int attempt = 0; attempt < 5 && host_port_.empty(); ++attempt) {
        const int port = free_loopback_port();
        write_file(dir / "config.yml", registry_config(dir, port, auth, options.tls));
        process_.emplace(
            Process::spawn({"docker-registry", "serve", (dir / "config.yml").string()}));
        const auto m = process_->wait_for_stderr(
            std::regex(R"(listening on 127\.0\.0\.1:(\d+)|address already in use)"), 20s);
        if (m && !(*m)[1].empty()) {
            host_port_ = "127.0.0.1:" + (*m)[1];
        } else {
            process_.reset();
        }
    }
    if (host_port_.empty()) ADD_FAILURE() << "docker-registry did not start";
}

DockerRegistry::~DockerRegistry() = default;

PushedImage DockerRegistry::push(const std::string& repository, const std::string& tag,
                                 const std::vector<std::string>& layers) {
    TempDir scratch;
    const fs::path layout = scratch / "layout";
    write_file(layout / "oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
    PushedImage image;
    std::string layer_list;
    std::string diff_ids;
    for (const std::string& plain : layers) {
        // From a file: Process::spawn writes stdin before reading stdout.
        write_file(scratch / "layer", plain);
        const RunResult gzipped = run({"gzip", "-n", "-c", (scratch / "layer").string()});
        EXPECT_EQ(gzipped.status.code, 0) << gzipped.err;
        const std::string& bytes = image.layer_blobs.emplace_back(gzipped.out);
        image.layers.push_back(put_blob(layout, bytes));
        if (!layer_list.empty()) layer_list += ",";
        layer_list += descriptor("application/vnd.oci.image.layer.v1.tar+gzip", image.layers.back(),
                                 bytes.size());
        diff_ids += (diff_ids.empty() ? "\"" : ",\"") + oci::Digest::of(plain).to_string() + "\"";
    }
    const std::string config = R"({"architecture":"amd64","os":"linux","config":{},)"
                               R"("rootfs":{"type":"layers","diff_ids":[)" +
                               diff_ids + "]}}";
    image.config = put_blob(layout, config);
    const std::string manifest =
        R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":)" +
        descriptor("application/vnd.oci.image.config.v1+json", image.config, config.size()) +
        R"(,"layers":[)" + layer_list + "]}";
    const oci::Digest manifest_digest = put_blob(layout, manifest);
    // The entry names the tag, as skopeo's oci:LAYOUT:TAG looks it up.
    std::string entry =
        descriptor("application/vnd.oci.image.manifest.v1+json", manifest_digest, manifest.size());
    entry.pop_back();
    entry += R"(,"annotations":{"org.opencontainers.image.ref.name":")" + tag + "\"}}";
    write_file(layout / "index.json", R"({"schemaVersion":2,"manifests":[)" + entry + "]}");
    const std::string pushed = push_layout(layout, tag, repository);
    EXPECT_EQ(pushed, "");
    SpawnOptions home;  // skopeo keeps its auth file there
    home.env["HOME"] = scratch.path().string();
    // skopeo may re-serialise the manifest: ask the registry which digest it stored.
    std::vector<std::string> inspect = {
        "skopeo",   "inspect",     "--tls-verify=false",
        "--format", "{{.Digest}}", "docker://" + host_port_ + "/" + repository + ":" + tag};
    if (!options_.user.empty()) {
        inspect.insert(inspect.begin() + 2, "--creds=" + options_.user + ":" + options_.password);
    }
    const RunResult digest = run(inspect, home);
    EXPECT_EQ(digest.status.code, 0) << digest.err;
    auto parsed = oci::parse_digest(digest.out.substr(0, digest.out.find('\n')));
    EXPECT_TRUE(parsed) << digest.out;
    if (parsed) image.manifest = *parsed;
    return image;
}

std::string DockerRegistry::push_layout(const fs::path& layout, const std::string& tag,
                                        const std::string& repository) {
    TempDir scratch;
    SpawnOptions home;  // skopeo keeps its auth file there
    home.env["HOME"] = scratch.path().string();
    std::vector<std::string> argv = {"skopeo", "copy", "--quiet", "--dest-tls-verify=false"};
    if (!options_.user.empty())
        argv.push_back("--dest-creds=" + options_.user + ":" + options_.password);
    argv.push_back("oci:" + layout.string() + ":" + tag);
    argv.push_back("docker://" + host_port_ + "/" + repository + ":" + tag);
    const RunResult pushed = run(argv, home, 60s);
    return pushed.status.code == 0 ? "" : "skopeo copy: " + pushed.err;
}

int DockerRegistry::count_requests(const std::string& method, const std::string& path) {
    if (!process_) return -1;
    // A request after the ones to count; once its line is logged, theirs are too.
    const std::string marker = "/v2/?marker=" + std::to_string(++markers_);
    run({"curl", "-s", "-k", "-o", "/dev/null", url() + marker});
    const auto seen = process_->wait_for_stdout(
        std::regex(std::regex_replace(marker, std::regex(R"([?.])"), R"(\$&)")), 10s);
    EXPECT_TRUE(seen) << "the registry did not log " << marker;
    int count = 0;
    std::istringstream lines(process_->stdout_text());
    for (std::string line; std::getline(lines, line);) {
        if (line.find("\"" + method + " " + path) != std::string::npos) ++count;
    }
    return count;
}

}  // namespace aciswarm::test
