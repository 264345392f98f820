// The seam between the tracker core and its persistent state: the core (and the
// control loop) note what changed per torrent here; the state file (state_file.hpp)
// takes the pending changes in one batch every few seconds and on SIGTERM. This
// header includes no SQLite, so the core can depend on it without depending on
// the database.
//
// Merge rule (the same in the journal and in the file, so replaying a batch is
// harmless): completed = max, first_seen = min of the known values, last_seen = max.
// Counts only grow, as livesync's scrape sync (max) already assumes.
//
// Thread-safety: every method may be called from any thread (announcing workers
// call completed(); the control loop calls seen() and take()). One short mutex
// hold per call; completions are counted once per peer, so the announce path
// calls in rarely.
// Survives kill -9: nothing. What was taken and written by StateFile survives;
// what is still pending here (at most one flush interval of changes) is lost.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "common/info_hash.hpp"

namespace aciswarm::tracker::state {

// One torrent's persistent state. Times are unix seconds (0: unknown).
struct TorrentState {
    InfoHash info_hash;
    std::uint64_t completed = 0;
    std::int64_t first_seen = 0;
    std::int64_t last_seen = 0;

    friend bool operator==(const TorrentState&, const TorrentState&) = default;
};

// Folds `update` into `into` by the merge rule above (same info hash assumed).
void merge_into(TorrentState& into, const TorrentState& update);

class StateJournal {
  public:
    // A completion was counted: `completed` is the torrent's new total.
    void completed(const InfoHash& hash, std::uint64_t completed, std::int64_t now_unix);
    // The torrent had peers at `now_unix` (first_seen is set by the first call).
    void seen(const InfoHash& hash, std::int64_t now_unix);
    // Any other change (a restored or merged record), folded by the merge rule.
    void note(const TorrentState& update);

    // The pending changes, one record per torrent; the journal is empty afterwards.
    std::vector<TorrentState> take();
    // Puts back a batch that could not be written (merged with newer changes).
    void restore(const std::vector<TorrentState>& batch);
    std::size_t pending() const;

  private:
    mutable std::mutex mutex_;
    std::unordered_map<InfoHash, TorrentState> pending_;
};

}  // namespace aciswarm::tracker::state
