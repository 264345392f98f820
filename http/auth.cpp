#include "http/auth.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <system_error>

#include "common/file_read.hpp"
#include "common/text.hpp"
#include "common/url.hpp"

namespace aciswarm::http {
namespace {

using nlohmann::json;

Error bad_file(std::string_view source, std::string_view why) {
    return make_error(Errc::invalid_argument, std::string(source) + ": " + std::string(why));
}

// A host name, an IPv4 address or a bracketed IPv6 address, then an optional
// ":port". Wildcards, paths, user names and blanks are refused.
bool is_domain(std::string_view d) {
    if (d.empty() || d.size() > 300) return false;
    std::string_view host = d;
    std::string_view port;
    if (d.front() == '[') {
        const std::size_t close = d.find(']');
        if (close == std::string_view::npos || close < 3) return false;
        host = d.substr(1, close - 1);
        if (close + 1 < d.size()) {
            if (d[close + 1] != ':') return false;
            port = d.substr(close + 2);
            if (port.empty()) return false;
        }
        if (!std::all_of(host.begin(), host.end(), [](char c) {
                return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
            }))
            return false;
    } else {
        const std::size_t colon = d.find(':');
        if (colon != std::string_view::npos) {
            host = d.substr(0, colon);
            port = d.substr(colon + 1);
            if (port.empty()) return false;
        }
        if (host.empty() || host.front() == '.' || host.front() == '-') return false;
        if (!std::all_of(host.begin(), host.end(), [](char c) {
                return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' ||
                       c == '_';
            }))
            return false;
    }
    return port.size() <= 5 &&
           std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
}

Result<std::string> string_field(const json& object, const char* key, std::string_view where,
                                 std::string_view source) {
    const auto it = object.find(key);
    if (it == object.end()) {
        return bad_file(source, std::string(where) + "\"" + key + "\" is missing");
    }
    if (!it->is_string()) {
        return bad_file(source, std::string(where) + "\"" + key + "\" is not a string");
    }
    std::string value = it->get<std::string>();
    if (value.empty()) return bad_file(source, std::string(where) + "\"" + key + "\" is empty");
    return value;
}

Status read_domains(const json& doc, std::string_view source, HostCredentials& out) {
    const auto it = doc.find("domains");
    if (it == doc.end() || !it->is_array() || it->empty()) {
        return bad_file(source, "\"domains\" must be a non-empty list of host names");
    }
    for (const json& d : *it) {
        if (!d.is_string())
            return bad_file(source, "\"domains\" holds a value that is not a string");
        const std::string domain = ascii_lower(d.get<std::string>());
        if (!is_domain(domain)) {
            return bad_file(source, "domain '" + escape_control(domain, 80) +
                                        "' is not a host name or host:port");
        }
        out.domains.push_back(domain);
    }
    return {};
}

Status read_secrets(const json& doc, std::string_view source, HostCredentials& out) {
    const auto creds = doc.find("credentials");
    if (creds == doc.end() || !creds->is_object()) {
        return bad_file(source, "\"credentials\" must be an object");
    }
    if (out.type == AuthType::basic) {
        auto user = string_field(*creds, "user", "credentials: ", source);
        if (!user) return std::move(user).error();
        auto password = string_field(*creds, "password", "credentials: ", source);
        if (!password) return std::move(password).error();
        out.user = std::move(*user);
        out.password = Secret(std::move(*password));
    } else {
        auto token = string_field(*creds, "token", "credentials: ", source);
        if (!token) return std::move(token).error();
        out.token = Secret(std::move(*token));
    }
    return {};
}

}  // namespace

std::string_view auth_type_name(AuthType type) {
    return type == AuthType::basic ? "basic" : "oauth";
}

Result<HostCredentials> parse_auth_config(std::string_view text, std::string_view source) {
    // No exception and no parser message: its "last read" excerpt could quote a secret.
    const json doc = json::parse(text, nullptr, false);
    if (doc.is_discarded()) return bad_file(source, "not valid JSON");
    if (!doc.is_object()) return bad_file(source, "not a JSON object");
    auto kind = string_field(doc, "rktKind", "", source);
    if (!kind) return std::move(kind).error();
    if (*kind != "auth") {
        return bad_file(
            source, "rktKind '" + escape_control(*kind, 40) + "' is not read here (only \"auth\")");
    }
    auto version = string_field(doc, "rktVersion", "", source);
    if (!version) return std::move(version).error();
    if (*version != "v1") {
        return bad_file(source,
                        "rktVersion '" + escape_control(*version, 40) + "' is not supported (v1)");
    }
    HostCredentials out;
    out.source = source;
    if (Status s = read_domains(doc, source, out); !s) return s.error();
    auto type = string_field(doc, "type", "", source);
    if (!type) return std::move(type).error();
    if (*type == "basic") {
        out.type = AuthType::basic;
    } else if (*type == "oauth") {
        out.type = AuthType::oauth;
    } else {
        return bad_file(source,
                        "type '" + escape_control(*type, 40) + "' is not one of basic, oauth");
    }
    if (Status s = read_secrets(doc, source, out); !s) return s.error();
    return out;
}

Result<UrlAuthority> url_authority(std::string_view url) {
    const std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> u(curl_url(), &curl_url_cleanup);
    const std::string text(url);
    const std::string shown = escape_control(url_without_userinfo(url), 200);
    if (!u || curl_url_set(u.get(), CURLUPART_URL, text.c_str(), 0) != CURLUE_OK) {
        return make_error(Errc::invalid_argument, shown + ": not a URL");
    }
    char* host = nullptr;
    if (curl_url_get(u.get(), CURLUPART_HOST, &host, 0) != CURLUE_OK || host == nullptr) {
        return make_error(Errc::invalid_argument, shown + ": no host");
    }
    UrlAuthority out;
    out.host = ascii_lower(host);
    curl_free(host);
    char* port = nullptr;
    if (curl_url_get(u.get(), CURLUPART_PORT, &port, 0) == CURLUE_OK && port != nullptr) {
        out.host_port = out.host + ":" + port;
        curl_free(port);
    }
    return out;
}

const HostCredentials* Credentials::for_authority(const UrlAuthority& authority) const {
    const HostCredentials* by_host = nullptr;
    for (const Entry& e : by_domain_) {
        if (!authority.host_port.empty() && e.domain == authority.host_port) return &e.credentials;
        if (e.domain == authority.host) by_host = &e.credentials;
    }
    return by_host;
}

const HostCredentials* Credentials::for_url(std::string_view url) const {
    if (by_domain_.empty()) return nullptr;
    auto authority = url_authority(url);
    return authority ? for_authority(*authority) : nullptr;
}

void Credentials::set(const HostCredentials& entry) {
    for (const std::string& domain : entry.domains) {
        auto it = std::find_if(by_domain_.begin(), by_domain_.end(),
                               [&](const Entry& e) { return e.domain == domain; });
        if (it != by_domain_.end()) {
            it->credentials = entry;
        } else {
            by_domain_.push_back({domain, entry});
        }
    }
}

std::vector<std::string> Credentials::domains() const {
    std::vector<std::string> out;
    for (const Entry& e : by_domain_)
        out.push_back(e.domain);
    std::sort(out.begin(), out.end());
    return out;
}

AuthDirs AuthDirs::system_default() {
    return {std::string(default_admin_auth_dir), std::string(default_vendor_auth_dir)};
}

AuthDirs AuthDirs::only(std::filesystem::path dir) {
    return {std::move(dir), {}};
}

namespace {

namespace fs = std::filesystem;

// The "*.json" files of dir in name order; none when dir does not exist.
Result<std::vector<fs::path>> auth_files(const fs::path& dir) {
    std::vector<fs::path> files;
    std::error_code ec;
    fs::directory_iterator it(dir, ec);
    if (ec == std::errc::no_such_file_or_directory) return files;
    if (ec) return make_error(Errc::io, dir.string() + ": " + ec.message());
    for (; it != fs::directory_iterator(); it.increment(ec)) {
        if (it->path().extension() == ".json") files.push_back(it->path());
    }
    if (ec) return make_error(Errc::io, dir.string() + ": " + ec.message());
    std::sort(files.begin(), files.end());
    return files;
}

// One directory's files into `into`; a domain twice in the directory is an error.
Status load_dir(const fs::path& dir, Credentials& into, std::vector<std::string>& skipped) {
    auto files = auth_files(dir);
    if (!files) return std::move(files).error();
    std::map<std::string, std::string> seen;  // domain -> file
    for (const fs::path& file : *files) {
        auto text = read_file_bounded(file.string(), max_auth_file_bytes);
        if (!text) {
            if (text.error().code == Errc::permission || text.error().code == Errc::unsupported) {
                skipped.push_back(text.error().message);
                continue;
            }
            return std::move(text).error();
        }
        auto entry = parse_auth_config(*text, file.string());
        if (!entry) return std::move(entry).error();
        for (const std::string& domain : entry->domains) {
            auto [at, fresh] = seen.emplace(domain, file.string());
            if (!fresh) {
                return make_error(Errc::invalid_argument,
                                  file.string() + ": domain " + domain + " is configured in " +
                                      at->second + " too (one file per domain in a directory)");
            }
        }
        into.set(*entry);
    }
    return {};
}

// Characters a URL's userinfo carries as they are (RFC 3986 unreserved and
// sub-delims); libtorrent sends the userinfo without percent-decoding it.
bool plain_userinfo(std::string_view s, bool colon_allowed) {
    constexpr std::string_view sub_delims = "!$&'()*+,;=-._~";
    return std::all_of(s.begin(), s.end(), [&](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) ||
               sub_delims.find(c) != std::string_view::npos || (colon_allowed && c == ':');
    });
}

}  // namespace

Result<LoadedCredentials> load_credentials(const AuthDirs& dirs) {
    LoadedCredentials out;
    if (!dirs.vendor.empty()) {
        if (Status s = load_dir(dirs.vendor, out.credentials, out.skipped); !s) return s.error();
    }
    if (Status s = load_dir(dirs.admin, out.credentials, out.skipped); !s) return s.error();
    return out;
}

std::string web_seed_url(const Credentials& credentials, const std::string& url) {
    const HostCredentials* c = credentials.for_url(url);
    if (c == nullptr || c->type != AuthType::basic) return url;
    const std::size_t scheme_end = url.find("://");
    if (scheme_end == std::string::npos) return url;
    const std::size_t authority = scheme_end + 3;
    const std::size_t authority_end = url.find_first_of("/?#", authority);
    if (url.substr(authority, authority_end - authority).find('@') != std::string::npos) {
        return url;
    }
    if (!plain_userinfo(c->user, false) || !plain_userinfo(c->password.reveal(), true)) return url;
    return url.substr(0, authority) + c->user + ":" + c->password.reveal() + "@" +
           url.substr(authority);
}

}  // namespace aciswarm::http
