#pragma once
// When a download's web seeds (BEP 19 url seeds: the registry's HTTPS .aci)
// join it. libtorrent 2.0.8 connects every web seed at once and asks it for
// long contiguous ranges, so N nodes pulling one image stream N overlapping
// copies from the registry while the swarm could have spread one
// (docs/engine.md, "Web seeds: the origin of last resort"). With the gate, a
// download starts on peers only; its web seeds are added when the swarm does
// not deliver: no payload byte from any peer for `delay` since the download
// started or since the last peer byte (no peers, no seed, a stalled swarm).
// Once open the gate stays open: the web seed is what guarantees completion.
//
// Pure logic over snapshots, no libtorrent and no clock of its own, so it can
// be unit-tested with a ManualClock. Owned by the engine's alert thread.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "common/clock.hpp"

namespace aciswarm::engine {

class WebSeedGate {
  public:
    explicit WebSeedGate(std::chrono::milliseconds delay) : delay_(delay) {}

    // One snapshot of a download: the payload bytes received from peers so
    // far (monotonic). Returns true once, the first time the web seeds should
    // be added; false before and after.
    bool observe(Clock::SteadyTime now, std::int64_t bytes_from_peers);

    bool open() const { return open_; }
    // Why it opened ("no peer sent a byte for 3 s"); empty while closed.
    const std::string& reason() const { return reason_; }

  private:
    std::chrono::milliseconds delay_;
    bool open_ = false;
    std::string reason_;
    std::optional<Clock::SteadyTime> last_progress_;  // first snapshot, or last new peer byte
    std::int64_t last_bytes_ = 0;
};

}  // namespace aciswarm::engine
