// The mirror's routes: the read side of the OCI Distribution API as
// containerd asks a registry mirror for it (docs/oci.md, "The agent as a
// containerd registry mirror"). Pure functions over the request's path and its
// `ns` query parameter; hostile input (every request on --mirror) gets a
// one-line error naming what is wrong, never an exception.
//
// Request target, as containerd 1.6 sends it to a [host] of hosts.toml:
//
//   /v2/                                         API version check
//   /v2/<name>/manifests/<tag|digest>?ns=<reg>   manifest or index
//   /v2/<name>/blobs/<digest>?ns=<reg>           blob by digest
//
// <name>: path components of [a-z0-9]+ joined by '.', '_', '__' or '-'+,
// separated by '/' (the distribution grammar: no "..", no empty component),
// at most max_repository_chars. <tag>: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}.
// <digest>: "sha256:" and 64 lowercase hex digits (oci::parse_digest: the only
// algorithm served; any other is an error, so containerd goes upstream).
// <reg>: the registry containerd pulls from, "host" or "host:port", as the
// directory name under certs.d; without `ns` the request is refused (a mirror
// for one registry only would guess).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "oci/digest.hpp"

namespace aciswarm::agent::mirror {

inline constexpr std::size_t max_repository_chars = 255;
inline constexpr std::size_t max_tag_chars = 128;
inline constexpr std::size_t max_registry_chars = 255;
inline constexpr std::size_t max_target_chars = 2048;

struct MirrorRoute {
    enum class Kind { api_version, manifest, blob };
    Kind kind = Kind::api_version;
    std::string registry;    // the `ns` parameter, "" for api_version
    std::string repository;  // "library/alpine"
    // manifest: the tag ("3.19") or the digest; blob: the digest.
    std::string reference;
    std::optional<oci::Digest> digest;  // when the reference is a digest

    friend bool operator==(const MirrorRoute&, const MirrorRoute&) = default;
};

// The route of `path` (percent-decoded, without the query) with `ns` the
// decoded value of the ns parameter (nullopt when absent).
Result<MirrorRoute> parse_mirror_route(std::string_view path, std::optional<std::string_view> ns);

// The same from a raw request target ("/v2/x/blobs/sha256:...?ns=docker.io"),
// decoding the query; for tests and the fuzz target.
Result<MirrorRoute> parse_mirror_target(std::string_view target);

bool valid_repository(std::string_view name);
bool valid_tag(std::string_view tag);
// "host" or "host:port": DNS labels or an IPv4 address, or "[v6]:port".
bool valid_registry(std::string_view registry);

}  // namespace aciswarm::agent::mirror
