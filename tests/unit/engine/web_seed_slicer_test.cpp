// WebSeedSlicer: which pieces a node takes from the web seed (web_seed_slicer.hpp).
#include "agent/engine/web_seed_slicer.hpp"

#include <gtest/gtest.h>

#include <set>

#include <cstdint>
#include <vector>

using namespace aciswarm::engine;

namespace {

using S = PieceState;

std::vector<PieceState> all(int n, PieceState s) {
    return std::vector<PieceState>(static_cast<std::size_t>(n), s);
}

void mark(std::vector<PieceState>& pieces, const PieceRun& run, PieceState s) {
    for (int i = run.first; i < run.first + run.count; ++i)
        pieces[i] = s;
}

}  // namespace

TEST(WebSeedSlicer, AloneItStartsAtItsHintAndWalksTheWholeFileOnce) {
    WebSeedSlicer slicer(10, 4, 7);
    auto pieces = all(10, S::missing);
    std::vector<PieceRun> runs;
    while (auto run = slicer.next(pieces)) {
        runs.push_back(*run);
        mark(pieces, *run, S::ours);
        ASSERT_LE(runs.size(), 10u);
    }
    // From piece 7, never across the end of the file, then from piece 0.
    const std::vector<PieceRun> expected{{7, 3}, {0, 4}, {4, 3}};
    EXPECT_EQ(runs, expected);
    EXPECT_EQ(pieces, all(10, S::ours));
}

TEST(WebSeedSlicer, ItStopsAtAPeersPieceAndTakesHalfOfTheLongestMissingRun) {
    WebSeedSlicer slicer(100, 2, 0);
    auto pieces = all(100, S::missing);
    ASSERT_EQ(slicer.next(pieces), (PieceRun{0, 2}));
    mark(pieces, {0, 2}, S::ours);
    // Another node started at 2 and has piece 2; a third one walks from 40.
    pieces[2] = S::at_a_peer;
    mark(pieces, {40, 4}, S::at_a_peer);
    const auto run = slicer.next(pieces);
    ASSERT_TRUE(run);
    // The longest missing run is 44..99 (56 pieces): skip its first 2 (in flight at
    // its walker), then about the middle of the other 54 (jitter ±13).
    EXPECT_GE(run->first, 44 + 2 + 27 - 13);
    EXPECT_LE(run->first, 44 + 2 + 27 + 13);
    EXPECT_EQ(run->count, 2);
}

TEST(WebSeedSlicer, ShortRunsAreLeftToTheirWalkersUntilTheyStopShrinking) {
    WebSeedSlicer slicer(100, 4, 3);
    auto pieces = all(100, S::at_a_peer);
    EXPECT_FALSE(slicer.next(pieces));  // every piece is in the swarm
    mark(pieces, {5, 16}, S::missing);  // 4 requests long: its walker's
    mark(pieces, {40, 3}, S::missing);
    for (int call = 0; call < 8; ++call)
        EXPECT_FALSE(slicer.next(pieces)) << call;
    // A walker makes progress: still theirs.
    pieces[5] = S::at_a_peer;
    for (int call = 0; call < 8; ++call)
        EXPECT_FALSE(slicer.next(pieces)) << call;
    // Nothing changes for a while (8 to 16 more calls): nobody walks them.
    std::optional<PieceRun> run;
    for (int call = 0; call < 17 && !run; ++call)
        run = slicer.next(pieces);
    // From a random piece of the longest run (nodes seeing the same stall part).
    ASSERT_TRUE(run);
    EXPECT_TRUE(run->first >= 6 && run->first + run->count <= 21 && run->count >= 1) << run->first;
}

TEST(WebSeedSlicer, TwoWalkersThatMeetPart) {
    WebSeedSlicer slicer(100, 2, 10);
    auto pieces = all(100, S::missing);
    ASSERT_EQ(slicer.next(pieces), (PieceRun{10, 2}));
    // Another node announced piece 11 before this one did: it walks here too.
    pieces[10] = S::ours;
    pieces[11] = S::at_a_peer;
    pieces[0] = S::at_a_peer;  // and a third one started at 0
    const auto run = slicer.next(pieces);
    ASSERT_TRUE(run);
    EXPECT_NE(run->first, 12);  // not on: away into the longest missing run, 12..99
    EXPECT_GE(run->first, 12 + 2 + 43 - 21);
    EXPECT_LE(run->first, 12 + 2 + 43 + 21);
}

