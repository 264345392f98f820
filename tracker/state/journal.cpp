#include "tracker/state/journal.hpp"

#include <algorithm>

namespace aciswarm::tracker::state {

void merge_into(TorrentState& into, const TorrentState& update) {
    into.completed = std::max(into.completed, update.completed);
    if (update.first_seen != 0 && (into.first_seen == 0 || update.first_seen < into.first_seen)) {
        into.first_seen = update.first_seen;
    }
    into.last_seen = std::max(into.last_seen, update.last_seen);
}

void StateJournal::completed(const InfoHash& hash, std::uint64_t completed, std::int64_t now_unix) {
    note(TorrentState{hash, completed, now_unix, now_unix});
}

void StateJournal::seen(const InfoHash& hash, std::int64_t now_unix) {
    note(TorrentState{hash, 0, now_unix, now_unix});
}

void StateJournal::note(const TorrentState& update) {
    std::lock_guard lock(mutex_);
    auto [it, inserted] = pending_.try_emplace(update.info_hash, update);
    if (!inserted) merge_into(it->second, update);
}

std::vector<TorrentState> StateJournal::take() {
    std::unordered_map<InfoHash, TorrentState> taken;
    {
        std::lock_guard lock(mutex_);
        taken.swap(pending_);
    }
    std::vector<TorrentState> batch;
    batch.reserve(taken.size());
    for (auto& [hash, record] : taken)
        batch.push_back(record);
    return batch;
}

void StateJournal::restore(const std::vector<TorrentState>& batch) {
    for (const TorrentState& record : batch)
        note(record);
}

std::size_t StateJournal::pending() const {
    std::lock_guard lock(mutex_);
    return pending_.size();
}

}  // namespace aciswarm::tracker::state
