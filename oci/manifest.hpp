// Image manifests and indexes (manifest lists), as registries serve them:
//
//   application/vnd.oci.image.manifest.v1+json                 image manifest
//   application/vnd.docker.distribution.manifest.v2+json       image manifest
//   application/vnd.oci.image.index.v1+json                    index
//   application/vnd.docker.distribution.manifest.list.v2+json  index
//
// JSON fields read (everything else is ignored; an unknown field is no error):
//   manifest: schemaVersion (2), mediaType?, config{mediaType,digest,size},
//             layers[{mediaType,digest,size,urls?}]
//   index:    schemaVersion (2), mediaType?, manifests[{mediaType,digest,size,
//             platform?{os,architecture,variant?}}]
// The kind comes from the Content-Type the registry sent when it is one of the
// four; else from the body's mediaType; else from the body's shape (an OCI
// manifest may omit mediaType). Schema 1 manifests are refused (unsupported).
// The image *config* blob is convert/'s business: only its descriptor is read.
//
// Pure over string_view (fuzz target: tests/fuzz/oci.cmake). Values are
// immutable once parsed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/result.hpp"
#include "oci/digest.hpp"

namespace aciswarm::oci {

inline constexpr std::string_view oci_manifest_type = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view docker_manifest_type =
    "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view oci_index_type = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view docker_list_type =
    "application/vnd.docker.distribution.manifest.list.v2+json";
// The Accept header value a manifest GET sends: all four, most wanted first.
std::string manifest_accept_header();
bool is_manifest_media_type(std::string_view media_type);  // one of the four

// Registries refuse manifests over 4 MiB; so do we.
inline constexpr std::size_t max_manifest_bytes = 4 * 1024 * 1024;

struct Platform {
    std::string os;                 // "linux"
    std::string architecture;       // "amd64", "arm64"
    std::string variant;            // "v8", "" when not given
    std::string to_string() const;  // "linux/arm64/v8"
    friend bool operator==(const Platform&, const Platform&) = default;
};

// "os/arch[/variant]".
Result<Platform> parse_platform(std::string_view text);
Platform default_platform();  // linux/amd64

struct Descriptor {
    std::string media_type;
    Digest digest;
    std::uint64_t size = 0;
    std::optional<Platform> platform;  // index entries only
    std::vector<std::string> urls;     // foreign layers
};

struct ImageManifest {
    std::string media_type;  // one of the two manifest types
    Descriptor config;
    std::vector<Descriptor> layers;
};

struct ImageIndex {
    std::string media_type;  // one of the two index types
    std::vector<Descriptor> manifests;
};

using Manifest = std::variant<ImageManifest, ImageIndex>;

// Parses a manifest or an index. `content_type` is the response's
// Content-Type ("" when unknown; parameters after ';' are ignored). Errors
// name `source` (a reference or URL) and the field.
Result<Manifest> parse_manifest(std::string_view body, std::string_view content_type,
                                std::string_view source);

// The index entry for `wanted`: os and architecture equal, and the variant
// equal when `wanted` names one (arm64 entries without a variant count as
// "v8"). Errc::not_found listing the platforms the index offers otherwise.
Result<Descriptor> choose_platform(const ImageIndex& index, const Platform& wanted);

}  // namespace aciswarm::oci
