#include "agent/publish/registry_index.hpp"

#include <map>
#include <vector>

#include "common/text.hpp"

namespace aciswarm::agent::publish {
namespace {

using nlohmann::json;

// The hash a reader can paste into any client: v1 when the torrent has one.
std::string shown_info_hash(const json& item) {
    for (const char* key : {"info_hash_v1", "info_hash_v2"}) {
        auto it = item.find(key);
        if (it != item.end() && it->is_string()) return it->get<std::string>();
    }
    return "";
}

using ByName = std::map<std::string, std::vector<const json*>>;

std::string discovery_tags(const ByName& by_name, std::string_view webseed_base) {
    std::string html;
    for (const auto& [name, items] : by_name) {
        html += "<meta name=\"ac-discovery\" content=\"" + html_escape(name) + " " +
                html_escape(webseed_base) + "{os}/{arch}/{name}-{version}.{ext}\">\n";
        // --sign-key: where the key that signed this name's newest image lives.
        for (const auto* item : items) {
            if (item->contains("pubkey")) {
                html += "<meta name=\"ac-discovery-pubkeys\" content=\"" + html_escape(name) + " " +
                        html_escape((*item)["pubkey"].get<std::string>()) + "\">\n";
                break;
            }
        }
    }
    return html;
}

std::string image_line(const std::string& name, const json& item) {
    const std::string rel = html_escape(item["path"].get<std::string>());
    const json& labels = item["labels"];
    return "<li>" + html_escape(name) + " " + html_escape(labels.value("version", "")) + " (" +
           html_escape(labels.value("os", "")) + "/" + html_escape(labels.value("arch", "")) +
           "): <a href=\"" + rel + ".aci\">aci</a> <a href=\"" + rel +
           ".torrent\">torrent</a> <a href=\"" + rel + ".magnet\">magnet</a> <code>" +
           html_escape(shown_info_hash(item)) + "</code></li>\n";
}

}  // namespace

Result<json> parse_published(std::string_view text, std::string_view what) {
    auto parsed = json::parse(text, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_array()) {
        return make_error(Errc::invalid_argument,
                          std::string(what) + ": unreadable or not a JSON array; fix or remove it");
    }
    return parsed;
}

json replace_entry(json published, const json& entry) {
    json kept = json::array();
    for (auto& item : published) {
        if (item.value("name", "") == entry["name"] &&
            item.value("labels", json::object()) == entry["labels"]) {
            continue;
        }
        kept.push_back(std::move(item));
    }
    kept.push_back(entry);
    return kept;
}

std::string render_index(const json& published, std::string_view webseed_base) {
    ByName by_name;
    for (const auto& item : published)
        by_name[item["name"].get<std::string>()].push_back(&item);
    std::string html =
        "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n"
        "<title>aciswarm registry</title>\n";
    html += discovery_tags(by_name, webseed_base);
    html += "</head>\n<body>\n<h1>Images</h1>\n<ul>\n";
    for (const auto& [name, items] : by_name) {
        for (const auto* item : items)
            html += image_line(name, *item);
    }
    html += "</ul>\n</body>\n</html>\n";
    return html;
}

}  // namespace aciswarm::agent::publish
