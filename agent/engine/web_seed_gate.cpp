#include "agent/engine/web_seed_gate.hpp"

#include "common/duration.hpp"

namespace aciswarm::engine {

bool only_super_seeds(const SeedView& seeds) {
    return seeds.tracker_complete > 0 && seeds.listed_seeds == 0 &&
           seeds.super_seeds >= seeds.tracker_complete;
}

WebSeedGate::Action WebSeedGate::observe(Clock::SteadyTime now, std::int64_t bytes_from_peers,
                                         bool swarm_has_seed) {
    const bool progress = !last_progress_ || bytes_from_peers > last_bytes_;
    if (progress) {
        last_progress_ = now;
        last_bytes_ = bytes_from_peers;
    }
    if (!open_) {
        if (waiting_for_leader(now)) return Action::none;
        if (progress && delay_.count() > 0) return Action::none;
        if (now - *last_progress_ < delay_) return Action::none;
        open_ = true;
        reason_ = leader_progressed_
                      ? "no leader made progress for " + format_duration(leader_timeout_) + ", and "
                      : "";
        reason_ += last_bytes_ == 0 ? "no peer sent a byte in " + format_duration(delay_)
                                    : "no byte from peers for " + format_duration(delay_) +
                                          " after " + std::to_string(last_bytes_);
        window_start_ = now;
        window_bytes_ = bytes_from_peers;
        opened_ = now;
        ever_opened_ = true;
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

WebSeedGate::Action WebSeedGate::open_without_seed(Clock::SteadyTime now) {
    return open_at_once(now, "the tracker lists no seed");
}

WebSeedGate::Action WebSeedGate::open_for_super_seeds(Clock::SteadyTime now,
                                                      const SeedView& seeds) {
    // At the start only: once the gate closed because the seed delivered, a later
    // stall reopens it by the ordinary wait (else it would reopen at once, every time).
    if (ever_opened_ || !only_super_seeds(seeds)) return Action::none;
    return open_at_once(now, "every seed (" + std::to_string(seeds.tracker_complete) +
                                 ") is a super-seeding aciswarm seed, silent for ~10 s");
}

WebSeedGate::Action WebSeedGate::open_at_once(Clock::SteadyTime now, const std::string& why) {
    if (open_ || waiting_for_leader(now)) return Action::none;
    open_ = true;
    reason_ = leader_progressed_
                  ? "no leader made progress for " + format_duration(leader_timeout_) + ", and "
                  : "";
    reason_ += why;
    window_start_ = now;
    window_bytes_ = last_bytes_;
    opened_ = now;
    ever_opened_ = true;
    return Action::add;
}

void WebSeedGate::note_leaders(Clock::SteadyTime now, std::optional<std::int64_t> leader_progress) {
    if (!leader_progress) {
        leader_progressed_.reset();
        return;
    }
    if (!leader_progressed_ || *leader_progress != leader_progress_) {
        leader_progressed_ = now;
        leader_progress_ = *leader_progress;
    }
}

bool WebSeedGate::waiting_for_leader(Clock::SteadyTime now) const {
    return leader_progressed_ && now - *leader_progressed_ < leader_timeout_;
}

}  // namespace aciswarm::engine
