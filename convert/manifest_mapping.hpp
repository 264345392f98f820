// The appc image manifest of a converted OCI / Docker image, by docker2aci's
// rules (github.com/appc/docker2aci, lib/internal: GenerateManifestV22 and
// the squashed image's mergeManifests); docs/oci.md, "docker:// → ACI", has
// the full table and where we differ.
//
//   appc                         from
//   name                         registry + "/" + repository, sanitized
//   labels version / os / arch   tag / config os / config architecture+variant
//   app.exec                     config Entrypoint + Cmd
//   app.user, app.group          config User "u[:g]" ("" → 0/0, "u" → u/u)
//   app.workingDirectory         config WorkingDir
//   app.environment              config Env ("NAME=value"; no '=': skipped)
//   app.ports                    config ExposedPorts "80/tcp" → {80-tcp, tcp, 80}
//   app.mountPoints              config Volumes "/data" → {volume-data, /data}
//   app.userLabels               config Labels
//   annotations appc.io/docker/* registryurl, repository, tag, imageid (the
//                                config digest), manifesthash, originalname,
//                                entrypoint and cmd (JSON arrays); author, created
//
// Pure functions; no state.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "appc/label.hpp"
#include "common/result.hpp"
#include "convert/image_config.hpp"

namespace aciswarm::convert {

// Where a converted image came from: the parts of the reference and the
// digests the manifest records. Empty strings are left out of the manifest.
struct ImageOrigin {
    std::string registry;         // "docker.io", "127.0.0.1:5000"; "" for a local layout
    std::string repository;       // "library/alpine"; for a local layout, its name
    std::string tag;              // "3.19"; "" when pulled by digest only
    std::string manifest_digest;  // "sha256:…" of the image manifest
    std::string config_digest;    // "sha256:…" of the config: Docker's image ID
    std::string original_name;    // the reference as the user wrote it
};

// docker2aci's name mangling: lowercase, every byte outside [a-z0-9-._~/]
// becomes '_', then (our addition, so the result is always valid) runs of
// separators shrink to their first one and separators at either end go.
// Errc::invalid_argument when nothing is left.
Result<std::string> sanitize_ac_identifier(std::string_view text);

// The same for an AC Name (ports, mount points): outside [a-z0-9-] becomes
// '-', runs of '-' shrink, '-' at either end goes.
Result<std::string> sanitize_ac_name(std::string_view text);

// The image name: sanitize(registry "/" repository), with Docker Hub written
// "registry-1.docker.io" as docker2aci wrote it (rkt users' names stay the
// same). Without a registry, the repository alone.
Result<std::string> converted_image_name(const ImageOrigin& origin);

// OCI os/architecture/variant → appc's os and arch label values (appc's
// ToAppcOSArch): amd64, 386 → i386, arm64 → aarch64, arm (v6 or none) →
// armv6l, arm v7 → armv7l, ppc64, ppc64le, s390x. Other architectures pass
// through unchanged (appc lists no value for them).
std::pair<std::string, std::string> appc_os_arch(const ImageConfig& config);

// The labels of the converted image: version (the tag, when there is one),
// os and arch.
appc::Labels converted_labels(const ImageConfig& config, const ImageOrigin& origin);

// The full manifest JSON (indented by two, ending in a newline). Errors name
// the config field that cannot be mapped (a port that is not a number).
Result<std::string> render_converted_manifest(const ImageConfig& config, const ImageOrigin& origin);

}  // namespace aciswarm::convert
