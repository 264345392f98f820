// A registry directory's index: published.json (one entry per image name +
// labels, the source of index.html) and index.html (appc discovery meta tags
// and a list of images). Pure functions over JSON and text, no I/O.
// Thread: any; no state.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace aciswarm::agent::publish {

// Parses published.json's text: a JSON array. The error names `what`.
Result<nlohmann::json> parse_published(std::string_view text, std::string_view what);

// `published` without the entry of the same name and labels as `entry`, then
// `entry` appended: re-publishing an image replaces it.
nlohmann::json replace_entry(nlohmann::json published, const nlohmann::json& entry);

// index.html for `published`: per name an ac-discovery tag for the template
// `webseed_base`{os}/{arch}/{name}-{version}.{ext} and, when an entry has a
// "pubkey", an ac-discovery-pubkeys tag; then a list of every image. Every
// value is HTML-escaped.
std::string render_index(const nlohmann::json& published, std::string_view webseed_base);

}  // namespace aciswarm::agent::publish
