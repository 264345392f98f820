#include "tests/integration/daemon/daemon_process.hpp"

#include "agent/store/store.hpp"
#include "common/clock.hpp"
#include "common/file_read.hpp"
#include "common/log.hpp"
#include "tests/support/random_bytes.hpp"

#include <poll.h>

#include <cstring>
#include <fstream>
#include <stdexcept>

namespace aciswarm::test {

NotifySocket::NotifySocket(const std::filesystem::path& path) : path_(path.string()) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (fd_ < 0 || path_.size() >= sizeof addr.sun_path)
        throw std::runtime_error("notify socket: " + path_);
    std::memcpy(addr.sun_path, path_.c_str(), path_.size() + 1);
    if (::bind(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
        throw std::runtime_error("notify socket bind: " + path_ + ": " + std::strerror(errno));
    }
}

NotifySocket::~NotifySocket() {
    if (fd_ >= 0) ::close(fd_);
}

std::optional<std::string> NotifySocket::receive(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return std::nullopt;
    char buf[4096];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n < 0) return std::nullopt;
    return std::string(buf, static_cast<std::size_t>(n));
}

std::optional<std::string> NotifySocket::wait_for(const std::string& needle,
                                                  std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return std::nullopt;
        auto msg = receive(left);
        if (!msg) return std::nullopt;
        if (msg->find(needle) != std::string::npos) return msg;
    }
}

Process start_daemon(const DaemonDirs& dirs, const std::vector<std::string>& extra,
                     const SpawnOptions& options) {
    std::vector<std::string> argv{
        bin("aciswarm"), "daemon", "--config=" + dirs.config().string(),
        "--store=" + dirs.store().string(), "--cache-dir=" + dirs.cache().string(),
        "--socket=" + dirs.socket().string(), "--socket-group=", "--listen-address=127.0.0.1",
        "--listen-port=0", "--lsd=false",
        // Tests serve unsigned images; tests/integration/trust checks signatures.
        "--insecure-options=image"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    if (!std::filesystem::exists(dirs.config())) write_file(dirs.config(), "{}\n");
    SpawnOptions opts = options;
    for (const char* var :
         {"NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "LISTEN_FDS", "LISTEN_PID"}) {
        if (!opts.env.contains(var)) opts.unset_env.push_back(var);
    }
    return Process::spawn(argv, opts);
}

int wait_daemon_ready(Process& daemon) {
    const int port = daemon.wait_for_listening("bittorrent", std::chrono::seconds(20));
    if (port == 0) return 0;
    if (!daemon.wait_for_stderr(std::regex("listening unix "), std::chrono::seconds(20))) return 0;
    if (!daemon.wait_for_stderr(std::regex("ready: "), std::chrono::seconds(20))) return 0;
    return port;
}

bool saw_stderr(Process& process, const std::string& pattern, std::chrono::milliseconds timeout) {
    const std::regex re(pattern);
    if (std::regex_search(process.stderr_text(), re)) return true;
    return process.wait_for_stderr(re, timeout).has_value();
}

nlohmann::json api_call(const DaemonDirs& dirs, const nlohmann::json& request,
                        std::vector<nlohmann::json>* events, std::chrono::milliseconds timeout) {
    // A fetch of a local file, as `aciswarm fetch` sends it: the caller opens
    // the file and passes the descriptor ("source_fd").
    const std::string source = request.value("source", std::string());
    if (request.value("op", std::string()) == "fetch" && !request.contains("source_fd") &&
        source.find("://") == std::string::npos &&
        (source.ends_with(".torrent") || source.ends_with(".aci"))) {
        auto file = open_regular_file(source, Symlinks::follow);
        if (!file) return {{"ok", false}, {"error", "open: " + file.error().message}};
        nlohmann::json with_fd = request;
        with_fd["source_fd"] = true;
        return api_call_with_file(dirs, with_fd, file->get(), events, timeout);
    }
    return api_call_with_file(dirs, request, -1, events, timeout);
}

nlohmann::json api_call_with_file(const DaemonDirs& dirs, const nlohmann::json& request, int file,
                                  std::vector<nlohmann::json>* events,
                                  std::chrono::milliseconds timeout) {
    auto client = agent::ApiClient::connect(dirs.socket().string());
    if (!client) return {{"ok", false}, {"error", "connect: " + client.error().message}};
    const auto on_event = [&](const nlohmann::json& e) {
        if (events != nullptr) events->push_back(e);
    };
    auto reply = file >= 0 ? client->call_with_file(request, file, on_event, timeout)
                           : client->call(request, on_event, timeout);
    if (!reply) return {{"ok", false}, {"error", "call: " + reply.error().message}};
    return *reply;
}

std::filesystem::path make_aci(const std::filesystem::path& dir, const std::string& name,
                               std::size_t payload_bytes) {
    const std::filesystem::path src = dir / (name + "-src");
    std::filesystem::create_directories(src / "rootfs");
    write_file(src / "manifest",
               R"({"acKind":"ImageManifest","acVersion":"0.8.11","name":"example.com/)" + name +
                   R"(","labels":[{"name":"version","value":"1.0"}]})");
    write_file(src / "rootfs" / "payload.bin",
               random_bytes(payload_bytes, payload_bytes ^ std::hash<std::string>{}(name)));
    const std::filesystem::path aci = dir / (name + "-1.0.aci");
    const RunResult r = run({"tar", "-cf", aci.string(), "-C", src.string(), "manifest", "rootfs"});
    if (r.status.code != 0) throw std::runtime_error("tar: " + r.err);
    return aci;
}

ImportedImage import_with_torrent(const std::filesystem::path& store_dir,
                                  const std::filesystem::path& aci, const std::string& torrent,
                                  const InfoHashes& info_hashes) {
    SystemClock clock;
    auto store = agent::store::Store::open(store_dir, clock, Logger::null());
    if (!store) throw std::runtime_error(store.error().message);
    agent::store::ImportRequest req;
    req.torrent = torrent;
    req.info_hashes = info_hashes;
    auto rec = store->import_file(aci, req);
    if (!rec) throw std::runtime_error(rec.error().message);
    return {rec->id.full(), rec->size};
}

std::size_t stored_count(const std::filesystem::path& store_dir) {
    SystemClock clock;
    auto store = agent::store::Store::open(store_dir, clock, Logger::null());
    if (!store) return 999;
    auto list = store->list();
    return list ? list->size() : 999;
}

}  // namespace aciswarm::test
