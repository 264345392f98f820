// A zone leader's piece priorities (agent/engine/zone_leader_pieces.hpp): among the pieces
// it lacks, those nobody in its zone has first (top), then those its zone holds, graded by
// how many zone peers lack them. Pure: bitfields in, priorities out.
#include "agent/engine/zone_leader_pieces.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace aciswarm::engine;

namespace {

// "1" has the piece, "0" lacks it.
std::vector<bool> bits(const std::string& text) {
    std::vector<bool> out;
    for (char c : text)
        out.push_back(c == '1');
    return out;
}

}  // namespace

TEST(ZoneLeaderPieces, WithoutZonePeersEveryPieceKeepsTheDefault) {
    const LeaderPiecePlan plan = plan_leader_pieces(bits("0101"), {});
    EXPECT_TRUE(plan.priorities.empty());
    EXPECT_EQ(plan.only_the_leader, 0);
    EXPECT_EQ(plan.held_in_zone, 0);
}

TEST(ZoneLeaderPieces, WhatNobodyInTheZoneHasComesFirstThenByHowManyLackIt) {
    // Pieces: 0 the leader has; 1 nobody has; 2 held by all three zone peers; 3 held by
    // one of them (two lack it); 4 held by two (one lacks it); 5 nobody has.
    const LeaderPiecePlan plan =
        plan_leader_pieces(bits("100000"), {bits("001100"), bits("001010"), bits("001010")});
    ASSERT_EQ(plan.priorities.size(), 6u);
    EXPECT_EQ(plan.priorities[0], kLeaderDefaultPriority);  // had: libtorrent ignores it
    EXPECT_EQ(plan.priorities[1], kLeaderTopPriority);
    EXPECT_EQ(plan.priorities[5], kLeaderTopPriority);
    EXPECT_EQ(plan.priorities[2], 1);  // every zone peer holds it: lowest
    EXPECT_EQ(plan.priorities[3], 3);  // 2 of 3 lack it
    EXPECT_EQ(plan.priorities[4], 2);  // 1 of 3 lacks it
    EXPECT_GT(plan.priorities[3], plan.priorities[4]);
    EXPECT_LT(plan.priorities[3], kLeaderDefaultPriority);  // held in zone: below default
    EXPECT_EQ(plan.only_the_leader, 2);
    EXPECT_EQ(plan.held_in_zone, 3);
}

TEST(ZoneLeaderPieces, AShortOrMissingBitfieldLacksThePiecesPastItsEnd) {
    // A peer whose BITFIELD has not arrived (empty) holds nothing; a short one holds
    // only what it lists.
    const LeaderPiecePlan plan = plan_leader_pieces(bits("000"), {bits(""), bits("1")});
    ASSERT_EQ(plan.priorities.size(), 3u);
    EXPECT_EQ(plan.priorities[0], 2);  // held by one of two
    EXPECT_EQ(plan.priorities[1], kLeaderTopPriority);
    EXPECT_EQ(plan.priorities[2], kLeaderTopPriority);
}

TEST(ZoneLeaderPieces, AZoneSeedMakesEveryPieceHeldInTheZone) {
    // Zone 0 of the benchmark: the everseed is a zone peer and holds every piece, so no
    // piece is the leader's alone to import; the followers' gaps still grade them.
    const LeaderPiecePlan plan = plan_leader_pieces(bits("0000"), {bits("1111"), bits("1100")});
    EXPECT_EQ(plan.only_the_leader, 0);
    EXPECT_EQ(plan.held_in_zone, 4);
    EXPECT_EQ(plan.priorities[0], 1);
    EXPECT_EQ(plan.priorities[3], 2);
}
