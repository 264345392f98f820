#include "agent/daemon/metrics.hpp"

#include <algorithm>
#include <chrono>

namespace aciswarm::agent {
namespace {

double seconds_between(Clock::SteadyTime from, Clock::SteadyTime to) {
    return std::chrono::duration<double>(to - from).count();
}

}  // namespace

void FetchLedger::started(FetchId id, std::string source, Clock::SteadyTime now) {
    running_[id] = {std::move(source), now};
}

void FetchLedger::ended(FetchId id, const FetchProgress& p, Clock::SteadyTime now) {
    auto it = running_.find(id);
    if (it == running_.end() || p.state == FetchProgress::State::running) return;
    web::TransferTotals& t = totals_;
    // Bytes count whether the fetch succeeded or not: they crossed the network.
    const std::uint64_t everseed = std::min(p.from_everseed, p.from_peers);
    t.from_agents += p.from_peers - everseed;
    t.from_everseed += everseed;
    t.from_web_seeds += p.from_web_seeds;
    t.from_https += p.from_https;
    t.hash_failures += p.hash_failures;
    t.uploaded += p.uploaded;
    if (p.state == FetchProgress::State::done) {
        ++t.fetches_done;
        t.fetch_seconds.observe(std::max(0.0, seconds_between(it->second.since, now)));
    } else {
        ++t.fetches_failed;
    }
    running_.erase(it);
}

web::FetchActivity FetchLedger::activity(const std::map<FetchId, FetchProgress>& progress,
                                         Clock::SteadyTime now) const {
    web::FetchActivity out;
    out.totals = totals_;
    for (const auto& [id, r] : running_) {
        web::FetchRow row;
        row.id = id;
        row.source = r.source;
        row.age_seconds = std::max(0.0, seconds_between(r.since, now));
        if (auto it = progress.find(id); it != progress.end()) {
            const FetchProgress& p = it->second;
            row.done_bytes = p.done_bytes;
            row.total_bytes = p.total_bytes;
            row.download_rate =
                static_cast<std::uint64_t>(std::max<std::int64_t>(0, p.download_rate));
            row.peers = static_cast<std::uint64_t>(std::max(0, p.peers));
            row.from_peers = p.from_peers;
            row.from_web_seeds = p.from_web_seeds;
        }
        out.running.push_back(std::move(row));
    }
    return out;
}

}  // namespace aciswarm::agent
