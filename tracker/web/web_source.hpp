// The narrow interface the web pages read the tracker through. The tracker
// process implements it over Tracker, the whitelist, livesync and RateHistory;
// tests implement it over fixed values.
//
// Thread-safety: called from HTTP worker threads, concurrently; implementations
// copy what they return (no references into locked state escape).
#pragma once

#include <optional>
#include <vector>

#include "tracker/web/snapshot.hpp"

namespace aciswarm::tracker::web {

class WebSource {
  public:
    virtual ~WebSource() = default;
    virtual Totals totals() const = 0;
    virtual std::vector<SwarmRow> swarms() const = 0;
    // Peers only when `with_peers`; nullopt for an unknown info hash.
    virtual std::optional<SwarmDetail> swarm(const InfoHash& hash, bool with_peers) const = 0;
    virtual ClusterView cluster() const = 0;
    virtual std::vector<RateSample> history() const = 0;
};

}  // namespace aciswarm::tracker::web
