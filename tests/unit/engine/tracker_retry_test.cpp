// The engine announces again 2 s after aciswarm-tracker says a torrent is not
// tracked here (its --dir rescan has not listed a new torrent yet), a few
// times in a row; every other refusal keeps libtorrent's back-off.
#include "agent/engine/tracker_retry.hpp"

#include <gtest/gtest.h>

#include "tracker/core/types.hpp"

using namespace aciswarm;
using namespace aciswarm::engine;
using namespace std::chrono_literals;

TEST(TrackerRetry, OurTrackersNotTrackedReplyIsAskedAgainSoon) {
    const std::string_view reason =
        tracker::announce_status_message(tracker::AnnounceStatus::not_tracked);
    EXPECT_EQ(early_reannounce_after(reason, 1), 2s);
    EXPECT_EQ(early_reannounce_after(reason, max_early_tracker_retries), 2s);
}

TEST(TrackerRetry, GivesUpAfterAFewRefusalsInARow) {
    const std::string_view reason =
        tracker::announce_status_message(tracker::AnnounceStatus::not_tracked);
    EXPECT_EQ(early_reannounce_after(reason, max_early_tracker_retries + 1), std::nullopt);
    EXPECT_EQ(early_reannounce_after(reason, 100), std::nullopt);
    EXPECT_EQ(early_reannounce_after(reason, 0), std::nullopt);
}

TEST(TrackerRetry, OtherRefusalsKeepLibtorrentsBackOff) {
    for (auto status :
         {tracker::AnnounceStatus::torrent_limit, tracker::AnnounceStatus::swarm_full}) {
        EXPECT_EQ(early_reannounce_after(tracker::announce_status_message(status), 1), std::nullopt)
            << tracker::announce_status_message(status);
    }
    EXPECT_EQ(early_reannounce_after("invalid passkey", 1), std::nullopt);
    EXPECT_EQ(early_reannounce_after("", 1), std::nullopt);
}
