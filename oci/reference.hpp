// Image references as `docker pull`, containerd and skopeo write them:
//
//   [docker://]REGISTRY/NAME[:TAG][@sha256:HEX]
//
// The distribution spec's reference grammar (distribution/reference):
//   name            := [domain "/"] path-component ["/" path-component]*
//   domain          := domain-component ["." domain-component]* [":" port]
//   domain-component:= [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
//   path-component  := [a-z0-9]+ (separator [a-z0-9]+)*
//   separator       := "." | "_" | "__" | "-"+
//   tag             := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
//   name (with domain) at most 255 bytes
// The first component is the registry when it holds a '.' or ':' or is
// "localhost"; otherwise the registry is Docker Hub ("docker.io"), and a
// one-component name gets "library/" in front (docker's normalisation).
// "index.docker.io" is Docker Hub too. Neither tag nor digest: tag "latest".
//
// Pure (parse_reference); fuzz target in tests/fuzz/oci.cmake. A Reference is
// an immutable value.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "oci/digest.hpp"

namespace aciswarm::oci {

inline constexpr std::string_view docker_hub = "docker.io";
// Where Docker Hub's registry API answers (its name in references is docker.io).
inline constexpr std::string_view docker_hub_api_host = "registry-1.docker.io";

struct Reference {
    std::string registry;    // "docker.io", "localhost:5000", "ghcr.io" (lowercase)
    std::string repository;  // "library/alpine"
    std::string tag;         // "" when only a digest is given
    std::optional<Digest> digest;

    // The tag, or the digest when one is given: what /v2/<name>/manifests/ wants.
    std::string manifest_reference() const;
    // registry/repository[:tag][@digest], normalised.
    std::string to_string() const;
    friend bool operator==(const Reference&, const Reference&) = default;
};

// Parses a reference ("docker://" prefix allowed). Errors are one line, name
// the input and the rule broken.
Result<Reference> parse_reference(std::string_view text);

// The host[:port] that serves the registry API for a registry name:
// docker.io → registry-1.docker.io, anything else unchanged.
std::string registry_api_host(std::string_view registry);

// "repository:<name>:pull" (the token scope a pull needs).
std::string pull_scope(std::string_view repository);

// Checks a repository name against the path-component grammar (no registry).
Status validate_repository(std::string_view repository);
// Checks a tag against the tag grammar.
Status validate_tag(std::string_view tag);

}  // namespace aciswarm::oci
