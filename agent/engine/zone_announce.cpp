#include "agent/engine/zone_announce.hpp"

#include <algorithm>

#include "common/text.hpp"

namespace aciswarm::engine {

Status check_zone_name(std::string_view name, std::string_view option) {
    const auto allowed = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '.' || c == '_' || c == '-';
    };
    if (name.empty() || name.size() > 32 || !std::all_of(name.begin(), name.end(), allowed)) {
        return make_error(Errc::invalid_argument,
                          std::string(option) + ": '" + escape_control(name, 64) +
                              "' is not a zone name (1 to 32 of A-Z a-z 0-9 . _ -)");
    }
    return {};
}

std::string with_zone_keys(std::string_view tracker_url, const ZoneSettings& zone) {
    std::string url(tracker_url);
    const bool http = url.starts_with("http://") || url.starts_with("https://");
    if (!zone.aware() || !http) return url;
    // A fragment would swallow the keys; trackers' announce URLs have none, but be exact.
    const std::size_t fragment = url.find('#');
    const std::string tail = fragment == std::string::npos ? "" : url.substr(fragment);
    url.resize(std::min(fragment, url.size()));
    std::string keys;
    if (!zone.zone.empty()) keys += "&zone=" + zone.zone;  // the name needs no escaping
    keys += zone.leader_candidate ? "&leader=candidate" : "&leader=none";
    if (zone.upload_capacity != 0) keys += "&up=" + std::to_string(zone.upload_capacity);
    if (zone.download_capacity != 0) keys += "&down=" + std::to_string(zone.download_capacity);
    const bool has_query = url.find('?') != std::string::npos;
    if (!has_query) {
        keys[0] = '?';
    } else if (url.back() == '?' || url.back() == '&') {
        keys.erase(0, 1);
    }
    return url + keys + tail;
}

}  // namespace aciswarm::engine
