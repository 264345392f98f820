// The discovery walk over an in-memory PageFetcher: walk-up rules, separate
// image and pubkey walks, insecure http retry, cache headers, magnet bodies.
#include <gtest/gtest.h>

#include <map>

#include "discovery/discover.hpp"

namespace aciswarm::discovery {
namespace {

class FakeFetcher final : public PageFetcher {
  public:
    // A page answering 200 (or `status`) with `html`.
    void page(const std::string& url, std::string html, long status = 200,
              std::string cache_control = "", std::string etag = "", std::string final_url = "") {
        FetchResponse r;
        r.url = final_url.empty() ? url : final_url;
        r.status = status;
        r.body = std::move(html);
        r.cache_control = std::move(cache_control);
        r.etag = std::move(etag);
        pages_.insert_or_assign(url, Result<FetchResponse>(std::move(r)));
    }
    void fail(const std::string& url, Errc code, const std::string& cause) {
        pages_.insert_or_assign(url, Result<FetchResponse>(make_error(code, url + ": " + cause)));
    }
    Result<FetchResponse> get(const std::string& url) override {
        requested.push_back(url);
        auto it = pages_.find(url);
        if (it != pages_.end()) return it->second;
        FetchResponse r;  // anything unknown: 404
        r.url = url;
        r.status = 404;
        return r;
    }
    std::vector<std::string> requested;

  private:
    std::map<std::string, Result<FetchResponse>> pages_;
};

const Platform linux_amd64{"linux", "amd64"};

DiscoveryOptions opts(bool allow_http = false) {
    DiscoveryOptions o;
    o.platform = linux_amd64;
    o.allow_http = allow_http;
    return o;
}

ImageRef ref(std::string_view arg) {
    auto r = parse_image_ref(arg);
    EXPECT_TRUE(r) << arg;
    return r.value_or(ImageRef{});
}

std::string meta(std::string_view name, std::string_view content) {
    return "<meta name=\"" + std::string(name) + "\" content=\"" + std::string(content) + "\">\n";
}

TEST(DiscoveryWalk, DiscoveryUrls) {
    EXPECT_EQ(discovery_urls("example.com/project/subproject"),
              (std::vector<std::string>{"https://example.com/project/subproject?ac-discovery=1",
                                        "https://example.com/project?ac-discovery=1",
                                        "https://example.com?ac-discovery=1"}));
    EXPECT_EQ(discovery_urls("example.com"),
              std::vector<std::string>{"https://example.com?ac-discovery=1"});
}

TEST(DiscoveryWalk, FirstLevelWins) {
    FakeFetcher f;
    f.page("https://example.com/app?ac-discovery=1",
           meta("ac-discovery", "example.com/app https://s/{os}/{arch}/{name}-{version}.{ext}") +
               meta("ac-discovery-pubkeys", "example.com https://example.com/keys.gpg"),
           200, "max-age=300", "\"abc\"");
    auto r = discover(ref("example.com/app:1.0"), f, opts());
    ASSERT_TRUE(r) << r.error().message;
    const std::string page = "https://example.com/app?ac-discovery=1";
    EXPECT_EQ(r->images,
              (std::vector<Endpoint>{{"https://s/linux/amd64/example.com/app-1.0.aci", page}}));
    EXPECT_EQ(r->signatures,
              (std::vector<Endpoint>{{"https://s/linux/amd64/example.com/app-1.0.aci.asc", page}}));
    EXPECT_EQ(r->torrents,
              (std::vector<Endpoint>{{"https://s/linux/amd64/example.com/app-1.0.torrent", page}}));
    EXPECT_EQ(r->magnets,
              (std::vector<Endpoint>{{"https://s/linux/amd64/example.com/app-1.0.magnet", page}}));
    EXPECT_EQ(r->pubkeys, (std::vector<Endpoint>{{"https://example.com/keys.gpg", page}}));
    // One fetch serves both walks.
    EXPECT_EQ(f.requested, std::vector<std::string>{page});
    ASSERT_EQ(r->pages.size(), 1u);
    EXPECT_EQ(r->pages[0].max_age, std::chrono::seconds(300));
    EXPECT_EQ(r->pages[0].etag, "\"abc\"");
    EXPECT_EQ(r->max_age(), std::chrono::seconds(300));
    EXPECT_TRUE(r->attempts.empty());
}

TEST(DiscoveryWalk, DefaultsVersionLatestAndHostPlatform) {
    FakeFetcher f;
    f.page("https://example.com/app?ac-discovery=1",
           meta("ac-discovery", "example.com https://s/{os}-{arch}/{name}-{version}.{ext}"));
    auto r = discover(ref("example.com/app"), f, opts());
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->images.at(0).url, "https://s/linux-amd64/example.com/app-latest.aci");
    EXPECT_EQ(r->image.label("version"), "latest");
}

TEST(DiscoveryWalk, WalksUpOn4xxNoTagsAndNoRenderableTemplate) {
    FakeFetcher f;
    // Level 1: 404 (default). Level 2: 403. Level 3: a page without ac- tags.
    f.page("https://example.com/a/b/c?ac-discovery=1", "", 403);
    f.page("https://example.com/a/b?ac-discovery=1",
           "<html><meta name=description content=x></html>");
    // Level 4: templates only for another prefix, and one that needs {channel}.
    f.page("https://example.com/a?ac-discovery=1",
           meta("ac-discovery", "other.com https://o/{name}.{ext}") +
               meta("ac-discovery", "example.com https://n/{channel}/{name}.{ext}"));
    // Level 5 (host): works.
    f.page("https://example.com?ac-discovery=1",
           meta("ac-discovery", "example.com https://h/{name}.{ext}"), 200, "max-age=10");
    auto r = discover(ref("example.com/a/b/c/d"), f, opts());
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->images.at(0).url, "https://h/example.com/a/b/c/d.aci");
    EXPECT_EQ(r->images.at(0).page, "https://example.com?ac-discovery=1");
    std::vector<std::string> outcomes;
    for (const auto& a : r->attempts) {
        if (a.walk == "image") outcomes.push_back(a.outcome);
    }
    ASSERT_EQ(outcomes.size(), 4u);
    EXPECT_EQ(outcomes[0].rfind("HTTP 404", 0), 0u) << outcomes[0];
    EXPECT_EQ(outcomes[1].rfind("HTTP 403", 0), 0u) << outcomes[1];
    EXPECT_NE(outcomes[2].find("no ac-discovery meta tags"), std::string::npos);
    EXPECT_NE(outcomes[3].find("no template matched"), std::string::npos);
    EXPECT_NE(outcomes[3].find("version=latest"), std::string::npos);
}

