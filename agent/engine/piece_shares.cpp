#include "agent/engine/piece_shares.hpp"

#include <algorithm>

namespace aciswarm::engine {

PieceRun piece_share(int rank, int members, int num_pieces) {
    if (members <= 0 || num_pieces <= 0) return {};
    const auto at = [&](int r) {
        return static_cast<int>(static_cast<std::int64_t>(r) * num_pieces / members);
    };
    const int first = at(rank);
    return {first, at(rank + 1) - first};
}

PieceShares::Action PieceShares::observe(const std::vector<std::uint64_t>& peer_keys,
                                         const std::function<bool(int)>& have) {
    if (released_ || num_pieces_ <= 0) return Action::none;
    std::vector<std::uint64_t> keys;
    keys.reserve(peer_keys.size() + 1);
    for (const std::uint64_t k : peer_keys)
        if (k != 0 && k != own_key_) keys.push_back(k);
    keys.push_back(own_key_);
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    const int members = static_cast<int>(keys.size());
    const int rank = static_cast<int>(std::find(keys.begin(), keys.end(), own_key_) - keys.begin());
    // Alone: no share (yet); a share once given stays until the next split.
    if (members < 2 && !share_) return Action::none;
    bool changed = false;
    if (members >= 2 && (!share_ || members != members_ || rank != rank_)) {
        share_ = piece_share(rank, members, num_pieces_);
        members_ = members;
        rank_ = rank;
        changed = true;
    }
    bool complete = true;
    for (int i = share_->first; i < share_->first + share_->count && complete; ++i)
        complete = have(i);
    if (complete) {
        released_ = true;
        return Action::release;
    }
    return changed ? Action::apply : Action::none;
}

}  // namespace aciswarm::engine
