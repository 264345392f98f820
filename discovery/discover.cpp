#include "discovery/discover.hpp"
#include "common/text.hpp"

#include <algorithm>
#include <map>

#include "discovery/cache_control.hpp"

namespace aciswarm::discovery {
namespace {

constexpr std::string_view query = "?ac-discovery=1";

bool is_2xx(long status) {
    return status >= 200 && status < 300;
}
bool is_4xx(long status) {
    return status >= 400 && status < 500;
}

std::string lower_ascii(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

// One level's page: https first; with allow_http, http:// when https fails or
// does not answer 2xx. Fetched at most once per discover() call.
class Pages {
  public:
    Pages(PageFetcher& fetcher, bool allow_http) : fetcher_(fetcher), allow_http_(allow_http) {}

    const Result<FetchResponse>& get(const std::string& https_url) {
        auto it = cache_.find(https_url);
        if (it == cache_.end()) it = cache_.emplace(https_url, fetch(https_url)).first;
        return it->second;
    }

  private:
    Result<FetchResponse> fetch(const std::string& https_url) {
        Result<FetchResponse> secure = fetcher_.get(https_url);
        if (!allow_http_ || (secure && is_2xx(secure->status))) return secure;
        const std::string http_url =
            "http://" + https_url.substr(std::string_view("https://").size());
        Result<FetchResponse> plain = fetcher_.get(http_url);
        if (plain) return plain;
        if (secure) return secure;
        return make_error(plain.error().code,
                          secure.error().message + "; then " + plain.error().message);
    }

    PageFetcher& fetcher_;
    bool allow_http_;
    std::map<std::string, Result<FetchResponse>> cache_;
};

void add_page(DiscoveryResult& result, const FetchResponse& response) {
    for (const PageInfo& p : result.pages) {
        if (p.url == response.url) return;
    }
    result.pages.push_back(
        PageInfo{response.url, parse_max_age(response.cache_control), response.etag});
}

std::string describe_labels(const ImageRef& image) {
    std::string out;
    for (const Label& l : image.labels) {
        if (!out.empty()) out += ",";
        out += l.name + "=" + l.value;
    }
    return out;
}

}  // namespace

std::optional<std::chrono::seconds> DiscoveryResult::max_age() const {
    std::optional<std::chrono::seconds> smallest;
    for (const PageInfo& p : pages) {
        if (!p.max_age) return std::nullopt;
        if (!smallest || *p.max_age < *smallest) smallest = p.max_age;
    }
    return smallest;
}

std::vector<std::string> discovery_urls(std::string_view name) {
    std::vector<std::string> urls;
    std::string_view prefix = name;
    while (!prefix.empty()) {
        urls.push_back("https://" + std::string(prefix) + std::string(query));
        const std::size_t slash = prefix.rfind('/');
        if (slash == std::string_view::npos) break;
        prefix = prefix.substr(0, slash);
    }
    return urls;
}

PageEndpoints page_endpoints(const std::vector<appc::MetaTag>& tags, const ImageRef& image) {
    PageEndpoints out;
    std::vector<std::string> templates;
    for (const appc::MetaTag& tag : tags) {
        if (!image.name.starts_with(tag.prefix)) continue;  // a plain string prefix, as appc says
        if (tag.name == appc::meta_discovery) {
            templates.push_back(tag.value);
            ++out.discovery_tags;
        } else if (tag.name == appc::meta_pubkeys) {
            out.pubkeys.push_back(tag.value);
        }
    }
    out.rendered = render_endpoints(templates, image);
    return out;
}

namespace {

// One level of a walk: the page (2xx), nullopt after recording why the level is
// passed over (4xx), or an error (transport failure, any other status).
Result<std::optional<FetchResponse>> fetch_level(Pages& pages, DiscoveryResult& result,
                                                 const std::string& walk, const std::string& url) {
    const Result<FetchResponse>& page = pages.get(url);
    if (!page) return page.error();
    if (is_4xx(page->status)) {
        result.attempts.push_back(
            Attempt{walk, url,
                    "HTTP " + std::to_string(page->status) +
                        (page->url != url ? " at " + page->url : std::string())});
        return std::optional<FetchResponse>{};
    }
    if (!is_2xx(page->status)) {
        return make_error(Errc::network, escape_control(url) + ": HTTP status " +
                                             std::to_string(page->status) +
                                             (page->url != url ? " at " + page->url : ""));
    }
    return std::optional<FetchResponse>{*page};
}

void add_endpoints(DiscoveryResult& result, const std::vector<RenderedEndpoint>& rendered,
                   const std::string& page_url) {
    for (const RenderedEndpoint& e : rendered) {
        Endpoint endpoint{e.url, page_url};
        switch (e.kind) {
            case Kind::image:
                result.images.push_back(endpoint);
                break;
            case Kind::signature:
                result.signatures.push_back(endpoint);
                break;
            case Kind::torrent:
                result.torrents.push_back(endpoint);
                break;
            case Kind::magnet:
                result.magnets.push_back(endpoint);
                break;
        }
    }
}

// The image walk: stops at the first level whose templates render. Fails with
// Errc::not_found (listing every attempt) when no level does.
Status walk_images(const ImageRef& image, const std::vector<std::string>& urls, Pages& pages,
                   DiscoveryResult& result) {
    for (const std::string& url : urls) {
        auto page = fetch_level(pages, result, "image", url);
        if (!page) return std::move(page).error();
        if (!*page) continue;
        const FetchResponse& response = **page;
        auto tags = appc::extract_meta(response.body);
        if (!tags) return with_context(response.url, std::move(tags).error());
        const PageEndpoints endpoints = page_endpoints(*tags, result.image);
        if (endpoints.discovery_tags == 0) {
            result.attempts.push_back(
                Attempt{"image", url, "no ac-discovery meta tags for " + image.name});
            continue;
        }
        if (endpoints.rendered.empty()) {
            result.attempts.push_back(
                Attempt{"image", url,
                        "no template matched: none of " + std::to_string(endpoints.discovery_tags) +
                            " ac-discovery templates renders with name=" + image.name + "," +
                            describe_labels(result.image)});
            continue;
        }
        add_endpoints(result, endpoints.rendered, response.url);
        add_page(result, response);
        return {};
    }
    std::string message = escape_control(image.to_string()) + ": no template matched at any level";
    for (const Attempt& a : result.attempts)
        message += "; " + escape_control(a.url) + ": " + escape_control(a.outcome);
    return make_error(Errc::not_found, std::move(message));
}

// The public-key walk: stops at the first level with ac-discovery-pubkeys tags.
// A failure here keeps the image endpoints already found: it is reported in
// pubkeys_error instead of failing the whole discovery.
void walk_pubkeys(const ImageRef& image, const std::vector<std::string>& urls, Pages& pages,
                  DiscoveryResult& result) {
    for (const std::string& url : urls) {
        auto page = fetch_level(pages, result, "pubkeys", url);
        if (!page) {
            result.pubkeys_error = page.error().message;
            return;
        }
        if (!*page) continue;
        const FetchResponse& response = **page;
        auto tags = appc::extract_meta(response.body);
        if (!tags) {
            result.pubkeys_error = with_context(response.url, std::move(tags).error()).message;
            return;
        }
        const PageEndpoints endpoints = page_endpoints(*tags, result.image);
        if (endpoints.pubkeys.empty()) {
            result.attempts.push_back(
                Attempt{"pubkeys", url, "no ac-discovery-pubkeys meta tags for " + image.name});
            continue;
        }
        for (const std::string& key : endpoints.pubkeys) {
            result.pubkeys.push_back(Endpoint{key, response.url});
        }
        add_page(result, response);
        return;
    }
}

}  // namespace

Result<DiscoveryResult> discover(const ImageRef& image, PageFetcher& fetcher,
                                 const DiscoveryOptions& options) {
    DiscoveryResult result;
    result.image = with_defaults(image, options.platform);
    Pages pages(fetcher, options.allow_http);
    const std::vector<std::string> urls = discovery_urls(image.name);
    if (options.want_images) {
        Status images = walk_images(image, urls, pages, result);
        if (!images) return std::move(images).error();
    }
    if (options.want_pubkeys) walk_pubkeys(image, urls, pages, result);
    return result;
}

bool is_bittorrent_magnet(std::string_view uri) {
    if (!is_magnet_uri(uri)) return false;
    if (std::any_of(uri.begin(), uri.end(), [](char c) {
            return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\0';
        })) {
        return false;
    }
    const std::string text = lower_ascii(uri);
    return text.find("xt=urn:btih:") != std::string::npos ||
           text.find("xt=urn:btmh:") != std::string::npos;
}

Result<std::string> resolve_magnet(PageFetcher& fetcher, const std::string& url) {
    if (is_magnet_uri(url)) {
        if (!is_bittorrent_magnet(url)) {
            return make_error(Errc::invalid_argument,
                              escape_control(url) + ": not a BitTorrent magnet URI");
        }
        return url;
    }
    auto response = fetcher.get(url);
    if (!response) return std::move(response).error();
    if (!is_2xx(response->status)) {
        return make_error(
            is_4xx(response->status) ? Errc::not_found : Errc::network,
            escape_control(url) + ": HTTP status " + std::to_string(response->status));
    }
    std::string_view body = response->body;
    while (!body.empty() && (body.front() == ' ' || body.front() == '\n' || body.front() == '\r' ||
                             body.front() == '\t')) {
        body.remove_prefix(1);
    }
    while (!body.empty() && (body.back() == ' ' || body.back() == '\n' || body.back() == '\r' ||
                             body.back() == '\t')) {
        body.remove_suffix(1);
    }
    if (!is_bittorrent_magnet(body)) {
        return make_error(Errc::protocol,
                          escape_control(url) + ": body is not a single magnet:?xt=urn:btih: URI");
    }
    return std::string(body);
}

}  // namespace aciswarm::discovery