TEST(DiscoveryWalk, PrefixIsPlainStringPrefix) {
    FakeFetcher f;
    f.page("https://example.com/foobar?ac-discovery=1",
           meta("ac-discovery", "example.com/foo https://s/{name}.{ext}") +
               meta("ac-discovery", "example.com/foobarbaz https://never/{name}.{ext}"));
    auto r = discover(ref("example.com/foobar"), f, opts());
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_EQ(r->images.size(), 1u);
    EXPECT_EQ(r->images[0].url, "https://s/example.com/foobar.aci");
}

TEST(DiscoveryWalk, ImagesAndPubkeysWalkSeparately) {
    FakeFetcher f;
    f.page("https://example.com/team/app?ac-discovery=1",
           meta("ac-discovery", "example.com https://s/{name}.{ext}"));
    f.page("https://example.com?ac-discovery=1",
           meta("ac-discovery", "example.com https://host-level/{name}.{ext}") +
               meta("ac-discovery-pubkeys", "example.com https://example.com/k1.gpg") +
               meta("ac-discovery-pubkeys", "example.com https://example.com/k2.gpg"),
           200, "", "\"e2\"");
    auto r = discover(ref("example.com/team/app"), f, opts());
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_EQ(r->images.size(), 1u);
    EXPECT_EQ(r->images[0].url, "https://s/example.com/team/app.aci");
    EXPECT_EQ(r->pubkeys,
              (std::vector<Endpoint>{
                  {"https://example.com/k1.gpg", "https://example.com?ac-discovery=1"},
                  {"https://example.com/k2.gpg", "https://example.com?ac-discovery=1"}}));
    ASSERT_EQ(r->pages.size(), 2u);
    EXPECT_EQ(r->pages[1].etag, "\"e2\"");
    // The host page gave no max-age: the result as a whole has none.
    EXPECT_EQ(r->max_age(), std::nullopt);
    // Each URL fetched once even though both walks visited the first level.
    EXPECT_EQ(f.requested.size(), 3u);
}

TEST(DiscoveryWalk, NoPubkeysIsNotAnError) {
    FakeFetcher f;
    f.page("https://example.com/app?ac-discovery=1",
           meta("ac-discovery", "example.com https://s/{name}.{ext}"));
    auto r = discover(ref("example.com/app"), f, opts());
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_TRUE(r->pubkeys.empty());
    EXPECT_EQ(r->attempts.size(), 2u);  // both levels, pubkeys walk
}

TEST(DiscoveryWalk, NothingFoundListsEveryAttempt) {
    FakeFetcher f;
    f.page("https://example.com/app?ac-discovery=1",
           meta("ac-discovery", "example.com https://s/{channel}/{name}.{ext}"));
    auto r = discover(ref("example.com/app"), f, opts());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::not_found);
    const std::string& m = r.error().message;
    EXPECT_NE(m.find("no template matched"), std::string::npos) << m;
    EXPECT_NE(m.find("https://example.com/app?ac-discovery=1"), std::string::npos) << m;
    EXPECT_NE(m.find("https://example.com?ac-discovery=1: HTTP 404"), std::string::npos) << m;
}

TEST(DiscoveryWalk, TransportErrorStops) {
    FakeFetcher f;
    f.fail("https://example.com/app?ac-discovery=1", Errc::network, "connect: refused");
    f.page("https://example.com?ac-discovery=1",
           meta("ac-discovery", "example.com https://s/{name}.{ext}"));
    auto r = discover(ref("example.com/app"), f, opts());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, "https://example.com/app?ac-discovery=1: connect: refused");
    EXPECT_EQ(f.requested.size(), 1u);
}

