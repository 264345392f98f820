#include "agent/daemon/web_source.hpp"

#include <algorithm>

namespace aciswarm::agent {
namespace {

std::uint64_t non_negative(std::int64_t n) {
    return static_cast<std::uint64_t>(std::max<std::int64_t>(0, n));
}

}  // namespace

web::ImageRow image_row(const ImageSeedStatus& s) {
    web::ImageRow row;
    row.id = s.image.id.full();
    row.display = s.image.id.display();
    row.name = s.image.manifest_name.empty() ? s.image.name : s.image.manifest_name;
    row.version = s.image.version;
    row.os = s.image.os;
    row.arch = s.image.arch;
    row.size = s.image.size;
    row.verified_by = s.image.verified_by;
    row.state = s.state;
    row.policy = s.policy.to_string();
    row.seeding = s.state == "seeding";
    row.peers = non_negative(s.swarm.peers);
    row.download_rate = non_negative(s.swarm.download_rate);
    row.upload_rate = non_negative(s.swarm.upload_rate);
    row.uploaded = s.uploaded;
    row.ratio = s.ratio;
    return row;
}

DaemonWebSource::DaemonWebSource(Seeder& seeder, DaemonBackend& backend, const DaemonConfig& config,
                                 const Clock& clock)
    : seeder_(seeder),
      backend_(backend),
      config_(config),
      clock_(clock),
      started_(clock.now()),
      history_(std::chrono::hours(1) / sample_every) {}

std::vector<web::ImageRow> DaemonWebSource::image_rows() {
    std::vector<web::ImageRow> rows;
    for (const ImageSeedStatus& s : seeder_.status())
        rows.push_back(image_row(s));
    return rows;
}

web::NodeSnapshot DaemonWebSource::snapshot() {
    web::NodeSnapshot snap;
    snap.node.uptime_seconds =
        std::chrono::duration_cast<std::chrono::seconds>(clock_.now() - started_).count();
    snap.node.listen_port = backend_.listen_port();
    snap.node.default_policy = config_.seed_policy.to_string();
    snap.node.store = config_.store;
    snap.images = image_rows();
    snap.fetches = backend_.fetch_activity();
    if (mirror_) snap.mirror = mirror_totals(mirror_->counters());
    return snap;
}

web::MirrorTotals mirror_totals(const mirror::MirrorCounters& c) {
    const auto from = [&](const char* source) {
        const auto it = c.blob_bytes_by_source.find(source);
        return it == c.blob_bytes_by_source.end() ? std::uint64_t{0} : it->second;
    };
    return {true,        c.requests,    c.manifests_served, c.blobs_served,  c.bytes_served,
            c.not_found, c.unavailable, from("swarm"),      from("upstream")};
}

std::vector<web::RateSample> DaemonWebSource::history() {
    return history_.samples();
}

void DaemonWebSource::sample() {
    const Clock::SteadyTime now = clock_.now();
    if (last_sample_ && now - *last_sample_ < sample_every) return;
    last_sample_ = now;
    web::RateSample point;
    point.unix_time =
        std::chrono::duration_cast<std::chrono::seconds>(clock_.wall_now().time_since_epoch())
            .count();
    for (const web::ImageRow& i : image_rows()) {
        point.download_rate += i.download_rate;
        point.upload_rate += i.upload_rate;
        point.peers += i.peers;
    }
    for (const web::FetchRow& f : backend_.fetch_activity().running) {
        point.download_rate += f.download_rate;
        point.peers += f.peers;
    }
    history_.add(point);
}

}  // namespace aciswarm::agent
