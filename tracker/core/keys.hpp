// Private swarms (issue 21): the tracker's --keys=FILE. With keys configured,
// an announce or scrape is answered only when it carries one of them, as the
// query parameter `passkey` of the announce URL:
//
//   https://tracker.example.com/announce?passkey=KEY     (HTTP: the request's query)
//   udp://tracker.example.com:6969/announce?passkey=KEY  (UDP: BEP 41 URL data)
//
// A query parameter, not a path segment: libtorrent's SSRF mitigation refuses
// tracker paths other than /announce on loopback, every client appends its own
// parameters after it, and scrape URLs follow (announce -> scrape). Not `key`:
// BEP 7's `key` is the client's own random identifier, sent by every client.
// A refused request gets a failure reason and is never applied: the peer is not
// added, counted, observed (livesync) or handed out. Keys never appear in a
// reply, a log line, /stats or the web pages (docs/private.md).
//
// Keys file: one key per line; blank lines and lines starting with '#' are
// skipped; a key is 16 to 128 characters of A-Z a-z 0-9 - . _ ~ (sent
// unescaped in a URL). Parsing is a pure function over the text.
//
// Thread-safety: KeyRing::replace() from the main thread (start-up, SIGHUP);
// admits_*() from any worker thread.
#pragma once

#include <cstdint>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "common/result.hpp"

namespace aciswarm::tracker {

inline constexpr std::size_t kMinKeyLength = 16;
inline constexpr std::size_t kMaxKeyLength = 128;
inline constexpr std::size_t kMaxKeysFileBytes = 16 * 1024 * 1024;

// The failure reason of a request without an accepted key (it names no key).
inline constexpr std::string_view kKeyRefusal =
    "this tracker admits only keyed nodes: announce URL ?passkey=KEY missing or not accepted";

// The keys of a keys file. Errors name `source` and the line, never a key.
Result<std::vector<std::string>> parse_keys_file(std::string_view text, std::string_view source);

// The first `passkey` parameter of a query ("a=1&passkey=K&b=2" -> "K"), or
// nullopt. The value is taken as sent (a key needs no escaping).
std::optional<std::string_view> passkey_param(std::string_view query);

// BEP 41: the URL data options following a UDP announce (type 2, length, bytes;
// 1 is a no-op, 0 ends the list), concatenated. nullopt when an option runs
// past the datagram.
std::optional<std::string> bep41_url_data(std::span<const std::uint8_t> options);

class KeyRing {
  public:
    // Checks keys from now on: these are the admitted ones (none: nobody is
    // admitted, e.g. the last key removed from the file). Until the first
    // call (no --keys) every request is admitted.
    void replace(const std::vector<std::string>& keys);
    bool enabled() const;
    std::size_t size() const;

    bool admits(std::string_view key) const;
    // An HTTP request's query (after '?').
    bool admits_query(std::string_view query) const;
    // A UDP announce's BEP 41 options (the bytes after the 98-byte request).
    bool admits_udp_options(std::span<const std::uint8_t> options) const;

  private:
    mutable std::shared_mutex mu_;
    bool enabled_ = false;
    std::unordered_set<std::string> keys_;
};

}  // namespace aciswarm::tracker
