#include "agent/engine/web_seed_gate.hpp"

#include "common/duration.hpp"

namespace aciswarm::engine {

WebSeedGate::Action WebSeedGate::observe(Clock::SteadyTime now, std::int64_t bytes_from_peers,
                                         bool swarm_has_seed) {
    const bool progress = !last_progress_ || bytes_from_peers > last_bytes_;
    if (progress) {
        last_progress_ = now;
        last_bytes_ = bytes_from_peers;
    }
    if (!open_) {
        if (progress && delay_.count() > 0) return Action::none;
        if (now - *last_progress_ < delay_) return Action::none;
        open_ = true;
        reason_ = last_bytes_ == 0 ? "no peer sent a byte in " + format_duration(delay_)
                                   : "no byte from peers for " + format_duration(delay_) +
                                         " after " + std::to_string(last_bytes_);
        window_start_ = now;
        window_bytes_ = bytes_from_peers;
        opened_ = now;
        return Action::add;
    }
    if (now - window_start_ < delay_) return Action::none;
    const std::int64_t delivered = bytes_from_peers - window_bytes_;
    window_start_ = now;
    window_bytes_ = bytes_from_peers;
    if (!swarm_has_seed || delivered < close_bytes_ || now - opened_ < min_open_)
        return Action::none;
    open_ = false;
    reason_ = "the swarm has a seed and peers sent " + std::to_string(delivered) + " bytes in " +
              format_duration(delay_);
    return Action::remove;
}

}  // namespace aciswarm::engine
