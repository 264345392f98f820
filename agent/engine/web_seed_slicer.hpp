#pragma once
// Which pieces this node takes from the web seed (the registry's HTTPS file)
// next, so that N nodes pulling one image fetch each piece from the origin
// about once and trade the rest (docs/engine.md, "Web seed slices"). There is
// no coordinator: every node sees only which pieces its connected peers have
// (their bitfields and HAVE messages), so:
// - a node starts at a random piece (start_hint) and walks forward, a few
//   pieces per request, through pieces nobody has;
// - it stops walking at the first piece a peer has: from there on the file is
//   another node's slice (that node started there, so it fetched that piece
//   first). Random starts cut the file into one slice per node;
// - then it takes over half of the longest run of pieces nobody has, starting
//   near its middle and leaving the run's first `max_run` pieces alone (the
//   node walking that run is fetching them now), with some jitter so that two
//   nodes finishing together pick different points;
// - a run of its last request that a peer has before this node announced it
//   was fetched twice (two walkers met): the node that sees it jumps;
// - runs no longer than 4 requests are left to the nodes walking them; when
//   the missing pieces stop shrinking for a while (16 calls ± 8, or more after
//   set_stall_calls: nobody walks them, e.g. their walker left), it takes the
//   longest from a random piece of it (so that nodes seeing the same stall part);
// - when no connected peer has any piece (it is alone, or nobody has finished
//   a piece yet) every run of missing pieces is its own: it walks them in order;
// - nothing left but short runs that others are walking: nothing to do (the
//   swarm delivers the rest; the engine's last-resort web seed covers a stall).
// With a piece share (piece_shares.hpp: every downloader knows its own without
// a coordinator) the walks above give way to it: the node fetches the missing
// pieces of its share in order, and after that other missing pieces only when
// they stop shrinking (their owner left), so slices overlap only when a peer's
// HAVE arrives after this node asked for the same piece.
// Pure logic over snapshots of piece states: no libtorrent, no clock, no I/O.
// Owned by one slice fetcher thread (slice_fetcher.hpp).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "agent/engine/piece_shares.hpp"

namespace aciswarm::engine {

enum class PieceState : std::uint8_t {
    missing,    // neither this node nor any connected peer has it
    ours,       // this node has it
    at_a_peer,  // some connected peer has it (and this node does not)
};

class WebSeedSlicer {
  public:
    // num_pieces > 0; max_run ≥ 1: pieces per request; start_hint: any number, this
    // node's own (random), so that nodes start in different places.
    WebSeedSlicer(int num_pieces, int max_run, std::uint64_t start_hint);

    // The next run of missing pieces to fetch, or nullopt when there is none for
    // this node now. `pieces` has num_pieces entries; `share` is this node's piece
    // share, if it has one.
    std::optional<PieceRun> next(const std::vector<PieceState>& pieces,
                                 std::optional<PieceRun> share = std::nullopt);
    // How many calls without a change in the missing pieces mean "nobody fetches
    // them" (± half of it; at least 16). The caller makes one call per 250 ms when
    // idle, and sets about twice its own last request's duration: when 16 nodes
    // share the origin's uplink a 1 MiB request takes ~7 s, and an owner's pieces
    // appear only when its request completes, so a fixed 2–6 s took over runs that
    // were still being fetched, by many nodes at once (docs/engine.md).
    void set_stall_calls(int calls) { stall_calls_ = calls; }

  private:
    std::optional<int> jump_target(const std::vector<PieceState>& pieces);
    std::optional<PieceRun> next_in_share(const std::vector<PieceState>& pieces,
                                          const PieceRun& share);
    // Whether the count of missing pieces stayed the same for stall_calls_ ± half
    // (at least 16 ± 8) calls in a row (nobody fetches them); counts this call.
    bool stalled(const std::vector<PieceState>& pieces);
    // Where a node takes over a run that stopped shrinking: a random piece of it, not
    // its first, as every node with the same view sees the same run stall at about the
    // same time (seen at 16 nodes: 12 fetched the same 1 MiB within 6 s).
    int takeover_point(const PieceRun& run);
    // The longest circular run of missing pieces ({0, 0}: none).
    PieceRun longest_missing(const std::vector<PieceState>& pieces) const;
    // At most max_run missing pieces from `first`, not past `end`.
    PieceRun run_from(int first, const std::vector<PieceState>& pieces, int end) const;
    int jitter(int span);

    int num_pieces_;
    int max_run_;
    std::uint64_t hint_;
    std::optional<int> cursor_;         // where the walk goes on; nullopt: jump
    std::optional<PieceRun> last_run_;  // the run handed out last
    bool share_mode_ = false;           // the last call had a share
    std::ptrdiff_t idle_missing_ = -1;  // missing pieces at the last idle call
    int idle_calls_ = 0;                // idle calls since they last changed
    int stall_calls_ = 16;              // set_stall_calls
};

}  // namespace aciswarm::engine
