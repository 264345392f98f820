// RegistryClient: oci::Registry over HTTP(S) with http::Client, for one
// upstream registry.
//
// Authentication, in the order a request meets it:
//   - auth.d credentials for the registry's host (http::ClientOptions::
//     credentials) are applied by http::Client as everywhere else: basic or a
//     fixed bearer token, to that host only.
//   - RegistryClientOptions::auth (a Docker config.json entry, or any
//     user/password) adds basic credentials for the registry's host when auth.d
//     has none, and is what the token service receives.
//   - A 401 with `WWW-Authenticate: Bearer realm=...,service=...,scope=...`
//     → GET realm?service=&scope= (basic credentials from `auth` if any; with an
//     identity token: POST grant_type=refresh_token) → a bearer token, cached
//     per realm, service and scope until it expires (injected Clock), and the
//     request is sent once more with it. The token goes to the registry's host
//     only: a blob GET that redirects to storage carries no Authorization.
//   The realm is a URL the registry names; like docker and containerd, the
//   configured user and password for this registry are sent to it (HTTPS
//   only unless plain HTTP is allowed).
// No log line or message carries a password, identity token or bearer token.
//
// Thread: safe from several threads at once (an http::Client per request; the
// token cache behind a mutex). Nothing survives kill -9 but what
// download_blob_to_file's contract says.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "common/clock.hpp"
#include "http/client.hpp"
#include "oci/registry.hpp"
#include "oci/registry_auth.hpp"

namespace aciswarm::oci {

struct RegistryClientOptions {
    std::string registry;  // as references name it: "docker.io", "127.0.0.1:5000"
    // "https://registry-1.docker.io"; "" → "https://" + registry_api_host(registry).
    std::string base_url;
    // Scheme, TLS, CA file, timeouts, auth.d credentials. Manifest and token
    // requests use page limits (4 MiB body), blob GETs download limits.
    http::ClientOptions http = http::download_options();
    std::optional<RegistryAuth> auth;
    std::uint64_t max_blob_bytes = 0;    // 0 = no cap
    std::shared_ptr<const Clock> clock;  // null → the system clock
};

class RegistryClient final : public Registry {
  public:
    explicit RegistryClient(RegistryClientOptions options);

    const std::string& name() const override { return options_.registry; }
    const std::string& base_url() const { return options_.base_url; }

    // GET /v2/: Ok when the registry answers 200, or 401 that the token flow
    // (or configured credentials) gets past.
    Status ping();

    Result<ManifestResponse> get_manifest(std::string_view repository,
                                          std::string_view reference) override;
    Result<ManifestHead> head_manifest(std::string_view repository,
                                       std::string_view reference) override;
    Result<std::uint64_t> head_blob(std::string_view repository, const Digest& digest) override;
    Result<std::uint64_t> get_blob(std::string_view repository, const Digest& digest,
                                   const http::SinkFn& sink, std::stop_token stop) override;

    // Token service requests made so far (for tests: tokens are reused).
    std::uint64_t token_requests() const;

  private:
    struct CachedToken {
        http::HostCredentials bearer;  // type oauth
        Clock::SteadyTime expires;
    };
    // Sends `request` with the cached token for `scope` if any; on a Bearer
    // 401 fetches a token and sends once more.
    Result<http::Response> send(const std::string& url, http::Request request,
                                const std::string& scope, bool page);
    Result<http::HostCredentials> token_for(const Challenge& challenge, const std::string& scope,
                                            const std::string& url);
    std::optional<http::HostCredentials> cached_token(const std::string& scope);
    Result<BearerToken> request_token(const std::string& realm, const std::string& service,
                                      const std::string& scope);
    http::ClientOptions page_options() const;

    RegistryClientOptions options_;
    mutable std::mutex mutex_;
    std::map<std::string, CachedToken> tokens_;  // by scope
    std::uint64_t token_requests_ = 0;
};

}  // namespace aciswarm::oci
