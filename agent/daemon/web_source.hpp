// The agent's web page (agent/web) reads the daemon through this NodeSource:
// images and their seeding from the Seeder, fetches and transfer totals from
// the backend, the node's settings from the configuration, and the last hour
// of transfer rates in a SampleRing that the daemon's tick feeds every 5 s.
// Thread: the daemon's loop thread only (the Seeder and the backend are
// its); the web server answers requests on that thread. Nothing survives a
// restart (the chart starts empty, the totals at zero).
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "agent/daemon/backend.hpp"
#include "agent/daemon/config.hpp"
#include "agent/daemon/seeder.hpp"
#include "agent/mirror/mirror.hpp"
#include "agent/web/web.hpp"
#include "common/clock.hpp"
#include "web/sample_ring.hpp"

namespace aciswarm::agent {

class DaemonWebSource final : public web::NodeSource {
  public:
    static constexpr std::chrono::seconds sample_every{5};

    // `config` is the daemon's running configuration (SIGHUP may change it).
    DaemonWebSource(Seeder& seeder, DaemonBackend& backend, const DaemonConfig& config,
                    const Clock& clock);

    web::NodeSnapshot snapshot() override;
    std::vector<web::RateSample> history() override;
    // Adds a chart point when sample_every has passed since the last one.
    void sample();
    // --mirror: its counters join the snapshot (and /metrics) from now on.
    void set_mirror(std::shared_ptr<const mirror::Mirror> mirror) { mirror_ = std::move(mirror); }

  private:
    std::vector<web::ImageRow> image_rows();

    Seeder& seeder_;
    DaemonBackend& backend_;
    const DaemonConfig& config_;
    const Clock& clock_;
    const Clock::SteadyTime started_;
    std::optional<Clock::SteadyTime> last_sample_;
    aciswarm::web::SampleRing<web::RateSample> history_;
    std::shared_ptr<const mirror::Mirror> mirror_;
};

// The mirror's counters as the page and /metrics show them. Pure.
web::MirrorTotals mirror_totals(const mirror::MirrorCounters& counters);

// The image row the page shows for one image's seeding status. Pure.
web::ImageRow image_row(const ImageSeedStatus& status);

}  // namespace aciswarm::agent
