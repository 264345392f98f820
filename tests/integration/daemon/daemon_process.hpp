// Helpers for the daemon's integration tests: a running `aciswarm daemon`
// with its own store, cache, socket and BitTorrent port on loopback, and a
// datagram socket standing in for systemd's NOTIFY_SOCKET.
#pragma once

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/daemon/client.hpp"
#include "common/info_hash.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace aciswarm::test {

// Receives what the daemon sends with sd_notify.
class NotifySocket {
  public:
    explicit NotifySocket(const std::filesystem::path& path);
    ~NotifySocket();
    NotifySocket(const NotifySocket&) = delete;
    NotifySocket& operator=(const NotifySocket&) = delete;
    const std::string& path() const { return path_; }
    // The next datagram, or nullopt after `timeout`.
    std::optional<std::string> receive(std::chrono::milliseconds timeout);
    // Datagrams until one contains `needle` (returned), or nullopt after `timeout`.
    std::optional<std::string> wait_for(const std::string& needle,
                                        std::chrono::milliseconds timeout);

  private:
    int fd_ = -1;
    std::string path_;
};

struct DaemonDirs {
    std::filesystem::path root;  // holds store/, cache/, agent.sock, agent.json
    std::filesystem::path store() const { return root / "store"; }
    std::filesystem::path cache() const { return root / "cache"; }
    std::filesystem::path socket() const { return root / "agent.sock"; }
    std::filesystem::path config() const { return root / "agent.json"; }
};

// `aciswarm daemon` on loopback: port 0, its own dirs, owner-only socket, no LSD.
Process start_daemon(const DaemonDirs& dirs, const std::vector<std::string>& extra = {},
                     const SpawnOptions& options = {});

// Waits for the API socket ("listening unix PATH") and the BitTorrent port;
// returns the port (0 on timeout).
int wait_daemon_ready(Process& daemon);

// Whether stderr has (or gets within `timeout`) a line matching `pattern`,
// including lines an earlier wait already scanned past.
bool saw_stderr(Process& process, const std::string& pattern,
                std::chrono::milliseconds timeout = std::chrono::seconds(10));

// One request over a fresh connection. A fetch whose source is a local
// .torrent or .aci path goes as `aciswarm fetch` sends it: opened here and
// passed as a descriptor ("source_fd": true).
nlohmann::json api_call(const DaemonDirs& dirs, const nlohmann::json& request,
                        std::vector<nlohmann::json>* events = nullptr,
                        std::chrono::milliseconds timeout = std::chrono::seconds(30));
// One request over a fresh connection, with `file` attached (SCM_RIGHTS) when >= 0,
// exactly as given (no descriptor added).
nlohmann::json api_call_with_file(const DaemonDirs& dirs, const nlohmann::json& request, int file,
                                  std::vector<nlohmann::json>* events = nullptr,
                                  std::chrono::milliseconds timeout = std::chrono::seconds(30));

// How many images the store at `store_dir` holds; 999 (which no test expects)
// when it cannot be opened or listed.
std::size_t stored_count(const std::filesystem::path& store_dir);

struct ImportedImage {
    std::string image_id;  // full
    std::uint64_t size = 0;
};

// Imports `aci` with its .torrent (bytes and info hashes) into the store at
// `store_dir`, as a publisher's seeder holds it; throws std::runtime_error on failure.
ImportedImage import_with_torrent(const std::filesystem::path& store_dir,
                                  const std::filesystem::path& aci, const std::string& torrent,
                                  const InfoHashes& info_hashes);

// Writes an ACI (uncompressed tar: manifest + rootfs/ with `payload_bytes`
// random bytes) named NAME-1.0.aci into dir; returns its path.
std::filesystem::path make_aci(const std::filesystem::path& dir, const std::string& name,
                               std::size_t payload_bytes);

}  // namespace aciswarm::test
