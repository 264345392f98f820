// The OCI / Docker image config (the JSON blob a manifest's `config`
// descriptor names: application/vnd.oci.image.config.v1+json or
// application/vnd.docker.container.image.v1+json), as far as the appc
// conversion reads it.
//
// JSON fields read (everything else is ignored; an unknown field is no error):
//   os, architecture, variant?   strings; os and architecture required
//   author?, created?            strings
//   config? {                    the runtime defaults of a container
//     User?, WorkingDir?         strings
//     Env?                       ["NAME=value", ...]
//     Entrypoint?, Cmd?          [string, ...] or null
//     ExposedPorts?, Volumes?    {"80/tcp": {}, ...}: only the keys count
//     Labels?                    {string: string}
//   }
//   rootfs? { diff_ids? }        ["sha256:<hex>", ...], one per layer
// A field present with the wrong JSON type is an error naming it (a config
// that says "Cmd": "sh" is not silently read as no command).
//
// Pure over string_view (fuzz target: tests/fuzz/convert.cmake); an
// ImageConfig is an immutable value once parsed.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace aciswarm::convert {

// Image configs are a few KiB (their history grows with layers); the limit
// keeps a hostile registry from making us parse megabytes of JSON.
inline constexpr std::size_t max_image_config_bytes = 4 * 1024 * 1024;

struct ImageConfig {
    std::string os;            // "linux"
    std::string architecture;  // "amd64", "arm64", "arm"
    std::string variant;       // "v7", "" when not given
    std::string author;
    std::string created;  // RFC 3339 as written
    std::string user;     // "", "1000", "app:staff"
    std::string working_dir;
    std::vector<std::string> env;                        // "NAME=value", as written
    std::optional<std::vector<std::string>> entrypoint;  // nullopt: not set
    std::optional<std::vector<std::string>> cmd;
    std::vector<std::string> exposed_ports;  // "80/tcp", sorted
    std::vector<std::string> volumes;        // "/data", sorted
    std::map<std::string, std::string> labels;
    std::vector<std::string> diff_ids;  // as written, in layer order
};

// Parses an image config. Errors start with `source` (a digest or file name)
// and name the field: "sha256:…: config.Cmd is not an array of strings".
Result<ImageConfig> parse_image_config(std::string_view json, std::string_view source);

}  // namespace aciswarm::convert
