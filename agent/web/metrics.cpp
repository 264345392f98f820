#include <algorithm>
#include <cstdint>

#include "agent/web/render.hpp"
#include "web/prometheus.hpp"

namespace aciswarm::agent::web {

std::vector<double> fetch_duration_buckets() {
    return {1, 2, 5, 10, 30, 60, 120, 300, 600, 1800};
}

namespace {

// --mirror: what containerd was served, and where the blobs came from.
void mirror_metrics(aciswarm::web::PrometheusText& m, const MirrorTotals& t) {
    m.family("aciswarm_agent_mirror_requests_total", "counter",
             "Registry API requests containerd sent the mirror, by answer: served, not_found "
             "and unavailable (both send containerd upstream), refused (outside the API).")
        .sample("aciswarm_agent_mirror_requests_total", t.manifests_served + t.blobs_served,
                {{"answer", "served"}})
        .sample("aciswarm_agent_mirror_requests_total", t.not_found, {{"answer", "not_found"}})
        .sample("aciswarm_agent_mirror_requests_total", t.unavailable, {{"answer", "unavailable"}})
        .sample("aciswarm_agent_mirror_requests_total",
                t.requests - std::min(t.requests, t.manifests_served + t.blobs_served +
                                                      t.not_found + t.unavailable),
                {{"answer", "other"}});
    m.family("aciswarm_agent_mirror_served_bytes_total", "counter",
             "Manifest and blob bytes the mirror sent to containerd.")
        .sample("aciswarm_agent_mirror_served_bytes_total", t.bytes_served);
    m.family("aciswarm_agent_mirror_blob_bytes_total", "counter",
             "Blob bytes the mirror's cache received, by source: peers (the swarm) or the "
             "upstream registry.")
        .sample("aciswarm_agent_mirror_blob_bytes_total", t.from_swarm, {{"source", "peers"}})
        .sample("aciswarm_agent_mirror_blob_bytes_total", t.from_upstream,
                {{"source", "upstream"}});
}

}  // namespace

std::string metrics_text(const NodeSnapshot& s) {
    const TransferTotals& t = s.fetches.totals;
    std::uint64_t seeding = 0;
    std::uint64_t peers = 0;
    for (const ImageRow& i : s.images) {
        seeding += i.seeding ? 1 : 0;
        peers += i.peers;
    }
    const std::uint64_t received =
        t.from_agents + t.from_everseed + t.from_web_seeds + t.from_https;
    aciswarm::web::PrometheusText m;
    m.family("aciswarm_agent_images", "gauge", "Images in the store.")
        .sample("aciswarm_agent_images", std::uint64_t{s.images.size()});
    m.family("aciswarm_agent_images_seeding", "gauge", "Images whose torrent is seeding.")
        .sample("aciswarm_agent_images_seeding", seeding);
    m.family("aciswarm_agent_peers", "gauge", "Peers connected to the seeding torrents.")
        .sample("aciswarm_agent_peers", peers);
    m.family("aciswarm_agent_fetches_running", "gauge", "Fetches in progress.")
        .sample("aciswarm_agent_fetches_running", std::uint64_t{s.fetches.running.size()});
    m.family("aciswarm_agent_fetches_total", "counter", "Fetches that ended, by result.")
        .sample("aciswarm_agent_fetches_total", t.fetches_done, {{"result", "done"}})
        .sample("aciswarm_agent_fetches_total", t.fetches_failed, {{"result", "failed"}});
    m.histogram("aciswarm_agent_fetch_duration_seconds",
                "Seconds from the request to the image in the store, fetches that succeeded.",
                t.fetch_seconds);
    m.family("aciswarm_agent_received_bytes_total", "counter",
             "Payload bytes received by fetches that ended, by source: other agents (peers), "
             "the registry's everseed, BEP 19 web seeds, plain HTTPS.")
        .sample("aciswarm_agent_received_bytes_total", t.from_agents, {{"source", "peers"}})
        .sample("aciswarm_agent_received_bytes_total", t.from_everseed, {{"source", "everseed"}})
        .sample("aciswarm_agent_received_bytes_total", t.from_web_seeds, {{"source", "web_seed"}})
        .sample("aciswarm_agent_received_bytes_total", t.from_https, {{"source", "https"}});
    m.family("aciswarm_agent_uploaded_bytes_total", "counter", "Payload bytes sent to peers.")
        .sample("aciswarm_agent_uploaded_bytes_total", t.uploaded);
    m.family("aciswarm_agent_hash_failures_total", "counter",
             "Pieces that failed their hash check in fetches that ended.")
        .sample("aciswarm_agent_hash_failures_total", t.hash_failures);
    m.family("aciswarm_agent_transfer_ratio", "gauge",
             "Bytes uploaded per byte received since the daemon started (0 before any).")
        .sample(
            "aciswarm_agent_transfer_ratio",
            received == 0 ? 0.0 : static_cast<double>(t.uploaded) / static_cast<double>(received));
    m.family("aciswarm_agent_seeding_ratio", "gauge",
             "Per image: bytes uploaded since seeding started / image size (what ratio= checks).");
    for (const ImageRow& i : s.images)
        m.sample("aciswarm_agent_seeding_ratio", i.ratio, {{"image", i.id}, {"name", i.name}});
    if (s.mirror.enabled) mirror_metrics(m, s.mirror);
    m.family("aciswarm_agent_uptime_seconds", "gauge", "Seconds since the daemon started.")
        .sample("aciswarm_agent_uptime_seconds", static_cast<double>(s.node.uptime_seconds));
    return m.text();
}

}  // namespace aciswarm::agent::web
