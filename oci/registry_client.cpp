#include "oci/registry_client.hpp"

#include <charconv>

#include "common/text.hpp"
#include "common/url.hpp"
#include "oci/reference.hpp"

namespace aciswarm::oci {
namespace {

using http::Request;

// The host[:port] credentials for `url` are keyed by.
std::string authority_of(const std::string& url) {
    auto authority = http::url_authority(url);
    if (!authority) return {};
    return authority->host_port.empty() ? authority->host : authority->host_port;
}

Status validate_reference_text(std::string_view reference) {
    if (reference.starts_with("sha256:") || reference.find(':') != std::string_view::npos) {
        auto digest = parse_digest(reference);
        if (!digest) return std::move(digest).error();
        return {};
    }
    return validate_tag(reference);
}

std::uint64_t content_length(const http::Response& response) {
    const std::string_view text = response.header("content-length");
    std::uint64_t value = 0;
    std::from_chars(text.data(), text.data() + text.size(), value);
    return value;
}

std::string_view media_type_of(const Manifest& manifest) {
    if (const auto* m = std::get_if<ImageManifest>(&manifest)) return m->media_type;
    return std::get<ImageIndex>(manifest).media_type;
}

}  // namespace

RegistryClient::RegistryClient(RegistryClientOptions options) : options_(std::move(options)) {
    if (options_.base_url.empty()) {
        options_.base_url = "https://" + registry_api_host(options_.registry);
    }
    while (options_.base_url.ends_with('/'))
        options_.base_url.pop_back();
    if (!options_.clock) options_.clock = std::make_shared<SystemClock>();
    // Basic credentials for the registry's own host when auth.d has none.
    const std::string host = authority_of(options_.base_url);
    if (options_.auth && !options_.auth->user.empty() && !host.empty() &&
        options_.http.credentials.for_url(options_.base_url) == nullptr) {
        http::HostCredentials basic;
        basic.domains = {host};
        basic.type = http::AuthType::basic;
        basic.user = options_.auth->user;
        basic.password = options_.auth->password;
        basic.source = options_.auth->source;
        options_.http.credentials.set(basic);
    }
}

http::ClientOptions RegistryClient::page_options() const {
    http::ClientOptions page = http::page_options(options_.http);
    page.max_body = max_manifest_bytes;
    return page;
}

std::uint64_t RegistryClient::token_requests() const {
    std::lock_guard lock(mutex_);
    return token_requests_;
}

std::optional<http::HostCredentials> RegistryClient::cached_token(const std::string& scope) {
    std::lock_guard lock(mutex_);
    const auto it = tokens_.find(scope);
    if (it == tokens_.end()) return std::nullopt;
    if (options_.clock->now() >= it->second.expires) {
        tokens_.erase(it);
        return std::nullopt;
    }
    return it->second.bearer;
}

Result<BearerToken> RegistryClient::request_token(const std::string& realm,
                                                  const std::string& service,
                                                  const std::string& scope) {
    http::Client client(page_options());
    Request request;
    std::string url = realm;
    http::HostCredentials basic;
    const RegistryAuth* auth = options_.auth ? &*options_.auth : nullptr;
    if (auth != nullptr && !auth->identity_token.empty()) {
        request.method = Request::Method::post;
        request.form_body =
            "grant_type=refresh_token&client_id=aciswarm&service=" + percent_encode(service) +
            "&scope=" + percent_encode(scope) +
            "&refresh_token=" + percent_encode(auth->identity_token.reveal());
    } else {
        url += (realm.find('?') == std::string::npos ? "?" : "&");
        url += "service=" + percent_encode(service) + "&scope=" + percent_encode(scope);
        if (auth != nullptr && !auth->user.empty()) {
            basic.domains = {authority_of(realm)};
            basic.user = auth->user;
            basic.password = auth->password;
            basic.source = auth->source;
            request.credentials = &basic;
        }
    }
    {
        std::lock_guard lock(mutex_);
        ++token_requests_;
    }
    auto response = client.send(url, request);
    if (!response) return with_context("token service", std::move(response).error());
    if (response->status != 200) {
        return make_error(Errc::permission, "token service " + escape_control(realm, 300) +
                                                ": HTTP " + std::to_string(response->status) +
                                                " for scope " + escape_control(scope, 300));
    }
    return parse_token_response(response->body, realm);
}

Result<http::HostCredentials> RegistryClient::token_for(const Challenge& challenge,
                                                        const std::string& scope,
                                                        const std::string& url) {
    const std::string realm = challenge.param("realm");
    if (realm.empty()) {
        return make_error(Errc::protocol,
                          escape_control(url, 300) + ": a Bearer challenge without a realm");
    }
    const std::string asked = challenge.param("scope").empty() ? scope : challenge.param("scope");
    auto token = request_token(realm, challenge.param("service"), asked);
    if (!token) return std::move(token).error();
    CachedToken cached;
    cached.bearer.domains = {authority_of(options_.base_url)};
    cached.bearer.type = http::AuthType::oauth;
    cached.bearer.token = token->token;
    cached.bearer.source = "the token service of " + options_.registry;
    // Renewed a little early, so a token does not expire on its way.
    cached.expires = options_.clock->now() + token->expires_in - std::chrono::seconds(10);
    std::lock_guard lock(mutex_);
    tokens_.insert_or_assign(scope, cached);
    return cached.bearer;
}

Result<http::Response> RegistryClient::send(const std::string& url, Request request,
                                            const std::string& scope, bool page) {
    http::Client client(page ? page_options() : options_.http);
    std::optional<http::HostCredentials> token = cached_token(scope);
    request.unauthorized_is_response = true;
    if (token) request.credentials = &*token;
    auto response = client.send(url, request);
    if (!response || response->status != 401) return response;
    const std::string shown = escape_control(url, 300);
    auto challenge = parse_challenge(response->header("www-authenticate"));
    if (!challenge || challenge->scheme != "bearer") {
        const bool configured = options_.http.credentials.for_url(url) != nullptr;
        return make_error(Errc::permission,
                          shown + ": HTTP 401 from " + options_.registry +
                              (configured ? ": the configured credentials were refused"
                                          : ": no credentials are configured for it"));
    }
    auto fresh = token_for(*challenge, scope, url);
    if (!fresh) return std::move(fresh).error();
    request.credentials = &*fresh;
    response = client.send(url, request);
    if (response && response->status == 401) {
        return make_error(Errc::permission, shown + ": HTTP 401 from " + options_.registry +
                                                " with a fresh token for " +
                                                escape_control(scope, 300));
    }
    return response;
}

Status RegistryClient::ping() {
    auto response = send(options_.base_url + "/v2/", Request{}, "", true);
    if (!response) return std::move(response).error();
    if (response->status != 200) {
        return make_error(Errc::network,
                          options_.base_url + "/v2/: HTTP " + std::to_string(response->status));
    }
    return {};
}

namespace {

// The error for a non-2xx answer about `what` ("manifest a/b:latest").
Error status_error(long status, const std::string& registry, const std::string& what) {
    if (status == 404) return make_error(Errc::not_found, registry + ": " + what + " not found");
    return make_error(Errc::network,
                      registry + ": HTTP " + std::to_string(status) + " for " + what);
}

std::string manifest_what(std::string_view repository, std::string_view reference) {
    return "manifest " + escape_control(repository, 300) +
           (reference.starts_with("sha256:") ? "@" : ":") + escape_control(reference, 100);
}

// Refuses what could step out of /v2/<name>/... before any request is made.
Status check_names(std::string_view repository, std::string_view reference) {
    if (auto ok = validate_repository(repository); !ok) return ok;
    return validate_reference_text(reference);
}

// The body's digest agrees with the one asked for and the one announced.
Status verify_manifest_digest(const http::Response& response, std::string_view reference,
                              const Digest& digest, const std::string& what) {
    if (reference.starts_with("sha256:") && digest.to_string() != reference) {
        return make_error(Errc::corrupt, what + ": the body hashes to " + digest.to_string());
    }
    const std::string_view announced = response.header("docker-content-digest");
    if (announced.starts_with("sha256:") && announced != digest.to_string()) {
        return make_error(Errc::corrupt, what + ": Docker-Content-Digest " +
                                             escape_control(announced, 100) +
                                             " but the body hashes to " + digest.to_string());
    }
    return {};
}

Request manifest_request(Request::Method method) {
    Request request;
    request.method = method;
    request.headers = {"Accept: " + manifest_accept_header()};
    return request;
}

}  // namespace

Result<ManifestResponse> RegistryClient::get_manifest(std::string_view repository,
                                                      std::string_view reference) {
    if (auto ok = check_names(repository, reference); !ok) return std::move(ok).error();
    const std::string what = manifest_what(repository, reference);
    const std::string url = options_.base_url + "/v2/" + std::string(repository) + "/manifests/" +
                            std::string(reference);
    auto response = send(url, manifest_request(Request::Method::get), pull_scope(repository), true);
    if (!response) return std::move(response).error();
    if (response->status != 200) return status_error(response->status, options_.registry, what);
    const Digest digest = Digest::of(response->body);
    if (auto ok = verify_manifest_digest(*response, reference, digest, what); !ok) {
        return std::move(ok).error();
    }
    auto manifest = parse_manifest(response->body, response->header("content-type"),
                                   options_.registry + "/" + std::string(repository));
    if (!manifest) return std::move(manifest).error();
    ManifestResponse out{std::move(response->body), std::string(media_type_of(*manifest)), digest,
                         std::move(*manifest)};
    return out;
}

Result<ManifestHead> RegistryClient::head_manifest(std::string_view repository,
                                                   std::string_view reference) {
    if (auto ok = check_names(repository, reference); !ok) return std::move(ok).error();
    const std::string what = manifest_what(repository, reference);
    const std::string url = options_.base_url + "/v2/" + std::string(repository) + "/manifests/" +
                            std::string(reference);
    auto response =
        send(url, manifest_request(Request::Method::head), pull_scope(repository), true);
    if (!response) return std::move(response).error();
    if (response->status != 200) return status_error(response->status, options_.registry, what);
    std::string_view announced = response->header("docker-content-digest");
    if (announced.empty() && reference.starts_with("sha256:")) announced = reference;
    auto digest = parse_digest(announced);
    if (!digest) {
        return make_error(Errc::protocol,
                          options_.registry + ": " + what +
                              ": no usable Docker-Content-Digest: " + digest.error().message);
    }
    ManifestHead head;
    head.media_type = std::string(trim(response->header("content-type"), " \t"));
    head.digest = *digest;
    head.size = content_length(*response);
    return head;
}

Result<std::uint64_t> RegistryClient::head_blob(std::string_view repository, const Digest& digest) {
    if (auto ok = validate_repository(repository); !ok) return std::move(ok).error();
    const std::string url =
        options_.base_url + "/v2/" + std::string(repository) + "/blobs/" + digest.to_string();
    Request request;
    request.method = Request::Method::head;
    auto response = send(url, request, pull_scope(repository), true);
    if (!response) return std::move(response).error();
    if (response->status != 200) {
        return status_error(response->status, options_.registry,
                            "blob " + escape_control(repository, 300) + "@" + digest.to_string());
    }
    return content_length(*response);
}

Result<std::uint64_t> RegistryClient::get_blob(std::string_view repository, const Digest& digest,
                                               const http::SinkFn& sink, std::stop_token stop) {
    if (auto ok = validate_repository(repository); !ok) return std::move(ok).error();
    const std::string scope = pull_scope(repository);
    const std::string url =
        options_.base_url + "/v2/" + std::string(repository) + "/blobs/" + digest.to_string();
    http::ClientOptions blob_options = options_.http;
    blob_options.max_body = options_.max_blob_bytes;
    http::Client client(blob_options);
    std::optional<Sha256Verifier> verifier;
    const http::SinkFn verified = [&](std::string_view bytes) {
        verifier->update(bytes);
        return sink(bytes);
    };
    http::DownloadCheck check;
    check.max_body_reason = "the registry client's blob size limit";
    std::optional<http::HostCredentials> token = cached_token(scope);
    Request request;
    if (token) request.credentials = &*token;
    verifier.emplace(digest);
    auto got = client.download(url, verified, nullptr, stop, check, request);
    if (!got && got.error().code == Errc::permission && verifier->bytes() == 0) {
        // No token yet (or an expired one): a HEAD meets the challenge and
        // caches a token, then the GET once more.
        if (auto head = head_blob(repository, digest); !head) return std::move(head).error();
        token = cached_token(scope);
        request.credentials = token ? &*token : nullptr;
        verifier.emplace(digest);
        got = client.download(url, verified, nullptr, stop, check, request);
    }
    if (!got) return std::move(got).error();
    if (auto ok = verifier->finish(); !ok) {
        return with_context(options_.registry + " blob " + escape_control(repository, 300),
                            std::move(ok).error());
    }
    return *got;
}

}  // namespace aciswarm::oci
