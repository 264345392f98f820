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

std::string_view plain_download_name(const std::string& url) {
    return url.starts_with("http://") ? "HTTP" : "HTTPS";
}

bool web_seed_allowed(const std::string& url, bool allow_http) {
    return scheme_allowed(url, allow_http);
}

std::string web_seed_refusal(const std::string& url) {
    if (url.starts_with("http://")) {
        return "plain http:// is refused (--insecure-options=http allows it)";
    }
    return "only https:// web seeds are used";
}

Status check_image_torrent(int num_files, std::int64_t total_size, std::uint64_t max_size) {
    if (num_files != 1) {
        return make_error(Errc::unsupported, "has " + std::to_string(num_files) +
                                                 " files; an image torrent has exactly one");
    }
    if (total_size < 0 || static_cast<std::uint64_t>(total_size) > max_size) {
        return make_error(Errc::too_large, "declares " + std::to_string(total_size) +
                                               " bytes, over the maximum image size of " +
                                               std::to_string(max_size) + " (--max-image-size)");
    }
    return {};
}

std::string refused_scheme_hint(const discovery::DiscoveryResult& result, bool allow_http) {
    std::size_t refused = 0;
    std::size_t total = 0;
    for (const auto* list : {&result.images, &result.torrents, &result.magnets}) {
        for (const auto& e : *list) {
            ++total;
            if (!scheme_allowed(e.url, allow_http) && !discovery::is_magnet_uri(e.url)) ++refused;
        }
    }
    if (total == 0 || refused < total) return "";
    return " (the templates gave " + std::to_string(total) +
           " URL(s), all plain http:// or another scheme that is refused; "
           "--insecure-options=http allows http)";
}

bool web_seed_has_query(const std::string& url) {
    return url.find('?') != std::string::npos;
}

}  // namespace aciswarm::agent::fetch
