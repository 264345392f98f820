// The tracker's web pages (tracker/web) read the running tracker through this
// WebSource: swarms and peers from the core, names from the whitelist's labels,
// rates from the server, livesync's counters, and the last hour of rates kept in a
// RateHistory that the control loop samples every 5 s.
//
// Thread-safety: the getters run on HTTP worker threads, concurrently. The wiring
// calls (attach_server, attach_livesync) happen on the main thread before the
// workers start; set_labels() and sample() run on the main thread while workers
// read: the labels sit behind a mutex, RateHistory has its own. Nothing survives
// a restart (the history starts empty).
#pragma once

#include <mutex>
#include <unordered_map>

#include "common/clock.hpp"
#include "tracker/core/tracker.hpp"
#include "tracker/core/whitelist.hpp"
#include "tracker/livesync/livesync.hpp"
#include "tracker/server/server.hpp"
#include "tracker/web/rate_history.hpp"
#include "tracker/web/web_source.hpp"

namespace aciswarm::tracker {

class TrackerWebSource final : public web::WebSource {
  public:
    TrackerWebSource(const Tracker& tracker, const Clock& clock);

    void attach_server(const Server* server) { server_ = server; }
    void attach_livesync(const livesync::LiveSync* sync) { sync_ = sync; }
    // The whitelist's labels, after each rescan that changed it.
    void set_labels(const std::vector<std::pair<std::vector<InfoHash>, TorrentLabel>>& torrents);
    // One point of the rates chart (the control loop, right after Server::sample_rates).
    void sample();

    web::Totals totals() const override;
    std::vector<web::SwarmRow> swarms() const override;
    std::optional<web::SwarmDetail> swarm(const InfoHash& hash, bool with_peers) const override;
    web::ClusterView cluster() const override;
    std::vector<web::RateSample> history() const override;

  private:
    web::SwarmRow row(const InfoHash& hash, const Swarm& swarm) const;
    // Name, os, arch, version from the whitelist; labels_mutex_ held.
    void apply_label(web::SwarmRow& r) const;

    const Tracker& tracker_;
    const Clock& clock_;
    const Clock::SteadyTime started_;
    const Server* server_ = nullptr;
    const livesync::LiveSync* sync_ = nullptr;
    mutable std::mutex labels_mutex_;
    std::unordered_map<InfoHash, TorrentLabel> labels_;  // every hash of a torrent
    web::RateHistory history_;
};

}  // namespace aciswarm::tracker
