#include "tracker/state/journal.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace aciswarm::tracker::state {
namespace {

InfoHash hash_of(std::uint8_t b) {
    std::array<std::uint8_t, 20> bytes{};
    bytes.fill(b);
    return InfoHash(bytes);
}

TEST(StateJournal, KeepsOneRecordPerTorrentWithMaxCountsAndSeenRange) {
    StateJournal journal;
    for (std::uint64_t i = 1; i <= 1000; ++i)
        journal.completed(hash_of(1), i, 100 + static_cast<std::int64_t>(i));
    journal.seen(hash_of(1), 50);
    journal.completed(hash_of(1), 3, 2000);  // an older total arriving late never lowers it
    journal.seen(hash_of(2), 70);
    EXPECT_EQ(journal.pending(), 2u);

    auto batch = journal.take();
    std::sort(batch.begin(), batch.end(),
              [](const auto& a, const auto& b) { return a.info_hash < b.info_hash; });
    ASSERT_EQ(batch.size(), 2u);
    EXPECT_EQ(batch[0], (TorrentState{hash_of(1), 1000, 50, 2000}));
    EXPECT_EQ(batch[1], (TorrentState{hash_of(2), 0, 70, 70}));
    EXPECT_EQ(journal.pending(), 0u);
    EXPECT_TRUE(journal.take().empty());
}

TEST(StateJournal, RestoreMergesWithNewerChanges) {
    StateJournal journal;
    journal.completed(hash_of(1), 5, 10);
    auto batch = journal.take();
    journal.completed(hash_of(1), 7, 20);  // arrives while the batch is being written
    journal.restore(batch);                // the write failed
    auto again = journal.take();
    ASSERT_EQ(again.size(), 1u);
    EXPECT_EQ(again[0], (TorrentState{hash_of(1), 7, 10, 20}));
}

TEST(MergeInto, UnknownFirstSeenDoesNotErase) {
    TorrentState t{hash_of(1), 4, 30, 40};
    merge_into(t, TorrentState{hash_of(1), 2, 0, 0});
    EXPECT_EQ(t, (TorrentState{hash_of(1), 4, 30, 40}));
    merge_into(t, TorrentState{hash_of(1), 9, 20, 35});
    EXPECT_EQ(t, (TorrentState{hash_of(1), 9, 20, 40}));
}

}  // namespace
}  // namespace aciswarm::tracker::state
