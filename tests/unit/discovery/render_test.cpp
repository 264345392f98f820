// Template rendering per kind, including the appc spec's own examples.
#include <gtest/gtest.h>

#include "discovery/render.hpp"

namespace aciswarm::discovery {
namespace {

ImageRef image(std::vector<Label> labels, std::string name = "example.com/reduce-worker") {
    return ImageRef{std::move(name), std::move(labels)};
}

std::vector<std::string> urls_of(const std::vector<RenderedEndpoint>& endpoints, Kind kind) {
    std::vector<std::string> out;
    for (const auto& e : endpoints) {
        if (e.kind == kind) out.push_back(e.url);
    }
    return out;
}

TEST(DiscoveryRender, IssueEtcdExample) {
    const ImageRef etcd =
        image({{"version", "v2.0.0"}, {"os", "linux"}, {"arch", "amd64"}}, "coreos.com/etcd");
    const std::vector<std::string> t{
        "https://github.com/coreos/etcd/releases/download/{version}/"
        "etcd-{version}-{os}-{arch}.{ext}"};
    const auto e = render_endpoints(t, etcd);
    const std::string base =
        "https://github.com/coreos/etcd/releases/download/v2.0.0/etcd-v2.0.0-linux-amd64.";
    EXPECT_EQ(urls_of(e, Kind::image), std::vector<std::string>{base + "aci"});
    EXPECT_EQ(urls_of(e, Kind::signature), std::vector<std::string>{base + "aci.asc"});
    EXPECT_EQ(urls_of(e, Kind::torrent), std::vector<std::string>{base + "torrent"});
    EXPECT_EQ(urls_of(e, Kind::magnet), std::vector<std::string>{base + "magnet"});
}

TEST(DiscoveryRender, SpecReduceWorkerExample) {
    // spec/discovery.md: Signature/ACI URLs for the HTTPS template, version 1.0.0.
    const ImageRef w = image({{"version", "1.0.0"}, {"os", "linux"}, {"arch", "amd64"}});
    const std::vector<std::string> t{
        "https://storage.example.com/{os}/{arch}/{name}-{version}.{ext}",
        "hdfs://storage.example.com/{name}-{version}-{os}-{arch}.{ext}"};
    const auto e = render_endpoints(t, w);
    EXPECT_EQ(urls_of(e, Kind::image),
              (std::vector<std::string>{
                  "https://storage.example.com/linux/amd64/example.com/reduce-worker-1.0.0.aci",
                  "hdfs://storage.example.com/example.com/reduce-worker-1.0.0-linux-amd64.aci"}));
    EXPECT_EQ(urls_of(e, Kind::signature)[0],
              "https://storage.example.com/linux/amd64/example.com/reduce-worker-1.0.0.aci.asc");
    // Document order, then kind order.
    ASSERT_EQ(e.size(), 8u);
    EXPECT_EQ(e[0].template_index, 0u);
    EXPECT_EQ(e[0].kind, Kind::image);
    EXPECT_EQ(e[1].kind, Kind::signature);
    EXPECT_EQ(e[4].template_index, 1u);
}

TEST(DiscoveryRender, SpecBestMatchingTemplates) {
    const std::vector<std::string> t{
        "https://storage.example.com/{os}/{arch}/{name}-{version}.{ext}",
        "https://mirror.storage.example.com/{os}/{arch}/{name}-{version}.{ext}",
        "https://storage.example.com/{os}/{arch}/{name}-latest.{ext}"};
    // name + version, os, arch: only the first two (3 labels beat 2).
    auto e = render_endpoints(t, image({{"version", "1.0.0"}, {"os", "linux"}, {"arch", "amd64"}}));
    EXPECT_EQ(urls_of(e, Kind::image),
              (std::vector<std::string>{
                  "https://storage.example.com/linux/amd64/example.com/reduce-worker-1.0.0.aci",
                  "https://mirror.storage.example.com/linux/amd64/example.com/"
                  "reduce-worker-1.0.0.aci"}));
    // name + os, arch (no version at all): only the last renders.
    e = render_endpoints(t, image({{"os", "linux"}, {"arch", "amd64"}}));
    EXPECT_EQ(urls_of(e, Kind::image),
              (std::vector<std::string>{
                  "https://storage.example.com/linux/amd64/example.com/reduce-worker-latest.aci"}));
}

TEST(DiscoveryRender, MissingLabelDropsTemplate) {
    const std::vector<std::string> t{"https://s/{channel}/{name}.{ext}"};
    EXPECT_TRUE(render_endpoints(t, image({{"version", "latest"}})).empty());
    const auto e = render_endpoints(t, image({{"channel", "beta"}}));
    EXPECT_EQ(urls_of(e, Kind::image),
              std::vector<std::string>{"https://s/beta/example.com/reduce-worker.aci"});
}

TEST(DiscoveryRender, UnknownPlaceholderDrops) {
    EXPECT_FALSE(render_template("https://s/{nope}.{ext}", image({}), "aci"));
    EXPECT_FALSE(render_template("https://s/{name}.{ext}", image({}), std::nullopt));
    auto r = render_template("https://s/{name}-{os}-{os}.{ext}", image({{"os", "linux"}}), "aci");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->url, "https://s/example.com/reduce-worker-linux-linux.aci");
    EXPECT_EQ(r->labels_used, 1);
    // A lone brace is text, not a placeholder.
    r = render_template("https://s/{name}{.{ext}", image({}), "aci");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->url, "https://s/example.com/reduce-worker{.aci");
}

