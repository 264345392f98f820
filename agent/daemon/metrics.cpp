#include "agent/daemon/metrics.hpp"

#include <algorithm>
#include <chrono>

namespace aciswarm::agent {
namespace {

// Progress counts are signed (-1: unknown); the page shows 0 for those.
std::uint64_t non_negative(std::int64_t n) {
    return static_cast<std::uint64_t>(std::max<std::int64_t>(0, n));
}

double seconds_between(Clock::SteadyTime from, Clock::SteadyTime to) {
    return std::chrono::duration<double>(to - from).count();
}

}  // namespace

void FetchLedger::started(FetchId id, std::string source, Clock::SteadyTime now) {
    running_[id] = {std::move(source), now};
}

void FetchLedger::ended(FetchId id, const FetchState& state, Clock::SteadyTime now) {
    auto it = running_.find(id);
    if (it == running_.end() || state.state == FetchState::State::running) return;
    const fetch::FetchProgress& p = state.progress;
    web::TransferTotals& t = totals_;
    // Bytes count whether the fetch succeeded or not: they crossed the network.
    const std::uint64_t peers = non_negative(p.from_peers);
    const std::uint64_t everseed = std::min(non_negative(p.from_everseed), peers);
    t.from_agents += peers - everseed;
    t.from_everseed += everseed;
    t.from_web_seeds += non_negative(p.from_web_seeds);
    t.from_https += state.from_https;
    t.hash_failures += non_negative(p.hash_failures);
    t.uploaded += state.uploaded;
    if (state.state == FetchState::State::done) {
        ++t.fetches_done;
        t.fetch_seconds.observe(std::max(0.0, seconds_between(it->second.since, now)));
    } else {
        ++t.fetches_failed;
    }
    running_.erase(it);
}

web::FetchActivity FetchLedger::activity(const std::map<FetchId, FetchState>& states,
                                         Clock::SteadyTime now) const {
    web::FetchActivity out;
    out.totals = totals_;
    for (const auto& [id, r] : running_) {
        web::FetchRow row;
        row.id = id;
        row.source = r.source;
        row.age_seconds = std::max(0.0, seconds_between(r.since, now));
        if (auto it = states.find(id); it != states.end()) {
            const fetch::FetchProgress& p = it->second.progress;
            row.done_bytes = non_negative(p.done);
            row.total_bytes = non_negative(p.total);
            row.download_rate = non_negative(p.rate);
            row.peers = non_negative(p.peers);
            row.from_peers = non_negative(p.from_peers);
            row.from_web_seeds = non_negative(p.from_web_seeds);
        }
        out.running.push_back(std::move(row));
    }
    return out;
}

}  // namespace aciswarm::agent
