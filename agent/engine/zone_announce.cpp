#include "agent/engine/zone_announce.hpp"

#include <algorithm>
#include <vector>

#include "common/text.hpp"
#include "common/url.hpp"

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
    const bool http = tracker_url.starts_with("http://") || tracker_url.starts_with("https://");
    if (!zone.aware() || !http) return std::string(tracker_url);
    std::vector<QueryParam> keys;
    if (!zone.zone.empty()) keys.push_back({"zone", zone.zone});  // the name needs no escaping
    keys.push_back({"leader", zone.leader_candidate ? "candidate" : "none"});
    if (zone.upload_capacity != 0) keys.push_back({"up", std::to_string(zone.upload_capacity)});
    if (zone.download_capacity != 0)
        keys.push_back({"down", std::to_string(zone.download_capacity)});
    return with_query_params(tracker_url, keys);
}

}  // namespace aciswarm::engine
