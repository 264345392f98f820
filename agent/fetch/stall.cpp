#include "agent/fetch/stall.hpp"

namespace aciswarm::agent::fetch {

bool StallWatch::observe(Clock::SteadyTime now, const DownloadCounters& counters) {
    // A recheck can lower the verified count: only growth past the best seen counts.
    if (counters.verified > best_.verified || counters.received > best_.received) {
        if (counters.verified > best_.verified) best_.verified = counters.verified;
        if (counters.received > best_.received) best_.received = counters.received;
        last_progress_ = now;
        return false;
    }
    return now - last_progress_ >= timeout_;
}

}  // namespace aciswarm::agent::fetch
