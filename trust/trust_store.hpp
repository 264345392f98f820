// The trusted-key store, laid out like rkt's (rkt: /etc/rkt/trustedkeys and
// /usr/lib/rkt/trustedkeys), under aciswarm's names:
//
//   <admin>/root.d/<fingerprint>                   trusted for every image name
//   <admin>/prefix.d/<name prefix>/<fingerprint>   trusted for names under the prefix
//   <vendor>/...                                   the same layout, shipped by packages
//
// admin  = /etc/aciswarm/trustedkeys   (written by `aciswarm trust`)
// vendor = /usr/lib/aciswarm/trustedkeys (read only)
// A file in admin shadows the vendor file with the same relative path; an empty
// admin file disables that vendor key. Each file holds one OpenPGP public key
// (armoured or binary) whose fingerprint (40 lowercase hex) is its name.
//
// A key in prefix.d/example.com/app applies to "example.com/app" and to names
// below it ("example.com/app/web"), never to "example.com/apple": prefixes are
// whole path segments, as in rkt.
//
// Writes are atomic (temp file in the same directory + rename); kill -9 leaves
// either the old state or the new one. The store holds no open state: any
// number of processes and threads may use it at once.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "trust/openpgp.hpp"

namespace aciswarm::trust {

inline constexpr std::string_view default_admin_dir = "/etc/aciswarm/trustedkeys";
inline constexpr std::string_view default_vendor_dir = "/usr/lib/aciswarm/trustedkeys";

struct TrustDirs {
    std::filesystem::path admin;
    std::filesystem::path vendor;  // empty: none
    // /etc/aciswarm/trustedkeys over /usr/lib/aciswarm/trustedkeys.
    static TrustDirs system_default();
    // --trust-dir=DIR: DIR alone (tests, non-root users, images kept apart).
    static TrustDirs only(std::filesystem::path dir);
};

struct TrustedKey {
    std::string prefix;  // "" for root.d
    Fingerprint fingerprint;
    std::filesystem::path file;
    bool vendor = false;
    bool root() const { return prefix.empty(); }
};

// A prefix as `aciswarm trust --prefix` takes it: an appc name (lowercase
// letters, digits, '.', '-', '_', '~', '/' between segments), no empty,
// "." or ".." segment. The error names the prefix.
Status check_prefix(std::string_view prefix);

// The prefixes whose keys apply to `image_name`, longest first:
// "a.com/b/c" -> "a.com/b/c", "a.com/b", "a.com".
std::vector<std::string> prefixes_of(std::string_view image_name);

// A key file's bytes (at most 1 MiB); the error names the file.
Result<std::string> read_key_file(const std::filesystem::path& path);

class TrustStore {
  public:
    explicit TrustStore(TrustDirs dirs) : dirs_(std::move(dirs)) {}
    const TrustDirs& dirs() const { return dirs_; }

    // Trusts `key` (one public key) for `prefix` ("" = root). Returns the file
    // written. The same key again is not an error (the file is rewritten).
    Result<TrustedKey> add(std::string_view prefix, std::span<const std::uint8_t> key,
                           std::string_view what);
    // Every trusted key, admin first, then vendor keys not shadowed.
    Result<std::vector<TrustedKey>> list() const;
    // Forgets the key everywhere in admin; a vendor key is disabled by an
    // empty admin file. Errc::not_found when no entry has this fingerprint.
    Result<std::vector<TrustedKey>> remove(const Fingerprint& fingerprint);
    // The entries that apply to `image_name` (root keys and its prefixes').
    Result<std::vector<TrustedKey>> keys_for(std::string_view image_name) const;

  private:
    TrustDirs dirs_;
};

}  // namespace aciswarm::trust
