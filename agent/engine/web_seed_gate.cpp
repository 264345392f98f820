#include "agent/engine/web_seed_gate.hpp"

#include "common/duration.hpp"

namespace aciswarm::engine {

bool WebSeedGate::observe(Clock::SteadyTime now, std::int64_t bytes_from_peers) {
    if (open_) return false;
    if (!last_progress_ || bytes_from_peers > last_bytes_) {
        last_progress_ = now;
        last_bytes_ = bytes_from_peers;
        if (delay_.count() > 0) return false;
    }
    if (now - *last_progress_ < delay_) return false;
    open_ = true;
    reason_ = last_bytes_ == 0 ? "no peer sent a byte in " + format_duration(delay_)
                               : "no byte from peers for " + format_duration(delay_) + " after " +
                                     std::to_string(last_bytes_);
    return true;
}

}  // namespace aciswarm::engine
