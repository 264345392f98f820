#pragma once
// When to announce again after a tracker refused an announce, sooner than
// libtorrent's own back-off (tracker_backoff: 30 s, growing with each failure).
//
// One refusal is expected to clear within seconds: aciswarm-tracker with
// --dir answers "info_hash is not tracked here" for a torrent written to its
// directory a moment ago (the origin's new blobs, a publish) until its
// --scan-watch rescan lists it. Waiting out libtorrent's back-off then sends a
// node to the web seed or upstream for half a minute. Every other failure
// (a full swarm, a wrong passkey, a tracker that is down) keeps libtorrent's
// back-off: retrying those early only adds load.
//
// Pure, so the rule is unit-tested; called on the engine's alert thread.
#include <chrono>
#include <optional>
#include <string_view>

namespace aciswarm::engine {

// How often in a row a "not tracked here" refusal is retried early.
inline constexpr int max_early_tracker_retries = 5;
// How long after such a refusal the engine announces again.
inline constexpr std::chrono::seconds early_tracker_retry_delay{2};

// failure_reason: the tracker's text (BEP 3 "failure reason"); times_in_row:
// libtorrent's count of consecutive failures for that tracker, this one
// included. nullopt: leave it to libtorrent's back-off.
std::optional<std::chrono::seconds> early_reannounce_after(std::string_view failure_reason,
                                                           int times_in_row);

}  // namespace aciswarm::engine
