// Scrape sync (the seed's beacon / inquire / tell), as a state machine driven
// by the clock and by received packets; LiveSync performs what it returns.
//
// - After `beacon_after` of uptime, beacon our torrent count every `beacon_interval`.
// - A beacon from an instance with more than twice our torrents, while not
//   backing off, starts a collection round of `inquire_wait` (a beacon round
//   plus a margin) in which the instance with the most torrents is chosen;
//   at its end we send INQUIRE to it.
// - Seeing any TELL backs us off for `tell_backoff`: another scrape sync is
//   going on, so a collection round in progress is dropped and the next
//   beacon round decides again.
// - An INQUIRE for us is answered with TELL packets for every torrent, at
//   most once per `tell_backoff`.
// - A received TELL is merged (larger downloaded count wins); where we know
//   more, we tell back our larger counts.
// - At start, the first tick() sends INQUIRE with target 0 ("every instance"),
//   so a restarted member has the others' counts at once instead of answering
//   `downloaded 0` until its first beacon round. Every instance answers a
//   target-0 INQUIRE with its TELLs, at most once per start_answer_interval
//   (an instance of an older version ignores it: 0 is never an instance id).
// Thread: the livesync thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "common/clock.hpp"
#include "tracker/livesync/wire.hpp"

namespace aciswarm::livesync {

inline constexpr InstanceId inquire_everyone = 0;

struct ScrapeSyncConfig {
    std::chrono::milliseconds beacon_after{std::chrono::minutes(30)};
    std::chrono::milliseconds beacon_interval{std::chrono::minutes(5)};
    std::chrono::milliseconds inquire_wait{std::chrono::minutes(6)};
    std::chrono::milliseconds tell_backoff{std::chrono::minutes(5)};
    // Shortest time between two answers to start inquires (capped by tell_backoff).
    std::chrono::milliseconds start_answer_interval{std::chrono::seconds(10)};
};

class ScrapeSync {
  public:
    enum class State { idle, collecting };

    struct Actions {
        std::optional<Beacon> beacon;    // send this beacon
        std::optional<Inquire> inquire;  // send this inquire
    };

    ScrapeSync(ScrapeSyncConfig config, InstanceId self, const Clock& clock);

    // Call on every loop turn; own_torrents is only read when a beacon is due.
    Actions tick(std::uint64_t own_torrents);
    void on_beacon(InstanceId sender, const Beacon& beacon, std::uint64_t own_torrents);
    // Returns whether to answer with a full set of TELLs.
    bool on_inquire(InstanceId sender, const Inquire& inquire);
    void on_tell(InstanceId sender);

    // The next time tick() has something to do.
    Clock::SteadyTime next_deadline() const;
    State state() const { return state_; }
    std::optional<InstanceId> candidate() const {
        return state_ == State::collecting ? std::optional(best_) : std::nullopt;
    }

  private:
    ScrapeSyncConfig config_;
    InstanceId self_;
    const Clock& clock_;
    Clock::SteadyTime next_beacon_;
    std::optional<Clock::SteadyTime> backoff_until_;
    std::optional<Clock::SteadyTime> last_answer_;
    std::optional<Clock::SteadyTime> last_start_answer_;
    bool start_inquire_sent_ = false;
    State state_ = State::idle;
    Clock::SteadyTime decide_at_{};
    InstanceId best_ = 0;
    std::uint64_t best_count_ = 0;
};

}  // namespace aciswarm::livesync
