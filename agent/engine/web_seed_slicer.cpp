#include "agent/engine/web_seed_slicer.hpp"

#include <algorithm>

namespace aciswarm::engine {

WebSeedSlicer::WebSeedSlicer(int num_pieces, int max_run, std::uint64_t start_hint)
    : num_pieces_(std::max(1, num_pieces)), max_run_(std::max(1, max_run)), hint_(start_hint) {}

std::optional<PieceRun> WebSeedSlicer::next(const std::vector<PieceState>& pieces,
                                            std::optional<PieceRun> share) {
    if (static_cast<int>(pieces.size()) != num_pieces_) return std::nullopt;
    const bool with_share = share && share->first >= 0 && share->count > 0 &&
                            share->first + share->count <= num_pieces_;
    if (with_share != share_mode_) {
        // A walk means nothing in the other mode: start afresh.
        share_mode_ = with_share;
        cursor_.reset();
        last_run_.reset();
    }
    if (with_share) return next_in_share(pieces, *share);
    // A piece of the last run at a peer before this node announced it: another
    // node fetched the same run (two walkers met). The one that sees it leaves.
    if (last_run_) {
        for (int i = last_run_->first; i < last_run_->first + last_run_->count; ++i)
            if (pieces[i] == PieceState::at_a_peer) cursor_.reset();
    }
    std::optional<int> first;
    if (cursor_ && pieces[*cursor_] == PieceState::missing) {
        first = cursor_;
    } else {
        first = jump_target(pieces);
    }
    if (!first) {
        cursor_.reset();
        last_run_.reset();
        return std::nullopt;
    }
    const PieceRun run = run_from(*first, pieces, num_pieces_);
    cursor_ = (run.first + run.count) % num_pieces_;
    last_run_ = run;
    return run;
}

std::optional<PieceRun> WebSeedSlicer::next_in_share(const std::vector<PieceState>& pieces,
                                                     const PieceRun& share) {
    const int end = share.first + share.count;
    for (int i = share.first; i < end; ++i) {
        if (pieces[i] == PieceState::missing) {
            cursor_.reset();
            idle_calls_ = 0;
            return run_from(i, pieces, end);
        }
    }
    // The share is here (or at peers): the rest is other nodes' shares, fetched
    // here only when nobody fetches them any more (or nobody has any piece: alone),
    // and then a whole run, walked to its end.
    if (!cursor_ || pieces[*cursor_] != PieceState::missing) {
        cursor_.reset();
        const PieceRun longest = longest_missing(pieces);
        if (longest.count == 0) return std::nullopt;
        const bool peers_have_some =
            std::find(pieces.begin(), pieces.end(), PieceState::at_a_peer) != pieces.end();
        if (!peers_have_some) {
            cursor_ = longest.first;
        } else {
            if (!stalled(pieces)) return std::nullopt;
            cursor_ = takeover_point(longest);
        }
    }
    const PieceRun run = run_from(*cursor_, pieces, num_pieces_);
    cursor_ = (run.first + run.count) % num_pieces_;
    return run;
}

bool WebSeedSlicer::stalled(const std::vector<PieceState>& pieces) {
    const auto missing = std::count(pieces.begin(), pieces.end(), PieceState::missing);
    idle_calls_ = missing == idle_missing_ ? idle_calls_ + 1 : 0;
    idle_missing_ = missing;
    const int calls = std::max(16, stall_calls_);
    if (idle_calls_ < calls + jitter(calls / 2)) return false;
    idle_calls_ = 0;
    return true;
}

PieceRun WebSeedSlicer::longest_missing(const std::vector<PieceState>& pieces) const {
    const auto held = std::find_if(pieces.begin(), pieces.end(),
                                   [](PieceState s) { return s != PieceState::missing; });
    if (held == pieces.end()) return {0, num_pieces_};
    // Scanning from a held piece, so that no run wraps past the scan's start.
    const int origin = static_cast<int>(held - pieces.begin());
    PieceRun best;
    int start = 0, len = 0;
    for (int k = 1; k <= num_pieces_; ++k) {
        const int i = (origin + k) % num_pieces_;
        if (pieces[i] == PieceState::missing) {
            if (len++ == 0) start = i;
            if (len > best.count) best = {start, len};
        } else {
            len = 0;
        }
    }
    return best;
}

std::optional<int> WebSeedSlicer::jump_target(const std::vector<PieceState>& pieces) {
    const bool none_held = std::all_of(pieces.begin(), pieces.end(),
                                       [](PieceState s) { return s == PieceState::missing; });
    if (none_held) return static_cast<int>(hint_ % num_pieces_);
    const bool peers_have_some =
        std::find(pieces.begin(), pieces.end(), PieceState::at_a_peer) != pieces.end();
    const PieceRun longest = longest_missing(pieces);
    if (longest.count == 0) return std::nullopt;
    // Alone (no peer has a piece): every missing run is this node's, in order.
    if (!peers_have_some) return longest.first;
    // Short runs are left to the nodes walking them (their first max_run pieces
    // are in flight there), unless the missing pieces stopped shrinking: then
    // nobody walks them (a walker left), and this node takes one after a while.
    if (longest.count <= 4 * max_run_) {
        if (!stalled(pieces)) return std::nullopt;
        return takeover_point(longest);
    }
    idle_calls_ = 0;
    const int rest = longest.count - max_run_;
    const int offset =
        std::clamp(max_run_ + rest / 2 + jitter(rest / 4), max_run_, longest.count - 1);
    return (longest.first + offset) % num_pieces_;
}

int WebSeedSlicer::takeover_point(const PieceRun& run) {
    if (run.count <= 1) return run.first;
    return (run.first + (jitter(run.count) + run.count) % run.count) % num_pieces_;
}

PieceRun WebSeedSlicer::run_from(int first, const std::vector<PieceState>& pieces, int end) const {
    int count = 0;
    while (count < max_run_ && first + count < end && pieces[first + count] == PieceState::missing)
        ++count;
    return {first, count};
}

// A number in [-span, span] from the hint (splitmix64), different at each call.
int WebSeedSlicer::jitter(int span) {
    hint_ += 0x9e3779b97f4a7c15ULL;
    std::uint64_t z = hint_;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    if (span <= 0) return 0;
    return static_cast<int>(z % static_cast<std::uint64_t>(2 * span + 1)) - span;
}

}  // namespace aciswarm::engine
