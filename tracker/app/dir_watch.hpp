// Wakes the tracker's control loop when --dir changes, so a .torrent written
// there is tracked within milliseconds instead of at the next --scan-interval
// scan. Without it, an agent that announces right after `aciswarm origin` or
// `aciswarm publish` wrote the file is refused, and libtorrent retries only
// ~30 s later (docs/tracker.md, "Whitelist").
//
// inotify is not recursive: watch_tree() adds a watch for every folder under
// the root (again after each change, so new folders are watched); a file that
// lands in a new folder before its watch exists is still found, because the
// folder's creation itself triggers the rescan. The interval scan stays as the
// safety net (inotify limits, network file systems).
//
// Thread-safety: owned by the control loop's thread. Nothing survives kill -9.
#pragma once

#include <filesystem>

#include "common/fd.hpp"
#include "common/result.hpp"

namespace aciswarm::tracker {

class DirWatch {
  public:
    // Errors name the directory (e.g. inotify instance limits reached).
    static Result<DirWatch> open(const std::filesystem::path& root);

    // Readable when a change is queued: the control loop polls it.
    int fd() const { return fd_.get(); }
    // Reads every queued event; true when one of them can change the set of
    // .torrent files (a file closed after writing, moved in or out, deleted; a
    // folder created). A file merely created (not yet written) does not count.
    // A folder created or moved in gets its watches here (watch_tree), so the
    // tree is walked only when it grew a folder, not on every file.
    bool drain();

  private:
    // Watches every folder under the root; folders that vanished are skipped.
    void watch_tree();
    DirWatch(UniqueFd fd, std::filesystem::path root)
        : fd_(std::move(fd)), root_(std::move(root)) {}
    UniqueFd fd_;
    std::filesystem::path root_;
};

}  // namespace aciswarm::tracker
