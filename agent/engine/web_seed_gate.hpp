#pragma once
// When a download's web seeds (BEP 19 url seeds: the registry's HTTPS .aci)
// take part in it. libtorrent 2.0.8 connects every web seed at once and asks
// it for long contiguous ranges, so N nodes pulling one image stream N
// overlapping copies from the registry while the swarm could have spread one
// (docs/engine.md, "Web seeds: the origin of last resort"). With the gate a
// download starts on peers only, and:
// - opens (web seeds added) when no payload byte came from any peer for
//   `delay`, since the download started or since the last peer byte: no
//   peers, no seed, a stalled swarm, or a seed that has not started sending
//   yet (libtorrent's super-seeding idles ~10 s per new peer);
// - closes again (web seeds removed) when, after at least `min_open`, the
//   swarm has a seed (the tracker counts one, or a known peer is one; never the
//   web seed itself) and peers delivered at least `close_bytes` within one
//   `delay` window: the swarm delivers, so the origin should not send the same
//   pieces over HTTPS too. `min_open` covers the start of a super-seeding seed
//   (libtorrent 2.0.8 offers a new peer its first piece only after ~10 s), when
//   the nodes trade web seed pieces among themselves and the seed sends nothing.
// A dead swarm (no tracker answer, no seed) never closes it: the web seed is
// what guarantees completion.
// With web seed slices it also opens at once, without the `delay` wait, when the
// tracker lists no seed, or when every seed the node knows of is a super-seeding
// aciswarm seed (only_super_seeds): such a seed sends nothing for ~10 s, so the
// wait would only idle the origin.
// A follower of a zone with leaders (docs/zones.md) is told its leaders' progress
// (note_leaders): while some leader made progress within `leader_timeout`, the gate
// stays shut, as the zone's copy comes through its leader and not from the origin;
// after that, the rules above apply, so a dead leader never stalls a zone.
//
// Pure logic over snapshots, no libtorrent and no clock of its own, so it can
// be unit-tested. Owned by the engine's alert thread.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "common/clock.hpp"

namespace aciswarm::engine {

// What a downloading node knows of its swarm's seeds.
struct SeedView {
    int tracker_complete = -1;  // the tracker's `complete`; -1 before it answered
    int listed_seeds = 0;       // peers in libtorrent's peer list known to be seeds
    // Distinct addresses of connected peers whose BEP 10 handshake said
    // `aciswarm_super_seed: 1` (their bitfield is empty by design: not listed seeds).
    int super_seeds = 0;
};

// Whether the tracker counts at least one seed and every seed it counts is a
// connected super-seeding aciswarm seed, with no other seed in the peer list (a node
// that finished would send at once, so the gate's ordinary wait applies then).
bool only_super_seeds(const SeedView& seeds);

class WebSeedGate {
  public:
    enum class Action { none, add, remove };

    WebSeedGate(std::chrono::milliseconds delay, std::chrono::milliseconds min_open,
                std::int64_t close_bytes,
                std::chrono::milliseconds leader_timeout = std::chrono::milliseconds(0))
        : delay_(delay),
          min_open_(min_open),
          close_bytes_(close_bytes),
          leader_timeout_(leader_timeout) {}

    // Before each observe: `leader_progress` counts what the follower's leaders did
    // (bytes they sent it, pieces they announced; any change is progress, so a new
    // leader starts a new wait); nullopt when the node is not a follower with leaders.
    void note_leaders(Clock::SteadyTime now, std::optional<std::int64_t> leader_progress);
    // Whether a leader made progress within leader_timeout (the gate then stays shut).
    bool waiting_for_leader(Clock::SteadyTime now) const;

    // One snapshot of a download: payload bytes received from peers so far
    // (monotonic) and whether the swarm has a seed. Returns what to do with the
    // web seeds now.
    Action observe(Clock::SteadyTime now, std::int64_t bytes_from_peers, bool swarm_has_seed);
    // The tracker answered that the swarm has no seed (and none is among the peers):
    // with web seed slices, which take only pieces no peer has, waiting `delay` for a
    // peer byte only idles the origin. Opens now (add), unless it is open or a follower
    // waits for its leaders (none).
    Action open_without_seed(Clock::SteadyTime now);
    // Every seed is a super-seeding aciswarm seed (only_super_seeds): it offers a new
    // peer its first piece only after ~10 s (docs/engine.md, "Why super-seeding idles
    // ~10 s"), so slices, which take only pieces no peer has, open now (add); as
    // open_without_seed otherwise. Only before the gate first opened: after it closed
    // (the seed delivered), a stall reopens it the ordinary way (observe).
    Action open_for_super_seeds(Clock::SteadyTime now, const SeedView& seeds);

    bool open() const { return open_; }
    // Why it last opened or closed ("no peer sent a byte in 3s"); empty at first.
    const std::string& reason() const { return reason_; }

  private:
    Action open_at_once(Clock::SteadyTime now, const std::string& why);

    std::chrono::milliseconds delay_;
    std::chrono::milliseconds min_open_;
    std::int64_t close_bytes_;
    std::chrono::milliseconds leader_timeout_;
    std::optional<Clock::SteadyTime> leader_progressed_;  // a follower with leaders only
    std::int64_t leader_progress_ = 0;
    Clock::SteadyTime opened_{};
    bool open_ = false;
    bool ever_opened_ = false;
    std::string reason_;
    std::optional<Clock::SteadyTime> last_progress_;  // first snapshot, or last new peer byte
    std::int64_t last_bytes_ = 0;
    Clock::SteadyTime window_start_{};  // while open: the current delay-long window
    std::int64_t window_bytes_ = 0;     // peer bytes at window_start_
};

}  // namespace aciswarm::engine
