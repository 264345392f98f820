// Seeding policies: how long the daemon keeps seeding an image it holds.
//
//   forever        pinned: seed until told otherwise
//   ratio=R        until uploaded bytes >= R x the image's size (R > 0, e.g. 1.5)
//   for=DURATION   until DURATION has passed since seeding started ("24h", "90m")
//   idle=DURATION  until no peer has asked for data for DURATION
//   none           do not seed (what `aciswarm image seed --stop` sets)
//
// The evaluator is a pure function of the policy, the image's progress and the
// time: the daemon calls it on each tick with the injected Clock's wall time
// (wall time, because seeding_since survives restarts in the daemon's state file).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "common/result.hpp"

namespace aciswarm::agent {

struct SeedPolicy {
    enum class Kind { none, forever, ratio, for_duration, idle };
    Kind kind = Kind::forever;
    double ratio = 0;                       // Kind::ratio
    std::chrono::milliseconds duration{0};  // Kind::for_duration and Kind::idle

    static SeedPolicy forever() { return {}; }
    static SeedPolicy none() { return {Kind::none, 0, {}}; }
    static SeedPolicy for_(std::chrono::milliseconds d) { return {Kind::for_duration, 0, d}; }
    static SeedPolicy idle(std::chrono::milliseconds d) { return {Kind::idle, 0, d}; }
    static SeedPolicy ratio_of(double r) { return {Kind::ratio, r, {}}; }

    // Parses the spellings above; errors name the input.
    static Result<SeedPolicy> parse(std::string_view text);
    // The canonical spelling, which parse() reads back.
    std::string to_string() const;

    friend bool operator==(const SeedPolicy&, const SeedPolicy&) = default;
};

// What the evaluator needs to know about one image.
struct SeedProgress {
    Clock::WallTime seeding_since;       // when seeding (this policy) started
    Clock::WallTime last_peer_activity;  // last time a peer was sent data (or seeding_since)
    std::uint64_t uploaded = 0;          // bytes uploaded since seeding_since
    std::uint64_t size = 0;              // the image's size in bytes
};

struct SeedDecision {
    bool keep_seeding = true;
    std::string reason;  // why it stops, e.g. "ratio 2.00 reached (uploaded 2048 of 1024 bytes)"
    // When time alone ends seeding (for=, idle= with no further activity); nullopt otherwise.
    std::optional<Clock::WallTime> expires_at;
};

SeedDecision evaluate_seed_policy(const SeedPolicy& policy, const SeedProgress& progress,
                                  Clock::WallTime now);

// uploaded / size; 0 when size is 0.
double seed_ratio(std::uint64_t uploaded, std::uint64_t size);

}  // namespace aciswarm::agent
