#include <gtest/gtest.h>

#include "agent/fetch/plan.hpp"

namespace aciswarm::agent::fetch {
namespace {

using discovery::DiscoveryResult;
using discovery::Endpoint;

TEST(WebSeeds, AddsTheDiscoveredAciUrlWhenMissing) {
    const std::string aci = "https://s.example/linux/amd64/app-1.0.aci";
    EXPECT_EQ(web_seeds_to_add({}, {aci}, false), std::vector<std::string>{aci});
    EXPECT_TRUE(web_seeds_to_add({aci}, {aci}, false).empty());
    EXPECT_EQ(web_seeds_to_add({"https://mirror.example/app.aci"}, {aci, aci}, false),
              std::vector<std::string>{aci});
}

TEST(WebSeeds, PlainHttpOnlyWhenAllowed) {
    const std::string http = "http://s.example/app.aci";
    EXPECT_TRUE(web_seeds_to_add({}, {http}, false).empty());
    EXPECT_EQ(web_seeds_to_add({}, {http}, true), std::vector<std::string>{http});
    EXPECT_TRUE(web_seeds_to_add({}, {""}, true).empty());
}

TEST(WebSeeds, QueryStringIsFlagged) {
    EXPECT_TRUE(web_seed_has_query("https://10.0.0.1/app.aci?token=x"));
    EXPECT_FALSE(web_seed_has_query("https://10.0.0.1/app.aci"));
}

DiscoveryResult result_with(std::vector<Endpoint> torrents, std::vector<Endpoint> magnets,
                            std::vector<Endpoint> images) {
    DiscoveryResult r;
    r.torrents = std::move(torrents);
    r.magnets = std::move(magnets);
    r.images = std::move(images);
    r.signatures = {{"https://s.example/app.aci.asc", "p"}};
    r.pages = {{"https://s.example/app?ac-discovery=1", std::chrono::seconds(300), "\"e1\""}};
    return r;
}

TEST(Plan, UsesFirstUsableEndpointOfEachKind) {
    auto plan = plan_from_discovery(
        result_with({{"http://s.example/app.torrent", "p"}, {"https://s.example/app.torrent", "p"}},
                    {{"magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567", "p"}},
                    {{"https://s.example/app.aci", "p"}}),
        false);
    ASSERT_TRUE(plan.torrent_url);
    EXPECT_EQ(*plan.torrent_url, "https://s.example/app.torrent");
    ASSERT_TRUE(plan.magnet);
    EXPECT_EQ(plan.aci_url.value_or(""), "https://s.example/app.aci");
    EXPECT_EQ(plan.asc_url.value_or(""), "https://s.example/app.aci.asc");
    EXPECT_EQ(plan.max_age, std::chrono::seconds(300));
    EXPECT_EQ(plan.etag, "\"e1\"");
}

TEST(Plan, NothingButHttpWithoutPermission) {
    auto plan = plan_from_discovery(result_with({{"http://s.example/app.torrent", "p"}}, {},
                                                {{"http://s.example/app.aci", "p"}}),
                                    false);
    EXPECT_FALSE(plan.torrent_url);
    EXPECT_FALSE(plan.magnet);
    EXPECT_FALSE(plan.aci_url);
    auto allowed = plan_from_discovery(result_with({{"http://s.example/app.torrent", "p"}}, {},
                                                   {{"http://s.example/app.aci", "p"}}),
                                       true);
    EXPECT_TRUE(allowed.torrent_url);
    EXPECT_TRUE(allowed.aci_url);
}

TEST(Plan, ExpectationUsesOnlyRequestedLabels) {
    auto ref = discovery::parse_image_ref("example.com/app:1.0,channel=beta");
    ASSERT_TRUE(ref);
    auto e = expectation_for(*ref);
    EXPECT_EQ(e.name.value_or(""), "example.com/app");
    EXPECT_EQ(e.labels.size(), 2u);
    EXPECT_EQ(e.labels.at("version"), "1.0");
    EXPECT_EQ(e.labels.count("os"), 0u);  // discovery defaults are not demanded of the image
}

}  // namespace
}  // namespace aciswarm::agent::fetch
