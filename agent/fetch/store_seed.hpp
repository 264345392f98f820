// The one way a stored image is seeded: `aciswarm fetch` (--seed-for, and
// lingering after a swarm download) and the daemon's seeding policies both
// start a StoreSeed. What differs between those roles (extra trackers and
// peers to announce to) is a SeedOptions value; how long to seed is the
// caller's decision.
//
// A StoreSeed holds a directory in the store's staging area (a LockedDir) with
// a hard link to the image's blob named like the torrent's file, and the
// engine serves it in seed mode (the store already verified the bytes;
// libtorrent checks each piece when it first sends it).
//
// Thread: the owner's (the Engine is thread-safe). What survives kill -9:
// nothing to undo; the link's directory is unlocked then, and the next
// Store::open() removes it. Seeds keep no resume data: a restarted daemon
// starts them again from the store.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "agent/engine/engine.hpp"
#include "agent/fetch/locked_dir.hpp"
#include "agent/store/store.hpp"
#include "common/peer_endpoint.hpp"
#include "common/result.hpp"

namespace aciswarm::agent::fetch {

// A single-file torrent's file name becomes a path component when it is
// downloaded or seeded: anything but a plain file name is refused (the error
// names it, control bytes escaped). The one check for fetch and StoreSeed.
Status check_torrent_file_name(std::string_view name);

// The role's differences: an in-process fetch announces its seed where it
// fetched from (--tracker, --peer); the daemon announces to the torrent's own
// trackers only.
struct SeedOptions {
    std::vector<std::string> trackers;  // announced to besides the torrent's own
    std::vector<PeerEndpoint> peers;    // connected to directly
};

class StoreSeed {
  public:
    // Refuses an image without a .torrent (Errc::unsupported), a torrent that
    // does not describe the blob byte for byte (Errc::corrupt), and a swarm
    // the engine already has (Errc::already_exists: a download still running).
    static Result<StoreSeed> start(store::Store& store, engine::Engine& engine,
                                   const store::ImageRecord& record,
                                   const SeedOptions& options = {});
    // Stops seeding now (an error: the engine could not remove the torrent).
    Status stop();
    ~StoreSeed();
    StoreSeed(StoreSeed&& other) noexcept;
    StoreSeed& operator=(StoreSeed&& other) = delete;
    StoreSeed(const StoreSeed&) = delete;
    StoreSeed& operator=(const StoreSeed&) = delete;
    engine::TorrentId torrent() const { return torrent_; }

  private:
    StoreSeed() = default;
    engine::Engine* engine_ = nullptr;
    engine::TorrentId torrent_{};
    LockedDir dir_;
};

}  // namespace aciswarm::agent::fetch
