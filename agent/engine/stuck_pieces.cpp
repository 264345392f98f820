#include "agent/engine/stuck_pieces.hpp"

#include <algorithm>
#include <iterator>

namespace aciswarm::engine {

bool StuckPieceDetector::observe(Clock::SteadyTime now, const std::set<int>& finished_unverified,
                                 std::int64_t total_done) {
    // Pieces that got verified (or were restored after a failure) leave the set;
    // only the ones still stuck since the start of the window count.
    std::set<int> still;
    std::set_intersection(watched_.begin(), watched_.end(), finished_unverified.begin(),
                          finished_unverified.end(), std::inserter(still, still.end()));
    if (still.empty() || total_done != done_at_since_) {
        // Nothing stuck, or the torrent made progress: a normal hash check in flight.
        watched_ = finished_unverified;
        done_at_since_ = total_done;
        since_ = now;
        return false;
    }
    watched_ = std::move(still);
    if (now - since_ < timeout_) return false;
    watched_.clear();
    done_at_since_ = -1;
    since_ = now;
    return true;
}

}  // namespace aciswarm::engine
