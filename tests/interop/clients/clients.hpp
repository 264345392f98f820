// Drivers for the BitTorrent clients Debian 12 ships, each run as a real
// process inside the NetLab's client namespace:
//   transmission  transmission-daemon 3.00, driven with transmission-remote
//   aria2         aria2c 1.36, one process per download or seed
//   qbittorrent   qbittorrent-nox 4.5.2 (libtorrent 2.0.8), driven through its
//                 WebUI API on the namespace's loopback with curl; a fresh
//                 profile whose config accepts the legal notice
// Every wait polls the client's status with a bounded deadline; none sleeps
// a fixed time. The destructors stop what they started.
// Thread-safety: one thread per object.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/interop/clients/net_lab.hpp"
#include "tests/support/process.hpp"

namespace aciswarm::test {

enum class ClientKind { transmission, aria2, qbittorrent };
std::string client_name(ClientKind kind);

class BitTorrentClient {
  public:
    virtual ~BitTorrentClient() = default;

    // Starts the client's daemon, if it has one, and waits until it answers.
    // Returns "" or what failed.
    virtual std::string start() = 0;
    // Downloads `source` (a .torrent path or a magnet URI) into dir and waits
    // until the client reports every piece verified and the file is in place
    // under its final name. Returns "" or what failed.
    virtual std::string download(const std::string& source, const std::filesystem::path& dir,
                                 std::chrono::seconds deadline) = 0;
    // Starts seeding `torrent` whose content is in content_dir (the file under
    // the torrent's name) and waits until the client has verified the content
    // and seeds it. Returns "" or what failed.
    virtual std::string seed(const std::filesystem::path& torrent,
                             const std::filesystem::path& content_dir,
                             std::chrono::seconds deadline) = 0;
    // What the client said (logs, status), for failure messages.
    virtual std::string diagnostics() = 0;
};

// work: a directory for the client's profile, config and logs.
std::unique_ptr<BitTorrentClient> make_client(ClientKind kind, const NetLab& lab,
                                              const std::filesystem::path& work);

// Runs `argv` inside the client namespace until it succeeds (exit 0 and
// `accept(stdout)`) or the deadline passes, polling every `every`. Returns
// the last stdout on success, nullopt on timeout.
std::optional<std::string> poll_until(const std::vector<std::string>& argv,
                                      const std::function<bool(const std::string&)>& accept,
                                      std::chrono::milliseconds deadline,
                                      std::chrono::milliseconds every = 200ms);

}  // namespace aciswarm::test
