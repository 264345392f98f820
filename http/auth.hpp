// Credentials for private registries, read from rkt's auth.d format (one JSON
// object per file):
//
//   {"rktKind": "auth", "rktVersion": "v1",
//    "domains": ["registry.example.com"],
//    "type": "basic", "credentials": {"user": "u", "password": "p"}}
//   ... or "type": "oauth", "credentials": {"token": "t"}   (a bearer token)
//
// Directories, rkt's layout under aciswarm's names (docs/private.md):
//   admin  = /etc/aciswarm/auth.d      (the administrator's; wins per domain)
//   vendor = /usr/lib/aciswarm/auth.d  (shipped by packages)
// Every "*.json" file of a directory is read in name order; a domain named by
// two files of one directory is an error. rkt's own /etc/rkt/auth.d is not
// read (point --auth-dir at it to use it).
//
// A domain is a host name ("registry.example.com") or host:port; it matches a
// URL whose host (case-insensitive), or host:port when the URL names a port,
// is that text exactly: never a subdomain, never another host. Client::
// configure_request (client.cpp) is the one place credentials are applied.
//
// Secrets never leave through text: Secret has no stream operator, and no
// message of this file (or of Client) contains a user name, password or token.
//
// Pure parsing (parse_auth_config) over the text; load_credentials reads
// files. Thread: a Credentials is an immutable value once loaded.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace aciswarm::http {

inline constexpr std::string_view default_admin_auth_dir = "/etc/aciswarm/auth.d";
inline constexpr std::string_view default_vendor_auth_dir = "/usr/lib/aciswarm/auth.d";

// Largest auth.d file read (a few hundred bytes are usual).
inline constexpr std::size_t max_auth_file_bytes = 64 * 1024;

// A password or token: kept out of logs and messages by having no way to be
// printed but reveal(), which only the code that hands it to libcurl or
// libtorrent calls.
class Secret {
  public:
    Secret() = default;
    explicit Secret(std::string value) : value_(std::move(value)) {}
    const std::string& reveal() const { return value_; }
    bool empty() const { return value_.empty(); }
    friend bool operator==(const Secret&, const Secret&) = default;

  private:
    std::string value_;
};

enum class AuthType { basic, oauth };
std::string_view auth_type_name(AuthType type);  // "basic" | "oauth"

// One auth.d file.
struct HostCredentials {
    std::vector<std::string> domains;  // lowercase host or host:port
    AuthType type = AuthType::basic;
    std::string user;    // basic
    Secret password;     // basic
    Secret token;        // oauth: sent as "Authorization: Bearer <token>"
    std::string source;  // the file, for messages
    friend bool operator==(const HostCredentials&, const HostCredentials&) = default;
};

// Parses one file's text. `source` names it in errors; no error quotes a value
// of the file. Refuses: invalid JSON, another rktKind or rktVersion, no or
// empty domains, a domain that is not a host[:port], an unknown type, missing
// or empty credentials for the type, fields of the wrong JSON type.
Result<HostCredentials> parse_auth_config(std::string_view text, std::string_view source);

// The host[:port] part a URL's credentials are looked up by: the host in
// lowercase, and host:port when the URL names a port. Errors for a URL
// without a host.
struct UrlAuthority {
    std::string host;
    std::string host_port;  // "" when the URL names no port
};
Result<UrlAuthority> url_authority(std::string_view url);

class Credentials {
  public:
    // The credentials configured for the URL's host (see the header comment),
    // or null.
    const HostCredentials* for_url(std::string_view url) const;
    const HostCredentials* for_authority(const UrlAuthority& authority) const;

    // `entry` replaces whatever was configured for each of its domains.
    void set(const HostCredentials& entry);
    bool empty() const { return by_domain_.empty(); }
    // Every configured domain, sorted (for -v logs and docs; no secret).
    std::vector<std::string> domains() const;

  private:
    struct Entry {
        std::string domain;
        HostCredentials credentials;
    };
    std::vector<Entry> by_domain_;
};

struct AuthDirs {
    std::filesystem::path admin;
    std::filesystem::path vendor;  // empty: none
    // /etc/aciswarm/auth.d over /usr/lib/aciswarm/auth.d.
    static AuthDirs system_default();
    // --auth-dir=DIR: DIR alone.
    static AuthDirs only(std::filesystem::path dir);
};

struct LoadedCredentials {
    Credentials credentials;
    // Files passed over, one line each: unreadable for this user (a non-root
    // fetch on a host whose auth.d is root's), or not a regular file.
    std::vector<std::string> skipped;
};

// Reads vendor, then admin over it. A missing directory holds nothing. Errors
// (a file that does not parse, a domain twice in one directory, a directory
// that cannot be listed) name the file.
Result<LoadedCredentials> load_credentials(const AuthDirs& dirs);

// The web seed form of `url` for libtorrent: basic credentials of the URL's
// host as the URL's userinfo (libtorrent sends them as HTTP basic auth, and
// never to the host a redirect names). `url` unchanged when no basic
// credentials match, when the URL already has a userinfo, or when the user
// name or password holds a character a URL's userinfo cannot carry as is
// (libtorrent does not percent-decode it). Bearer tokens are never put into a
// web seed: libtorrent would forward one to any host a redirect names.
std::string web_seed_url(const Credentials& credentials, const std::string& url);

}  // namespace aciswarm::http
