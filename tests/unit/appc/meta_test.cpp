// Meta tag extraction with a real HTML5 parser: quoting, case, unclosed and
// misplaced tags, content splitting.
#include <gtest/gtest.h>

#include "appc/meta.hpp"

namespace aciswarm::appc {
namespace {

std::vector<MetaTag> extract_ok(std::string_view html) {
    auto tags = extract_meta(html);
    if (!tags) {
        ADD_FAILURE() << tags.error().message;
        return {};
    }
    return *std::move(tags);
}

TEST(DiscoveryMeta, SpecExample) {
    const auto tags = extract_ok(R"(<!DOCTYPE html><html><head>
<meta name="ac-discovery" content="example.com https://storage.example.com/{os}/{arch}/{name}-{version}.{ext}">
<meta name="ac-discovery" content="example.com hdfs://storage.example.com/{name}-{version}-{os}-{arch}.{ext}">
<meta name="ac-discovery-pubkeys" content="example.com https://example.com/pubkeys.gpg">
</head><body></body></html>)");
    const std::vector<MetaTag> want{
        {"ac-discovery", "example.com",
         "https://storage.example.com/{os}/{arch}/{name}-{version}.{ext}"},
        {"ac-discovery", "example.com",
         "hdfs://storage.example.com/{name}-{version}-{os}-{arch}.{ext}"},
        {"ac-discovery-pubkeys", "example.com", "https://example.com/pubkeys.gpg"},
    };
    EXPECT_EQ(tags, want);
}

TEST(DiscoveryMeta, UnquotedAttributesAndUpperCase) {
    // The second tag's content has no spaces so it may be unquoted; the rest follows it.
    const auto tags = extract_ok(
        "<HTML><HEAD><META NAME=AC-Discovery-Pubkeys CONTENT='example.com https://e/k.gpg'>\n"
        "<meta name=ac-discovery content=\"example.com https://s/{name}.{ext}\">\n"
        "<meta name=\"ac-discovery\" content=example.com/x>\n"
        "<Meta Name=\"AC-DISCOVERY\" Content=\"Example.com https://S/{name}.{ext}\"></HEAD>");
    ASSERT_EQ(tags.size(), 3u);
    EXPECT_EQ(tags[0], (MetaTag{"ac-discovery-pubkeys", "example.com", "https://e/k.gpg"}));
    EXPECT_EQ(tags[1], (MetaTag{"ac-discovery", "example.com", "https://s/{name}.{ext}"}));
    // Values keep their case; only the tag name is folded.
    EXPECT_EQ(tags[2], (MetaTag{"ac-discovery", "Example.com", "https://S/{name}.{ext}"}));
}

TEST(DiscoveryMeta, UnclosedTagsAndNoHead) {
    const auto tags = extract_ok(
        "<meta name=ac-discovery content=\"a.com https://a/{name}.{ext}\">"
        "<meta name=ac-discovery content=\"b.com https://b/{name}.{ext}\"");
    // No </meta> is needed; a tag cut off by the end of input is dropped, as HTML5 says.
    ASSERT_EQ(tags.size(), 1u);
    EXPECT_EQ(tags[0].prefix, "a.com");
}

TEST(DiscoveryMeta, MetaAnywhereInDocumentOrder) {
    const auto tags = extract_ok(R"(<html><body><div><p>text
<meta name="ac-discovery" content="one.com https://1/{name}.{ext}">
<table><tr><td><meta name="ac-discovery" content="two.com https://2/{name}.{ext}"></td></tr></table>
<template><meta name="ac-discovery" content="three.com https://3/{name}.{ext}"></template>
<svg><meta name="ac-discovery" content="four.com https://4/{name}.{ext}"></svg>
</div></body></html><meta name="ac-discovery" content="five.com https://5/{name}.{ext}">)");
    std::vector<std::string> prefixes;
    for (const auto& t : tags)
        prefixes.push_back(t.prefix);
    // svg's <meta> is foreign content, not an HTML meta element, except that the
    // HTML5 parser breaks out of svg for <meta>: either way order is kept.
    ASSERT_GE(prefixes.size(), 4u);
    EXPECT_EQ(prefixes[0], "one.com");
    EXPECT_EQ(prefixes[1], "two.com");
    EXPECT_EQ(prefixes[2], "three.com");
    EXPECT_EQ(prefixes.back(), "five.com");
}

TEST(DiscoveryMeta, ContentTrimmedAndSplitAtFirstWhitespace) {
    const auto tags = extract_ok(
        "<meta name=ac-discovery content=\"  example.com \t  https://s/{name}.{ext}  \n\">");
    ASSERT_EQ(tags.size(), 1u);
    EXPECT_EQ(tags[0].prefix, "example.com");
    EXPECT_EQ(tags[0].value, "https://s/{name}.{ext}");
}

TEST(DiscoveryMeta, IgnoredTags) {
    const auto tags = extract_ok(
        "<meta name=ac-discovery content=\"example.com\">"           // no template
        "<meta name=ac-discovery content=\"   \">"                   // empty
        "<meta name=ac-discovery>"                                   // no content
        "<meta content=\"example.com https://x/{ext}\">"             // no name
        "<meta name=description content=\"example.com https://x\">"  // not ac-
        "<meta property=ac-discovery content=\"example.com https://x/{ext}\">"
        "<meta name=ac-other content=\"example.com https://x/y\">");
    ASSERT_EQ(tags.size(), 1u);  // other ac- names are extracted; the walk ignores them
    EXPECT_EQ(tags[0].name, "ac-other");
}

TEST(DiscoveryMeta, GarbageNeverFails) {
    EXPECT_TRUE(extract_ok("").empty());
    EXPECT_TRUE(extract_ok(std::string_view("\0\xff\xfe<<<>>>", 9)).empty());
    EXPECT_TRUE(extract_ok("<meta name=\"ac-discovery\" content=\"unterminated").empty());
    std::string deep;
    for (int i = 0; i < 900; ++i)
        deep += "<div>";
    deep += "<meta name=ac-discovery content=\"d.com https://d/{name}.{ext}\">";
    EXPECT_EQ(extract_ok(deep).size(), 1u);
}

TEST(DiscoveryMeta, DeepNestingRefusedBeforeParsing) {
    std::string deep;
    for (int i = 0; i < 5000; ++i)
        deep += "<div>";
    auto r = extract_meta(deep);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::too_large);
    EXPECT_NE(r.error().message.find("nests deeper than 1000"), std::string::npos)
        << r.error().message;
}

TEST(DiscoveryMeta, ManyFlatTagsAreFine) {
    // Closed, void and self-closed elements do not add up to nesting.
    std::string flat;
    for (int i = 0; i < 3000; ++i) {
        flat += "<p>x</p><br><img src=a><meta name=x content=y><span/><div><b>y</b></DIV>";
    }
    flat += "<meta name=ac-discovery content=\"d.com https://d/{name}.{ext}\">";
    EXPECT_EQ(extract_ok(flat).size(), 1u);
}

}  // namespace
}  // namespace aciswarm::appc