TEST(WebSeedSlicer, AloneWithHolesItTakesEveryMissingRun) {
    WebSeedSlicer slicer(12, 4, 0);
    auto pieces = all(12, S::ours);
    pieces[3] = S::missing;  // e.g. a piece that failed its check
    mark(pieces, {8, 2}, S::missing);
    EXPECT_EQ(slicer.next(pieces), (PieceRun{8, 2}));
    mark(pieces, {8, 2}, S::ours);
    EXPECT_EQ(slicer.next(pieces), (PieceRun{3, 1}));
    pieces[3] = S::ours;
    EXPECT_FALSE(slicer.next(pieces));
}

TEST(WebSeedSlicer, AViewOfTheWrongSizeGivesNothing) {
    WebSeedSlicer slicer(12, 4, 0);
    EXPECT_FALSE(slicer.next(all(11, S::missing)));
}

// N nodes; in each round a random half of them asks for a run, and what a node
// fetched is seen by the others from the next round on (a run a peer also has
// before this node's own check: a collision, reported as at_a_peer, as the
// engine's snapshot does). Returns how often each piece was fetched.
std::vector<int> simulate_eight_nodes(bool with_shares) {
    constexpr int pieces_n = 512, nodes = 8, max_run = 8;
    std::uint64_t lcg = 12345;
    const auto random = [&lcg] {
        lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
        return lcg >> 33;
    };
    std::vector<WebSeedSlicer> slicers;
    for (int n = 0; n < nodes; ++n)
        slicers.emplace_back(pieces_n, max_run, random() << 20 | random());
    std::vector<std::vector<bool>> has(nodes, std::vector<bool>(pieces_n, false));
    std::vector<std::optional<PieceRun>> last(nodes);
    std::vector<int> fetched(pieces_n, 0);
    const auto at_another = [&](int n, int i) {
        for (int m = 0; m < nodes; ++m)
            if (m != n && has[m][i]) return true;
        return false;
    };
    for (int round = 0; round < 800; ++round) {
        std::vector<std::optional<PieceRun>> runs(nodes);
        for (int n = 0; n < nodes; ++n) {
            if (random() % 2 == 0) continue;
            auto view = all(pieces_n, S::missing);
            for (int i = 0; i < pieces_n; ++i) {
                const bool in_last =
                    last[n] && i >= last[n]->first && i < last[n]->first + last[n]->count;
                if (has[n][i] && !(in_last && at_another(n, i))) {
                    view[i] = S::ours;
                } else if (has[n][i] || at_another(n, i)) {
                    view[i] = S::at_a_peer;
                }
            }
            std::optional<PieceRun> share;
            if (with_shares) share = piece_share(n, nodes, pieces_n);
            runs[n] = last[n] = slicers[n].next(view, share);
        }
        for (int n = 0; n < nodes; ++n) {
            if (!runs[n]) continue;
            for (int i = runs[n]->first; i < runs[n]->first + runs[n]->count; ++i) {
                has[n][i] = true;
                ++fetched[i];
            }
        }
    }
    return fetched;
}

// Every piece reaches the swarm, and few twice.
TEST(WebSeedSlicer, EightNodesFetchTheFileAboutOnce) {
    const auto fetched = simulate_eight_nodes(false);
    int total = 0;
    for (std::size_t i = 0; i < fetched.size(); ++i) {
        EXPECT_GE(fetched[i], 1) << "piece " << i;
        total += fetched[i];
    }
    EXPECT_LE(total, 512 * 106 / 100);  // 536 (4.7 % twice) with these starts
}

// With piece shares no walkers meet: every piece is fetched exactly once.
TEST(WebSeedSlicer, EightNodesWithSharesFetchEveryPieceOnce) {
    const auto fetched = simulate_eight_nodes(true);
    for (std::size_t i = 0; i < fetched.size(); ++i)
        EXPECT_EQ(fetched[i], 1) << "piece " << i;
}

