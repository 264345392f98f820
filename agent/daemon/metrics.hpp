// The fetch bookkeeping behind the agent's web page and /metrics: which fetches
// run (what they fetch, since when) and the totals of those that ended (bytes
// by source, hash failures, uploads, durations). The backend tells it when a
// fetch starts and when its worker ends; ended() counts each fetch once.
// Thread: owned by the daemon's loop thread (as the backend). Nothing survives
// a restart: the counters start at zero, as Prometheus counters may.
#pragma once

#include <map>
#include <string>

#include "agent/daemon/backend.hpp"
#include "agent/web/snapshot.hpp"
#include "common/clock.hpp"

namespace aciswarm::agent {

class FetchLedger {
  public:
    void started(FetchId id, std::string source, Clock::SteadyTime now);
    // A fetch that reached a final state (done or failed); later calls for the
    // same id, and ids never started, change nothing.
    void ended(FetchId id, const FetchState& state, Clock::SteadyTime now);
    // The running fetches (progress from `states`, by id) and the totals.
    web::FetchActivity activity(const std::map<FetchId, FetchState>& states,
                                Clock::SteadyTime now) const;

  private:
    struct Running {
        std::string source;
        Clock::SteadyTime since;
    };
    std::map<FetchId, Running> running_;
    web::TransferTotals totals_;
};

}  // namespace aciswarm::agent
