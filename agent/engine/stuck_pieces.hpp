#pragma once
// Detects pieces that libtorrent (2.0.8, Debian 12) leaves with every block
// received and written but never hash-checked. Seen after a web seed is banned
// for corrupt data while its last blocks are still being written: the piece
// sits in the download queue as "finished" forever, the peers that have it are
// never asked again, and the download stalls just short of the end. A recheck
// of the torrent clears it (docs/engine.md, "Stuck pieces").
//
// Pure logic over snapshots, no libtorrent and no clock of its own, so it can
// be unit-tested. Owned by the engine's alert thread.
#include <chrono>
#include <cstdint>
#include <set>

#include "common/clock.hpp"

namespace aciswarm::engine {

class StuckPieceDetector {
  public:
    explicit StuckPieceDetector(std::chrono::milliseconds timeout) : timeout_(timeout) {}

    // One snapshot: the pieces whose blocks are all finished but which have not
    // passed their hash check yet, and the verified byte count. Returns true when
    // the same pieces have stayed unverified, with no verified progress, for the
    // timeout: time to recheck. After a true, observation starts over.
    bool observe(Clock::SteadyTime now, const std::set<int>& finished_unverified,
                 std::int64_t total_done);

  private:
    std::chrono::milliseconds timeout_;
    std::set<int> watched_;  // pieces seen finished-but-unverified since `since_`
    std::int64_t done_at_since_ = -1;
    Clock::SteadyTime since_{};
};

}  // namespace aciswarm::engine
