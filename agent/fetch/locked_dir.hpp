// A directory in the store's staging area held by an flock on DIR/.lock, so
// that Store::open() in another process (the staging cleaner) leaves it alone.
// Used for a fetch's download (staging/partial-<info hash>, kept for resuming)
// and for a seed's hard link to a stored blob (StoreSeed).
//
// Thread: the owner's. kill -9 releases the flock; the next Store::open()
// removes the directory, unless it is a resumable partial download
// (agent/store/store_staging.cpp).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "common/fd.hpp"
#include "common/result.hpp"

namespace aciswarm::agent::fetch {

class LockedDir {
  public:
    // A fresh directory parent/<hint>.XXXXXX.
    static Result<LockedDir> create(const std::filesystem::path& parent, std::string_view hint);
    // The directory parent/name, made if missing, kept when it exists (a
    // partial download to resume). Errc::already_exists when another process
    // holds it (a fetch of the same torrent is running).
    static Result<LockedDir> open_named(const std::filesystem::path& parent,
                                        const std::string& name);
    LockedDir() = default;
    LockedDir(LockedDir&& other) noexcept
        : path_(std::exchange(other.path_, std::filesystem::path())), fd_(std::move(other.fd_)) {}
    LockedDir& operator=(LockedDir&& other) noexcept;
    LockedDir(const LockedDir&) = delete;
    LockedDir& operator=(const LockedDir&) = delete;
    ~LockedDir() { reset(); }

    // Leaves the directory in place (a partial download kept for resuming)
    // and lets go of its lock.
    void keep();
    // Removes the directory (when still owned) and lets go of its lock.
    void reset();
    const std::filesystem::path& path() const { return path_; }

  private:
    std::filesystem::path path_;
    UniqueFd fd_;
};

}  // namespace aciswarm::agent::fetch
