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

namespace aciswarm::discovery {

struct MetaTag {
    std::string name;    // lower-cased, starts with "ac-"
    std::string prefix;  // the prefix-match
    std::string value;   // the URL template (ac-discovery) or URL (ac-discovery-pubkeys)
    bool operator==(const MetaTag&) const = default;
};

inline constexpr std::string_view meta_discovery = "ac-discovery";
inline constexpr std::string_view meta_pubkeys = "ac-discovery-pubkeys";

// Every <meta> anywhere in the document whose name starts with "ac-" (any case),
// in document order. content is trimmed and split at its first whitespace into
// prefix and value (value trimmed); a tag where either is empty is skipped.
// Pure: never fails, whatever the bytes.
std::vector<MetaTag> extract_meta(std::string_view html);

}  // namespace aciswarm::discovery
