// SwarmBlobSource: a blob from the BitTorrent swarm (docs/oci.md). The
// origin (`aciswarm origin`, agent/origin) answers the blob's deterministic
// torrent at GET <origin>/metainfo/sha256:<hex>?ns=<registry>&repo=<name>; the
// node's engine downloads it into <cache>/swarm/<hex> (every piece checked
// against the torrent), the whole file is hashed against the digest, and only
// then is it hard-linked to the cache path (BlobCache: a file there is always
// complete and verified). The torrent stays in the engine: the node seeds
// what it holds, and <hex>.torrent is kept beside it so a restarted daemon
// seeds it again (seed_held).
//
// Errors: Errc::not_found when the origin does not have the blob (the next
// source is asked); a timeout when no payload byte arrived from the swarm for
// `timeout` (a stall, at any point of the download: a slow but moving swarm
// is waited for; the torrent is removed and the next source, upstream, asked).
// Thread: fetch() from fetch threads at once (Engine is thread-safe).
#pragma once

#include <chrono>
#include <filesystem>
#include <string>

#include "agent/blobs/blob_source.hpp"
#include "agent/engine/engine.hpp"
#include "common/clock.hpp"
#include "common/log.hpp"

namespace aciswarm::agent::blobs {

struct SwarmSourceConfig {
    std::string origin_url;                    // "http://origin.example:8090"
    std::string ca_file;                       // for an https origin; "" = the system's
    std::filesystem::path swarm_dir;           // downloads and seeds: <hex> and <hex>.torrent
    std::chrono::milliseconds timeout{60000};  // longest stall
    const Clock* clock = nullptr;              // nullptr: the system clock
};

class SwarmBlobSource final : public BlobSource {
  public:
    SwarmBlobSource(SwarmSourceConfig config, engine::Engine& engine, Logger& log);
    std::string_view name() const override { return "swarm"; }
    Result<std::uint64_t> fetch(const BlobKey& key, const std::filesystem::path& path,
                                std::stop_token stop, BlobProgress& progress) override;
    // Seeds every blob swarm_dir holds with its .torrent (at daemon start).
    void seed_held();

  private:
    Result<std::string> metainfo(const BlobKey& key);
    Result<std::uint64_t> download(const BlobKey& key, const std::string& torrent,
                                   const InfoHash& info_hash, std::stop_token stop,
                                   BlobProgress& progress);
    // Waits for the download to finish as long as payload keeps arriving.
    Result<engine::TorrentStatus> wait_while_moving(engine::TorrentId id, std::stop_token stop,
                                                    BlobProgress& progress);
    void drop(engine::TorrentId id);  // removes a failed download and its file

    SwarmSourceConfig config_;
    SystemClock system_clock_;
    const Clock& clock_;
    engine::Engine& engine_;
    Logger& log_;
};

}  // namespace aciswarm::agent::blobs
