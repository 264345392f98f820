// appc meta discovery: image name -> image, signature, torrent, magnet and
// public-key endpoints (docs/discovery.md).
//
// For name a/b/c the walk GETs https://a/b/c?ac-discovery=1, then
// https://a/b?ac-discovery=1, then https://a?ac-discovery=1, and moves up on a
// 4xx status, on a page without matching tags, or when no template renders.
// Images and public keys walk separately; each stops at the first level that
// gives it a result. Any other failure (resolve, connect, TLS, timeout, page too
// large, redirects, 5xx) stops that walk with an error naming the URL and cause.
// Each page is fetched at most once per discover() call.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "appc/meta.hpp"
#include "common/result.hpp"
#include "discovery/image_ref.hpp"
#include "discovery/page_fetcher.hpp"
#include "discovery/render.hpp"

namespace aciswarm::discovery {

struct Endpoint {
    std::string url;   // for magnets: a magnet URI, or the URL of a .magnet file
    std::string page;  // the discovery page it came from (after redirects)
    bool operator==(const Endpoint&) const = default;
};

// A discovery page that gave endpoints, with what its cache headers allow.
struct PageInfo {
    std::string url;  // after redirects
    std::optional<std::chrono::seconds> max_age;
    std::string etag;  // "" when none
};

// A discovery URL that was passed over, and why ("HTTP 404", "no ac-discovery meta tags ...").
struct Attempt {
    std::string walk;  // "image" or "pubkeys"
    std::string url;
    std::string outcome;
};

struct DiscoveryResult {
    ImageRef image;  // the name and labels the templates were rendered with (defaults added)
    std::vector<Endpoint> images;
    std::vector<Endpoint> signatures;
    std::vector<Endpoint> torrents;
    std::vector<Endpoint> magnets;
    std::vector<Endpoint> pubkeys;
    std::vector<PageInfo> pages;
    std::vector<Attempt> attempts;
    // Why the public-key walk stopped early (a transport failure), or "". The
    // image endpoints are kept; keys found so far are none.
    std::string pubkeys_error;

    // How long this result may be reused: the smallest max-age of the pages it
    // came from; nullopt when any of them gave none.
    std::optional<std::chrono::seconds> max_age() const;
};

struct DiscoveryOptions {
    bool allow_http =
        false;  // retry a level over http:// when https:// fails (--insecure-options=http)
    bool want_images = true;
    bool want_pubkeys = true;
    Platform platform = host_platform();
};

// The discovery URLs for a name, most specific first:
// "a/b/c" -> https://a/b/c?ac-discovery=1, https://a/b?ac-discovery=1, https://a?ac-discovery=1.
std::vector<std::string> discovery_urls(std::string_view name);

// Runs both walks. Fails when the image walk finds nothing (Errc::not_found, the
// message lists every URL tried and why) or on a transport failure during it.
// Finding no public keys is not an error (pubkeys stays empty; attempts say
// why); a transport failure during the key walk is reported in pubkeys_error.
Result<DiscoveryResult> discover(const ImageRef& image, PageFetcher& fetcher,
                                 const DiscoveryOptions& options = {});

// The endpoints a single page gives an image: the pure core of one walk level.
struct PageEndpoints {
    std::vector<RenderedEndpoint> rendered;  // ac-discovery templates that render
    std::vector<std::string> pubkeys;        // ac-discovery-pubkeys URLs, as they are
    std::size_t discovery_tags = 0;          // ac-discovery tags whose prefix matched
};
PageEndpoints page_endpoints(const std::vector<appc::MetaTag>& tags,
                             const ImageRef& image_with_defaults);

// A magnet endpoint as a magnet URI: returned as is when it already is one,
// otherwise GETs the .magnet URL and returns its trimmed body, which must be a
// single magnet:?xt=urn:btih: (or urn:btmh:) URI. Errors name the URL.
Result<std::string> resolve_magnet(PageFetcher& fetcher, const std::string& url);

// True for a "magnet:?" URI that carries an xt=urn:btih: or xt=urn:btmh: topic
// and no whitespace.
bool is_bittorrent_magnet(std::string_view uri);

}  // namespace aciswarm::discovery
