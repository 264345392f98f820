// The pure decisions of a fetch, separated from I/O so unit tests cover them:
// whether a stored image may be used without asking the network, which
// discovered endpoints to use in which order, and which web seeds to add to a
// torrent (BEP 19).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "agent/store/store.hpp"
#include "common/clock.hpp"
#include "discovery/discover.hpp"
#include "discovery/image_ref.hpp"

namespace aciswarm::agent::fetch {

// The labels a name argument asks for (not the discovery defaults: an image
// without an "os" label still matches "example.com/app"), rkt's rule.
store::Labels requested_labels(const discovery::ImageRef& image);
store::ImageExpectation expectation_for(const discovery::ImageRef& image);

// A stored image found by name may be used without discovery while the
// discovery page's max-age holds, counted from when it was first imported.
// No max-age (or 0: no-cache) means ask again.
bool fresh_by_max_age(std::optional<std::chrono::seconds> max_age, Clock::WallTime fetched_at,
                      Clock::WallTime now);

// What to download, in order of preference: the torrent, else the magnet, else
// a plain HTTPS download of the image (rkt). The image URL is also the web seed
// and the HTTPS fallback; asc_url is the signature to store beside the image.
struct DiscoveryPlan {
    std::optional<std::string> torrent_url;
    std::optional<std::string> magnet;  // a magnet URI or the URL of a .magnet file
    std::optional<std::string> aci_url;
    std::optional<std::string> asc_url;
    std::optional<std::chrono::seconds> max_age;
    std::string etag;
};
// Uses the first endpoint of each kind; plain-http endpoints only when allow_http.
DiscoveryPlan plan_from_discovery(const discovery::DiscoveryResult& result, bool allow_http);

// The candidate URLs (normally the discovered .aci URL) a torrent does not
// already list as web seeds, keeping https:// ones (http:// too when
// allow_http), without duplicates, in order.
std::vector<std::string> web_seeds_to_add(const std::vector<std::string>& torrent_web_seeds,
                                          const std::vector<std::string>& candidates,
                                          bool allow_http);

// The scheme policy for every web seed, whatever its origin (discovery, the
// torrent's url-list, a magnet's ws=): https://, or http:// with allow_http.
bool web_seed_allowed(const std::string& url, bool allow_http);
// Why web_seed_allowed refused url, for the warning.
std::string web_seed_refusal(const std::string& url);

// An image torrent has one file of at most max_size bytes; the error says
// which rule the metadata breaks (the same text for a .torrent and a magnet).
Status check_image_torrent(int num_files, std::int64_t total_size, std::uint64_t max_size);

// "HTTP" or "HTTPS": what a plain download of url is, for messages
// ("falling back to a plain HTTP download").
std::string_view plain_download_name(const std::string& url);

// When discovery found endpoints but every one used a refused scheme: a hint
// saying so (" (every URL the templates gave is plain http://, ...)"), else "".
std::string refused_scheme_hint(const discovery::DiscoveryResult& result, bool allow_http);

// True when libtorrent's SSRF mitigation would refuse this web seed URL on a
// private or loopback host: it has a query string (docs/fetch.md).
bool web_seed_has_query(const std::string& url);

}  // namespace aciswarm::agent::fetch
