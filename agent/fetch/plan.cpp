#include "agent/fetch/plan.hpp"

#include <algorithm>

namespace aciswarm::agent::fetch {

store::Labels requested_labels(const discovery::ImageRef& image) {
    store::Labels labels;
    for (const discovery::Label& l : image.labels)
        labels[l.name] = l.value;
    return labels;
}

store::ImageExpectation expectation_for(const discovery::ImageRef& image) {
    store::ImageExpectation e;
    e.name = image.name;
    e.labels = requested_labels(image);
    return e;
}

bool fresh_by_max_age(std::optional<std::chrono::seconds> max_age, Clock::WallTime fetched_at,
                      Clock::WallTime now) {
    if (!max_age || max_age->count() <= 0) return false;
    if (now < fetched_at) return false;  // the clock went back: don't trust the record
    return now - fetched_at < *max_age;
}

namespace {

bool scheme_allowed(const std::string& url, bool allow_http) {
    if (url.starts_with("https://")) return true;
    return allow_http && url.starts_with("http://");
}

std::optional<std::string> first_allowed(const std::vector<discovery::Endpoint>& list,
                                         bool allow_http) {
    for (const auto& e : list) {
        if (scheme_allowed(e.url, allow_http)) return e.url;
    }
    return std::nullopt;
}

}  // namespace

DiscoveryPlan plan_from_discovery(const discovery::DiscoveryResult& result, bool allow_http) {
    DiscoveryPlan plan;
    plan.torrent_url = first_allowed(result.torrents, allow_http);
    for (const auto& m : result.magnets) {
        if (discovery::is_magnet_uri(m.url) || scheme_allowed(m.url, allow_http)) {
            plan.magnet = m.url;
            break;
        }
    }
    plan.aci_url = first_allowed(result.images, allow_http);
    plan.asc_url = first_allowed(result.signatures, allow_http);
    plan.max_age = result.max_age();
    for (const auto& p : result.pages) {
        if (!p.etag.empty()) {
            plan.etag = p.etag;
            break;
        }
    }
    return plan;
}

std::vector<std::string> web_seeds_to_add(const std::vector<std::string>& torrent_web_seeds,
                                          const std::vector<std::string>& candidates,
                                          bool allow_http) {
    std::vector<std::string> out;
    for (const std::string& url : candidates) {
        if (!scheme_allowed(url, allow_http)) continue;
        const bool known = std::find(torrent_web_seeds.begin(), torrent_web_seeds.end(), url) !=
                           torrent_web_seeds.end();
        if (known || std::find(out.begin(), out.end(), url) != out.end()) continue;
        out.push_back(url);
    }
    return out;
}

bool web_seed_has_query(const std::string& url) {
    return url.find('?') != std::string::npos;
}

}  // namespace aciswarm::agent::fetch