TEST(DiscoveryRender, ValuesAreNotRescanned) {
    // {name} is substituted once; nothing in a value is treated as a placeholder.
    auto r = render_template("{version}/{name}.{ext}", image({{"version", "v{x"}}), "aci");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->url, "v{x/example.com/reduce-worker.aci");
}

TEST(DiscoveryRender, MagnetUriTemplateIsMagnetEndpoint) {
    const std::string magnet =
        "magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567&dn={os}-{arch}-{name}-{"
        "version}";
    const ImageRef w = image({{"version", "1"}, {"os", "linux"}, {"arch", "amd64"}});
    auto e = render_endpoints({magnet, "https://s/{os}/{arch}/{name}-{version}.{ext}"}, w);
    EXPECT_EQ(urls_of(e, Kind::magnet),
              (std::vector<std::string>{
                  "magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567&dn=linux-amd64-"
                  "example.com/reduce-worker-1",
                  "https://s/linux/amd64/example.com/reduce-worker-1.magnet"}));
    EXPECT_EQ(urls_of(e, Kind::image).size(), 1u);
    // Best match per kind: the magnet URI fills 3 labels, this .magnet URL only 1.
    e = render_endpoints({magnet, "https://s/{name}-{version}.{ext}"}, w);
    EXPECT_EQ(urls_of(e, Kind::magnet).size(), 1u);
    EXPECT_EQ(urls_of(e, Kind::image),
              std::vector<std::string>{"https://s/example.com/reduce-worker-1.aci"});
}

TEST(DiscoveryRender, RktNotesTorrentAndMagnetSuffixTemplates) {
    // rkt's torrent notes: "...{name}-{version}.{ext}.torrent" and ".{ext}.magnet".
    const std::vector<std::string> t{
        "https://storage.example.com/{os}/{arch}/{name}-{version}.{ext}.torrent",
        "https://storage.example.com/{os}/{arch}/{name}-{version}.{ext}.magnet"};
    const auto e =
        render_endpoints(t, image({{"version", "1"}, {"os", "linux"}, {"arch", "amd64"}}));
    EXPECT_TRUE(urls_of(e, Kind::image).empty());
    EXPECT_EQ(
        urls_of(e, Kind::torrent),
        std::vector<std::string>{
            "https://storage.example.com/linux/amd64/example.com/reduce-worker-1.aci.torrent"});
    EXPECT_EQ(
        urls_of(e, Kind::magnet),
        std::vector<std::string>{
            "https://storage.example.com/linux/amd64/example.com/reduce-worker-1.aci.magnet"});
}

TEST(DiscoveryRender, TemplateWithoutExtIsDropped) {
    EXPECT_TRUE(render_endpoints({"https://s/{name}.aci"}, image({})).empty());
}

TEST(DiscoveryRender, AnySchemeAllowed) {
    const auto e = render_endpoints({"ftp://s/{name}.{ext}"}, image({}));
    EXPECT_EQ(urls_of(e, Kind::image),
              std::vector<std::string>{"ftp://s/example.com/reduce-worker.aci"});
}

TEST(DiscoveryRender, KindNames) {
    EXPECT_EQ(kind_ext(Kind::signature), "aci.asc");
    EXPECT_EQ(kind_name(Kind::torrent), "torrent");
    EXPECT_TRUE(is_magnet_uri("MAGNET:?xt=urn:btih:x"));
    EXPECT_FALSE(is_magnet_uri("magnet:xt"));
}

}  // namespace
}  // namespace aciswarm::discovery
