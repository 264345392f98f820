// What a registry's authentication speaks, as pure parsers:
//
// 1. The challenge of a 401 (RFC 9110 §11.6.1, as the distribution token spec
//    uses it):
//      WWW-Authenticate: Bearer realm="https://auth.example/token",
//                        service="registry.example",scope="repository:a/b:pull"
//    scheme, then comma-separated name=value pairs; values are tokens or
//    quoted strings (backslash escapes). Only the first challenge is read.
// 2. The token service's answer: JSON {"token"|"access_token": "...",
//    "expires_in": seconds (default and minimum 60)}.
// 3. A Docker config.json (~/.docker/config.json, what `docker login` and
//    `skopeo login --authfile` write):
//      {"auths": {"registry.example:5000": {"auth": base64("user:pass")},
//                 "https://index.docker.io/v1/": {"identitytoken": "..."}}}
//    Keys are normalised to the registry name of references (scheme and path
//    dropped, lowercase; index.docker.io and registry-1.docker.io are
//    docker.io). credsStore / credHelpers (external programs) are not run.
//
// No message here quotes a password, an auth field or a token. Values are
// immutable once parsed.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "http/auth.hpp"

namespace aciswarm::oci {

struct Challenge {
    std::string scheme;                                // lowercase: "bearer", "basic"
    std::map<std::string, std::string> params;         // lowercase names
    std::string param(const std::string& name) const;  // "" when absent
};

// Errors name the header and what is wrong (not the header's value).
Result<Challenge> parse_challenge(std::string_view header);

struct BearerToken {
    http::Secret token;
    std::chrono::seconds expires_in{60};
};
inline constexpr std::chrono::seconds min_token_lifetime{60};

// `source` (the realm URL) names the answer in errors.
Result<BearerToken> parse_token_response(std::string_view body, std::string_view source);

// Credentials for one registry: user and password (basic, and for its token
// service), or an identity token (an OAuth2 refresh token for the token
// service).
struct RegistryAuth {
    std::string user;
    http::Secret password;
    http::Secret identity_token;
    std::string source;  // the file, for messages
};

// Docker config.json → registry name → credentials. Errors name `source`.
Result<std::map<std::string, RegistryAuth>> parse_docker_config(std::string_view text,
                                                                std::string_view source);
// A config.json key ("https://index.docker.io/v1/", "Registry.Example:5000")
// as a registry name ("docker.io", "registry.example:5000").
std::string normalize_registry_key(std::string_view key);

}  // namespace aciswarm::oci
