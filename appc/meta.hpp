// Extracts appc discovery meta tags from an HTML page.
//
//   <meta name="ac-discovery" content="example.com https://s.example.com/{name}.{ext}">
//   -> MetaTag{name "ac-discovery", prefix "example.com", value
//   "https://s.example.com/{name}.{ext}"}
//
// Uses gumbo, a full HTML5 parser, so unquoted attributes, upper-case names,
// unclosed tags and <meta> outside <head> behave as browsers treat them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace aciswarm::appc {

struct MetaTag {
    std::string name;    // lower-cased, starts with "ac-"
    std::string prefix;  // the prefix-match
    std::string value;   // the URL template (ac-discovery) or URL (ac-discovery-pubkeys)
    bool operator==(const MetaTag&) const = default;
};

inline constexpr std::string_view meta_discovery = "ac-discovery";
inline constexpr std::string_view meta_pubkeys = "ac-discovery-pubkeys";

// gumbo 0.10 needs time and memory quadratic in element nesting (20000 nested
// <div>s: 3 s, 170 MB) and frees its tree recursively, so pages nesting deeper
// than this are refused before parsing. The count is a cheap over-estimate
// (start tags minus end tags, void and self-closed tags not counted); real
// discovery pages nest a few dozen deep.
inline constexpr std::size_t max_html_nesting = 1000;

// Every <meta> anywhere in the document whose name starts with "ac-" (any case),
// in document order. content is trimmed and split at its first whitespace into
// prefix and value (value trimmed); a tag where either is empty is skipped.
// Pure. Fails only (Errc::too_large) when the page nests deeper than max_html_nesting.
Result<std::vector<MetaTag>> extract_meta(std::string_view html);

}  // namespace aciswarm::appc
