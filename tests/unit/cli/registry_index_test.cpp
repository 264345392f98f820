// agent/publish's registry index: published.json parsing, replacing an
// image's entry on re-publish, and index.html (discovery tags, escaping).
#include "agent/publish/registry_index.hpp"

#include <gtest/gtest.h>

namespace aciswarm::agent::publish {
namespace {

using nlohmann::json;

json entry(const std::string& name, const std::string& version, const std::string& hash) {
    return {{"name", name},
            {"labels", {{"version", version}, {"os", "linux"}, {"arch", "amd64"}}},
            {"path", "linux/amd64/" + name + "-" + version},
            {"info_hash_v1", hash},
            {"info_hash_v2", nullptr}};
}

TEST(ParsePublished, AnArrayIsAcceptedAnythingElseNamesTheFile) {
    auto ok = parse_published(R"([{"name":"a"}])", "reg/published.json");
    ASSERT_TRUE(ok) << ok.error().message;
    EXPECT_EQ(ok->size(), 1u);
    for (const char* bad : {"{}", "not json", "[1,", "\"text\""}) {
        auto r = parse_published(bad, "reg/published.json");
        ASSERT_FALSE(r) << bad;
        EXPECT_EQ(r.error().message,
                  "reg/published.json: unreadable or not a JSON array; fix or remove it");
    }
}

TEST(ReplaceEntry, SameNameAndLabelsIsReplacedOthersAreKeptInOrder) {
    json published =
        json::array({entry("example.com/app", "1.0", "aa"), entry("example.com/other", "2.0", "bb"),
                     entry("example.com/app", "1.1", "cc")});
    const json kept = replace_entry(published, entry("example.com/app", "1.0", "dd"));
    ASSERT_EQ(kept.size(), 3u);
    EXPECT_EQ(kept[0]["info_hash_v1"], "bb");
    EXPECT_EQ(kept[1]["info_hash_v1"], "cc");
    EXPECT_EQ(kept[2]["info_hash_v1"], "dd");
    EXPECT_EQ(replace_entry(json::array(), entry("a.b/c", "1", "ee")).size(), 1u);
}

TEST(RenderIndex, OneDiscoveryTagPerNameAndALinePerImage) {
    json published =
        json::array({entry("example.com/app", "1.0", "aa"), entry("example.com/app", "1.1", "bb")});
    published[1]["pubkey"] = "https://r.example.com/pubkeys/ff.asc";
    const std::string html = render_index(published, "https://r.example.com/");
    EXPECT_NE(html.find("<meta name=\"ac-discovery\" content=\"example.com/app "
                        "https://r.example.com/{os}/{arch}/{name}-{version}.{ext}\">"),
              std::string::npos)
        << html;
    EXPECT_EQ(html.find("ac-discovery\""), html.rfind("ac-discovery\"")) << "one tag per name";
    EXPECT_NE(html.find("<meta name=\"ac-discovery-pubkeys\" content=\"example.com/app "
                        "https://r.example.com/pubkeys/ff.asc\">"),
              std::string::npos)
        << html;
    EXPECT_NE(html.find("<li>example.com/app 1.1 (linux/amd64): <a "
                        "href=\"linux/amd64/example.com/app-1.1.aci\">aci</a>"),
              std::string::npos)
        << html;
    EXPECT_NE(html.find("<code>aa</code>"), std::string::npos) << html;
}

TEST(RenderIndex, ValuesAreEscaped) {
    json published = json::array({entry("example.com/app", "1.0<b>", "aa")});
    published[0]["labels"]["os"] = "\"&";
    const std::string html = render_index(published, "https://r.example.com/?\"x");
    EXPECT_EQ(html.find("<b>"), std::string::npos) << html;
    EXPECT_NE(html.find("1.0&lt;b&gt;"), std::string::npos) << html;
    EXPECT_NE(html.find("(&quot;&amp;/amd64)"), std::string::npos) << html;
    EXPECT_NE(html.find("https://r.example.com/?&quot;x{os}"), std::string::npos) << html;
}

}  // namespace
}  // namespace aciswarm::agent::publish
