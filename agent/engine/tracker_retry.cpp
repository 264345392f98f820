#include "agent/engine/tracker_retry.hpp"

namespace aciswarm::engine {

std::optional<std::chrono::seconds> early_reannounce_after(std::string_view failure_reason,
                                                           int times_in_row) {
    // aciswarm-tracker's text (tracker/core/tracker.cpp, AnnounceStatus::
    // not_tracked); the unit test pins the two together.
    constexpr std::string_view not_tracked = "not tracked here";
    if (failure_reason.find(not_tracked) == std::string_view::npos) return std::nullopt;
    if (times_in_row < 1 || times_in_row > max_early_tracker_retries) return std::nullopt;
    return early_tracker_retry_delay;
}

}  // namespace aciswarm::engine
