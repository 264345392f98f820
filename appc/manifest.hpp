// The appc image manifest (spec/aci.md of appc/spec): the JSON file named
// "manifest" at the root of an ACI. Only the parts the store indexes are read.
//
// Pure functions over text: no logging, no globals; errors name the field and
// start with "manifest: ".
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "appc/label.hpp"
#include "common/result.hpp"

namespace aciswarm::appc {

inline constexpr std::size_t max_manifest_bytes = 1024 * 1024;

// The parts of an appc image manifest the store indexes; `raw` is the
// manifest exactly as found in the image (for `image cat-manifest`).
struct ManifestInfo {
    std::string ac_version;
    std::string name;  // AC Identifier, e.g. "example.com/app"
    Labels labels;
    std::string raw;
};

// Parses an image manifest (JSON). Checks: at most max_manifest_bytes, valid
// JSON object nested at most 64 deep, acKind "ImageManifest", acVersion a
// non-empty string, name a valid AC Identifier, labels (if present) an array
// of {name, value} strings whose names pass label_name_problem, no duplicates.
Result<ManifestInfo> parse_manifest(std::string_view json);

// What the requester of an image expects of it (rkt's rule): the manifest name
// must equal `name` when given, and every label in `labels` must be present in
// the manifest with the same value (the manifest may have more labels).
struct ImageExpectation {
    std::optional<std::string> name;
    Labels labels;
};
Status check_expectation(const ManifestInfo& manifest, const ImageExpectation& expected);

}  // namespace aciswarm::appc
