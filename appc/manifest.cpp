#include "appc/manifest.hpp"

#include <nlohmann/json.hpp>

#include "appc/identifier.hpp"
#include "common/text.hpp"

namespace aciswarm::appc {
namespace {

// appc manifests are shallow; a deep nesting limit keeps the JSON parser's
// recursion (value destruction) bounded on hostile input.
constexpr int max_json_depth = 64;

Status check_json_depth(std::string_view json) {
    int depth = 0;
    bool in_string = false;
    bool escaped = false;
    for (char c : json) {
        if (in_string) {
            if (escaped) {
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (c == '"') {
                in_string = false;
            }
            continue;
        }
        if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            if (++depth > max_json_depth) {
                return make_error(Errc::invalid_argument, "manifest: JSON nested deeper than " +
                                                              std::to_string(max_json_depth) +
                                                              " levels");
            }
        } else if (c == '}' || c == ']') {
            --depth;
        }
    }
    return {};
}

Error manifest_error(const std::string& why) {
    return make_error(Errc::invalid_argument, "manifest: " + why);
}

std::string quote_for_error(std::string_view s) {
    // Bounded, so a huge hostile value does not flood an error line.
    return "'" + escape_control(s, 128) + "'";
}

}  // namespace

Result<ManifestInfo> parse_manifest(std::string_view json) {
    if (json.size() > max_manifest_bytes) {
        return make_error(Errc::too_large, "manifest: " + std::to_string(json.size()) +
                                               " bytes, over the limit of " +
                                               std::to_string(max_manifest_bytes));
    }
    if (auto depth = check_json_depth(json); !depth) return std::move(depth).error();
    nlohmann::json doc = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) return manifest_error("not valid JSON");
    if (!doc.is_object()) return manifest_error("not a JSON object");

    const auto kind = doc.find("acKind");
    if (kind == doc.end()) return manifest_error("no acKind");
    if (!kind->is_string()) return manifest_error("acKind is not a string");
    if (kind->get_ref<const std::string&>() != "ImageManifest") {
        return manifest_error("acKind is " + quote_for_error(kind->get_ref<const std::string&>()) +
                              ", want 'ImageManifest'");
    }
    ManifestInfo out;
    const auto version = doc.find("acVersion");
    if (version == doc.end()) return manifest_error("no acVersion");
    if (!version->is_string() || version->get_ref<const std::string&>().empty()) {
        return manifest_error("acVersion is not a non-empty string");
    }
    out.ac_version = version->get<std::string>();

    const auto name = doc.find("name");
    if (name == doc.end()) return manifest_error("no name");
    if (!name->is_string()) return manifest_error("name is not a string");
    out.name = name->get<std::string>();
    if (!is_ac_identifier(out.name)) {
        return manifest_error("name " + quote_for_error(out.name) +
                              " is not a valid AC Identifier");
    }

    if (const auto labels = doc.find("labels"); labels != doc.end() && !labels->is_null()) {
        if (!labels->is_array()) return manifest_error("labels is not an array");
        for (const auto& label : *labels) {
            if (!label.is_object()) return manifest_error("a label is not an object");
            const auto ln = label.find("name");
            const auto lv = label.find("value");
            if (ln == label.end() || !ln->is_string()) {
                return manifest_error("a label has no string name");
            }
            const std::string& label_name = ln->get_ref<const std::string&>();
            if (lv == label.end() || !lv->is_string()) {
                return manifest_error("label " + quote_for_error(label_name) +
                                      " has no string value");
            }
            if (const std::string problem = label_name_problem(label_name); !problem.empty()) {
                return manifest_error("label name " + quote_for_error(label_name) + " " + problem);
            }
            if (!out.labels.emplace(label_name, lv->get<std::string>()).second) {
                return manifest_error("label " + quote_for_error(label_name) + " appears twice");
            }
        }
    }
    out.raw = std::string(json);
    return out;
}

Status check_expectation(const ManifestInfo& manifest, const ImageExpectation& expected) {
    if (expected.name && *expected.name != manifest.name) {
        return make_error(Errc::invalid_argument, "image name " + quote_for_error(manifest.name) +
                                                      " does not match the requested " +
                                                      quote_for_error(*expected.name));
    }
    for (const auto& [name, value] : expected.labels) {
        const auto it = manifest.labels.find(name);
        if (it == manifest.labels.end()) {
            return make_error(Errc::invalid_argument, "image has no label " +
                                                          quote_for_error(name) + " (requested " +
                                                          quote_for_error(value) + ")");
        }
        if (it->second != value) {
            return make_error(Errc::invalid_argument, "image label " + quote_for_error(name) +
                                                          " is " + quote_for_error(it->second) +
                                                          ", requested " + quote_for_error(value));
        }
    }
    return {};
}

}  // namespace aciswarm::appc
