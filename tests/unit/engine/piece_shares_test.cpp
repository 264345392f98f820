// PieceShares: each downloader's own share of the pieces, without a coordinator
// (piece_shares.hpp).
#include "agent/engine/piece_shares.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <vector>

using namespace aciswarm::engine;

namespace {

using Action = PieceShares::Action;

auto have_none = [](int) { return false; };

}  // namespace

TEST(PieceShares, SharesOfOneSplitCoverEveryPieceOnce) {
    for (const int members : {1, 2, 3, 7, 9, 17}) {
        for (const int pieces : {1, 5, 512, 513}) {
            std::vector<int> seen(static_cast<std::size_t>(pieces), 0);
            for (int rank = 0; rank < members; ++rank) {
                const PieceRun s = piece_share(rank, members, pieces);
                for (int i = s.first; i < s.first + s.count; ++i)
                    ++seen[static_cast<std::size_t>(i)];
            }
            for (int i = 0; i < pieces; ++i)
                ASSERT_EQ(seen[static_cast<std::size_t>(i)], 1) << members << "/" << pieces;
        }
    }
    EXPECT_EQ(piece_share(1, 3, 9), (PieceRun{3, 3}));
    EXPECT_EQ(piece_share(0, 0, 9), (PieceRun{}));
}

TEST(PieceShares, NineNodesTakeDisjointSharesFromTheSameKeys) {
    const std::vector<std::uint64_t> keys{90, 10, 50, 70, 30, 20, 80, 60, 40};
    std::set<int> firsts;
    int covered = 0;
    for (const std::uint64_t own : keys) {
        PieceShares shares(own, 512);
        // Each node sees the others (and, through PEX or a reconnect, itself and a
        // duplicate): those do not count twice.
        std::vector<std::uint64_t> seen = keys;
        seen.push_back(keys[0]);
        ASSERT_EQ(shares.observe(seen, have_none), Action::apply);
        ASSERT_TRUE(shares.share());
        EXPECT_EQ(shares.members(), 9);
        EXPECT_EQ(shares.rank(), static_cast<int>(own / 10) - 1);
        firsts.insert(shares.share()->first);
        covered += shares.share()->count;
    }
    EXPECT_EQ(firsts.size(), 9u);
    EXPECT_EQ(covered, 512);
}

TEST(PieceShares, AloneThereIsNoShare) {
    PieceShares shares(5, 100);
    EXPECT_EQ(shares.observe({}, have_none), Action::none);
    EXPECT_EQ(shares.observe({0, 5}, have_none), Action::none);  // no key, own key
    EXPECT_FALSE(shares.share());
}

TEST(PieceShares, TheShareFollowsTheDownloadersAndIsAppliedOnlyWhenItChanges) {
    PieceShares shares(20, 100);
    ASSERT_EQ(shares.observe({10}, have_none), Action::apply);
    EXPECT_EQ(shares.share(), (PieceRun{50, 50}));
    EXPECT_EQ(shares.observe({10}, have_none), Action::none);
    ASSERT_EQ(shares.observe({10, 30, 40}, have_none), Action::apply);
    EXPECT_EQ(shares.share(), (PieceRun{25, 25}));
    // The others finish (seeds are not downloaders): the last share stays.
    EXPECT_EQ(shares.observe({}, have_none), Action::none);
    EXPECT_EQ(shares.share(), (PieceRun{25, 25}));
}

TEST(PieceShares, ACompleteShareIsReleasedForGood) {
    PieceShares shares(20, 100);
    std::set<int> have;
    const auto has = [&](int i) { return have.count(i) != 0; };
    ASSERT_EQ(shares.observe({10}, has), Action::apply);
    for (int i = 50; i < 99; ++i)
        have.insert(i);
    EXPECT_EQ(shares.observe({10}, has), Action::none);  // one piece short
    have.insert(99);
    EXPECT_EQ(shares.observe({10}, has), Action::release);
    EXPECT_TRUE(shares.released());
    EXPECT_FALSE(shares.share());
    // A new split later gives no new share: the node stays on rarest first.
    EXPECT_EQ(shares.observe({10, 30, 40}, has), Action::none);
    EXPECT_FALSE(shares.share());
}
