// The tracker's persistent state: one SQLite file (--state=FILE) holding, per
// torrent, the completed count (64-bit), first seen and last seen. Peers are not
// kept: they re-announce within one interval after a restart.
//
// File format (SQLite, WAL journal, PRAGMA user_version = schema version):
//   v1  torrents(info_hash BLOB(20) PRIMARY KEY, completed INTEGER,
//                first_seen INTEGER, last_seen INTEGER)   -- times in unix seconds
//
// open() refuses, with one line naming the file, a file that is not an SQLite
// database, fails SQLite's quick_check, or has a newer schema than this program;
// OpenMode::reset (--state-reset) deletes the file (and its -wal/-shm), whatever
// it holds, and starts empty.
//
// Thread-safety: one owner thread (the tracker's control loop) calls every method.
// Survives kill -9: every batch write() committed (WAL, synchronous=NORMAL: a
// committed batch survives a process crash; a power loss may lose the last ones).
#pragma once

#include <filesystem>
#include <memory>
#include <span>
#include <vector>

#include "common/result.hpp"
#include "tracker/state/journal.hpp"

namespace aciswarm::tracker::state {

inline constexpr int kSchemaVersion = 1;

enum class OpenMode {
    keep,   // refuse a corrupt or newer-schema file
    reset,  // --state-reset: discard the file, usable or not, and start empty
};

class StateFile {
  public:
    // Opens or creates `path` (its directory must exist).
    static Result<StateFile> open(const std::filesystem::path& path, OpenMode mode);

    StateFile(StateFile&&) noexcept;
    StateFile& operator=(StateFile&&) noexcept;
    ~StateFile();

    const std::filesystem::path& path() const;

    // Every torrent's state, in info hash order.
    Result<std::vector<TorrentState>> load() const;
    // Merges the batch into the file (merge rule of journal.hpp) in one transaction:
    // all of it is written or none.
    Status write(std::span<const TorrentState> batch);

    struct Impl;

  private:
    explicit StateFile(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// Takes the journal's pending changes and writes them as one batch; on failure puts
// them back (the next flush retries) and returns the error. Returns the batch size.
Result<std::size_t> flush(StateJournal& journal, StateFile& file);

}  // namespace aciswarm::tracker::state