TEST(WebSeedSlicer, WithAShareItWalksTheShareFirstAndNotPastItsEnd) {
    WebSeedSlicer slicer(100, 4, 77);
    auto pieces = all(100, S::missing);
    pieces[21] = S::at_a_peer;  // a peer got one from elsewhere: skipped
    const PieceRun share{20, 10};
    std::vector<PieceRun> runs;
    while (auto run = slicer.next(pieces, share)) {
        if (!share.contains(run->first)) break;
        runs.push_back(*run);
        mark(pieces, *run, S::ours);
    }
    const std::vector<PieceRun> expected{{20, 1}, {22, 4}, {26, 4}};
    EXPECT_EQ(runs, expected);
}

TEST(WebSeedSlicer, AfterItsShareItTakesOthersPiecesOnlyOnceTheyStopComing) {
    WebSeedSlicer slicer(100, 4, 3);
    auto pieces = all(100, S::at_a_peer);
    mark(pieces, {0, 10}, S::ours);      // its share, done
    mark(pieces, {60, 30}, S::missing);  // a long run: another node's share
    for (int call = 0; call < 15; ++call) {
        EXPECT_FALSE(slicer.next(pieces, PieceRun{0, 10})) << call;
        if (call % 4 == 0) pieces[60 + call / 4] = S::at_a_peer;  // its owner fetches
    }
    // The owner stops (it left): after 16 to 24 still calls the node walks the
    // run to its end, one request after the other.
    std::optional<PieceRun> run;
    for (int call = 0; call < 25 && !run; ++call)
        run = slicer.next(pieces, PieceRun{0, 10});
    ASSERT_TRUE(run);
    EXPECT_TRUE(run->first >= 64 && run->first < 90 && run->count >= 1) << run->first;
    EXPECT_EQ(run->count, std::min(4, 90 - run->first));
    mark(pieces, *run, S::ours);
    const int next = run->first + run->count;
    // It walks on, one request after the other (the run's end: nothing after it).
    const std::optional<PieceRun> walk_on =
        next < 90 ? std::optional<PieceRun>(PieceRun{next, std::min(4, 90 - next)}) : std::nullopt;
    EXPECT_EQ(slicer.next(pieces, PieceRun{0, 10}), walk_on);
}

TEST(WebSeedSlicer, AfterItsShareAloneItWalksTheRestAtOnce) {
    WebSeedSlicer slicer(20, 4, 3);
    auto pieces = all(20, S::missing);
    mark(pieces, {0, 10}, S::ours);  // its share; no peer has anything
    EXPECT_EQ(slicer.next(pieces, PieceRun{0, 10}), (PieceRun{10, 4}));
}

// Issue 16 (16 nodes, web seed only): an owner's 1 MiB request took ~7 s, so a run
// that did not shrink for 2–6 s was still being fetched; set_stall_calls waits longer.
TEST(WebSeedSlicer, ALongerStallWindowLeavesSlowOwnersTheirRuns) {
    WebSeedSlicer slicer(100, 4, 3);
    slicer.set_stall_calls(60);  // twice a 7.5 s request at one call per 250 ms
    auto pieces = all(100, S::at_a_peer);
    mark(pieces, {0, 10}, S::ours);      // its share, done
    mark(pieces, {60, 12}, S::missing);  // another node's, on its way
    for (int call = 0; call < 29; ++call)
        EXPECT_FALSE(slicer.next(pieces, PieceRun{0, 10})) << call;
    // Still unchanged after 30 to 90 calls: nobody fetches it.
    std::optional<PieceRun> run;
    for (int call = 0; call < 62 && !run; ++call)
        run = slicer.next(pieces, PieceRun{0, 10});
    ASSERT_TRUE(run);
    EXPECT_TRUE(run->first >= 60 && run->first < 72 && run->count >= 1) << run->first;
}

TEST(WebSeedSlicer, NodesThatSeeTheSameStallTakeItOverAtDifferentPieces) {
    std::set<int> starts;
    for (std::uint64_t hint = 1; hint <= 8; ++hint) {
        WebSeedSlicer slicer(100, 4, hint);
        auto pieces = all(100, S::at_a_peer);
        mark(pieces, {0, 10}, S::ours);
        mark(pieces, {60, 16}, S::missing);
        std::optional<PieceRun> run;
        for (int call = 0; call < 25 && !run; ++call)
            run = slicer.next(pieces, PieceRun{0, 10});
        ASSERT_TRUE(run) << hint;
        starts.insert(run->first);
    }
    EXPECT_GE(starts.size(), 4u);  // 8 nodes: not all at piece 60
}