TEST(DiscoveryWalk, PubkeyWalkFailureKeepsImages) {
    FakeFetcher f;
    f.page("https://example.com/app?ac-discovery=1",
           meta("ac-discovery", "example.com https://s/{name}.{ext}"));
    f.fail("https://example.com?ac-discovery=1", Errc::timeout, "timeout: 30000 ms");
    auto r = discover(ref("example.com/app"), f, opts());
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->images.size(), 1u);
    EXPECT_TRUE(r->pubkeys.empty());
    EXPECT_EQ(r->pubkeys_error, "https://example.com?ac-discovery=1: timeout: 30000 ms");
}

TEST(DiscoveryWalk, ServerErrorStops) {
    FakeFetcher f;
    f.page("https://example.com/app?ac-discovery=1", "", 503);
    auto r = discover(ref("example.com/app"), f, opts());
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("https://example.com/app?ac-discovery=1: HTTP status 503"),
              std::string::npos)
        << r.error().message;
}

TEST(DiscoveryWalk, InsecureHttpRetriesSameUrl) {
    FakeFetcher f;
    f.fail("https://example.com/app?ac-discovery=1", Errc::network, "connect: refused");
    f.page("http://example.com/app?ac-discovery=1",
           meta("ac-discovery", "example.com http://s/{name}.{ext}"));
    auto secure = discover(ref("example.com/app"), f, opts(false));
    ASSERT_FALSE(secure);
    f.requested.clear();
    auto r = discover(ref("example.com/app"), f, opts(true));
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->images.at(0).page, "http://example.com/app?ac-discovery=1");
    EXPECT_EQ(f.requested.at(0), "https://example.com/app?ac-discovery=1");
    EXPECT_EQ(f.requested.at(1), "http://example.com/app?ac-discovery=1");
}

TEST(DiscoveryWalk, InsecureHttpBothFailingNamesBoth) {
    FakeFetcher f;
    f.fail("https://example.com/app?ac-discovery=1", Errc::network, "TLS: bad cert");
    f.fail("http://example.com/app?ac-discovery=1", Errc::network, "connect: refused");
    auto r = discover(ref("example.com/app"), f, opts(true));
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("https://example.com/app?ac-discovery=1: TLS: bad cert"),
              std::string::npos);
    EXPECT_NE(r.error().message.find("http://example.com/app?ac-discovery=1: connect: refused"),
              std::string::npos);
}

TEST(DiscoveryWalk, RedirectedPageIsRecorded) {
    FakeFetcher f;
    f.page("https://example.com/app?ac-discovery=1",
           meta("ac-discovery", "example.com https://s/{name}.{ext}"), 200, "max-age=5", "",
           "https://pages.example.com/app.html?ac-discovery=1");
    auto r = discover(ref("example.com/app"), f, opts());
    ASSERT_TRUE(r);
    EXPECT_EQ(r->images.at(0).page, "https://pages.example.com/app.html?ac-discovery=1");
    EXPECT_EQ(r->pages.at(0).url, "https://pages.example.com/app.html?ac-discovery=1");
}

TEST(DiscoveryWalk, PageEndpointsCountsOnlyMatchingDiscoveryTags) {
    const ImageRef image = with_defaults(ref("example.com/app"), linux_amd64);
    const auto e = page_endpoints({{"ac-discovery", "example.com", "https://s/{name}.{ext}"},
                                   {"ac-discovery", "other.com", "https://o/{name}.{ext}"},
                                   {"ac-discovery-pubkeys", "example.com", "https://k"},
                                   {"ac-unknown", "example.com", "https://u"}},
                                  image);
    EXPECT_EQ(e.discovery_tags, 1u);
    EXPECT_EQ(e.rendered.size(), 4u);
    EXPECT_EQ(e.pubkeys, std::vector<std::string>{"https://k"});
}

TEST(DiscoveryMagnet, UriPassesThrough) {
    FakeFetcher f;
    const std::string uri = "magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567&dn=x";
    auto r = resolve_magnet(f, uri);
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, uri);
    EXPECT_TRUE(f.requested.empty());
    EXPECT_FALSE(resolve_magnet(f, "magnet:?dn=no-topic"));
}

TEST(DiscoveryMagnet, BodyOfMagnetUrl) {
    FakeFetcher f;
    const std::string uri = "magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567";
    f.page("https://s/app.magnet", "  " + uri + "\r\n");
    f.page("https://s/bad.magnet", "<html>not a magnet</html>");
    f.page("https://s/two.magnet", uri + "\n" + uri + "\n");
    auto r = resolve_magnet(f, "https://s/app.magnet");
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(*r, uri);
    auto bad = resolve_magnet(f, "https://s/bad.magnet");
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("https://s/bad.magnet"), std::string::npos);
    EXPECT_FALSE(resolve_magnet(f, "https://s/two.magnet"));
    auto missing = resolve_magnet(f, "https://s/missing.magnet");
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, Errc::not_found);
}

}  // namespace
}  // namespace aciswarm::discovery
