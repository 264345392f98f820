#include "web/html.hpp"

#include <gtest/gtest.h>

namespace aciswarm::web {
namespace {

TEST(Html, CellsAndFramesEscapeWhatTheyAreGiven) {
    EXPECT_EQ(cell("name", "<img src=x onerror=alert(1)>"),
              "<td data-field=\"name\">&lt;img src=x onerror=alert(1)&gt;</td>");
    EXPECT_EQ(cell("n", std::uint64_t{18446744073709551615ULL}),
              "<td data-field=\"n\">18446744073709551615</td>");
    const std::string page = render_page(
        {"aciswarm agent", "node", "<script>alert(1)</script>", "/web/agent.js", "", ""},
        "<p>body</p>");
    EXPECT_NE(page.find("<title>&lt;script&gt;alert(1)&lt;/script&gt; - aciswarm agent</title>"),
              std::string::npos)
        << page;
    EXPECT_EQ(page.find("<script>alert"), std::string::npos);
    // The common script first, then the page's own; nothing inline.
    const auto common = page.find("<script src=\"/web/common.js\" defer></script>");
    const auto own = page.find("<script src=\"/web/agent.js\" defer></script>");
    ASSERT_NE(common, std::string::npos);
    ASSERT_NE(own, std::string::npos);
    EXPECT_LT(common, own);
    EXPECT_NE(page.find("<body data-page=\"node\">"), std::string::npos);
}

TEST(Html, NumbersDurationsAndSizesAsText) {
    EXPECT_EQ(fixed1(12.25), "12.2");
    EXPECT_EQ(duration_text(3725), "1h 2m 5s");
    EXPECT_EQ(duration_text(90061), "1d 1h 1m 1s");
    EXPECT_EQ(bytes_text(1023), "1023 B");
    EXPECT_EQ(bytes_text(1536), "1.5 KiB");
    EXPECT_EQ(bytes_text(3ULL << 30), "3.0 GiB");
}

TEST(Html, JsonTextReplacesInvalidUtf8InsteadOfThrowing) {
    const std::string text = json_text(nlohmann::json{{"name", std::string("a\xff")}});
    EXPECT_EQ(text, "{\"name\":\"a\xef\xbf\xbd\"}");
}

TEST(Html, CommonAssetsAndHeaders) {
    auto js = common_asset("/web/common.js");
    ASSERT_TRUE(js);
    EXPECT_EQ(js->content_type, content_type_js);
    EXPECT_NE(js->body.find("function makeSortable"), std::string::npos);
    EXPECT_EQ(js->body.find("innerHTML"), std::string::npos);
    auto css = common_asset("/web/style.css");
    ASSERT_TRUE(css);
    EXPECT_EQ(css->content_type, content_type_css);
    EXPECT_FALSE(common_asset("/web/app.js"));
    EXPECT_NE(security_headers().find("script-src 'self'"), std::string_view::npos);
    EXPECT_EQ(security_headers().find("unsafe-inline"), std::string_view::npos);
}

}  // namespace
}  // namespace aciswarm::web
