#include "appc/meta.hpp"

#include <gumbo.h>

#include <memory>
#include <unordered_map>

#include "common/text.hpp"

namespace aciswarm::appc {
namespace {

bool is_space(char c) {
    return html_whitespace.find(c) != std::string_view::npos;
}

std::string_view trim(std::string_view s) {
    return aciswarm::trim(s, html_whitespace);
}

void add_tag(const GumboElement& element, std::vector<MetaTag>& out) {
    // gumbo lower-cases attribute names; values keep their case.
    const GumboAttribute* name = gumbo_get_attribute(&element.attributes, "name");
    const GumboAttribute* content = gumbo_get_attribute(&element.attributes, "content");
    if (name == nullptr || content == nullptr) return;
    std::string tag_name = ascii_lower(trim(name->value));
    if (!tag_name.starts_with("ac-")) return;
    const std::string_view text = trim(content->value);
    std::size_t split = 0;
    while (split < text.size() && !is_space(text[split]))
        ++split;
    const std::string_view prefix = text.substr(0, split);
    const std::string_view value = trim(text.substr(split));
    if (prefix.empty() || value.empty()) return;
    out.push_back(MetaTag{std::move(tag_name), std::string(prefix), std::string(value)});
}

bool is_letter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool is_void_element(std::string_view name) {
    static constexpr std::string_view voids[] = {
        "area", "base",  "basefont", "bgsound", "br",   "col",   "embed",  "frame", "hr",
        "img",  "input", "keygen",   "link",    "meta", "param", "source", "track", "wbr"};
    for (std::string_view v : voids) {
        if (v == name) return true;
    }
    return false;
}

// An upper bound of the element nesting an HTML5 parser builds, from a stack of
// open tag names: a start tag pushes (void and self-closed ones do not), an end
// tag pops up to the nearest open element of its name and is ignored when there
// is none, as HTML5 does for ordinary elements. Implied end tags (<p>, <li>) are
// not modelled, which only over-estimates. Returns the byte offset where the
// stack first exceeds `limit`, or npos.
std::size_t nesting_exceeds(std::string_view html, std::size_t limit) {
    std::vector<std::string> open;
    std::unordered_map<std::string, std::size_t> open_count;  // end tags of closed names: O(1)
    auto name_at = [&](std::size_t from) {
        std::size_t end = from;
        while (end < html.size() &&
               (is_letter(html[end]) || (html[end] >= '0' && html[end] <= '9'))) {
            ++end;
        }
        return std::pair{ascii_lower(html.substr(from, end - from)), end};
    };
    for (std::size_t i = 0; i + 1 < html.size(); ++i) {
        if (html[i] != '<') continue;
        if (html[i + 1] == '/') {
            if (i + 2 >= html.size() || !is_letter(html[i + 2])) continue;
            const std::string name = name_at(i + 2).first;
            auto it = open_count.find(name);
            if (it == open_count.end() || it->second == 0) continue;
            while (!open.empty()) {  // pops are paid for by their pushes
                const bool match = open.back() == name;
                --open_count[open.back()];
                open.pop_back();
                if (match) break;
            }
            continue;
        }
        if (!is_letter(html[i + 1])) continue;
        auto [name, end] = name_at(i + 1);
        const std::size_t close = html.find('>', end);
        const bool self_closed = close != std::string_view::npos && html[close - 1] == '/';
        if (is_void_element(name) || self_closed) continue;
        ++open_count[name];
        open.push_back(std::move(name));
        if (open.size() > limit) return i;
    }
    return std::string_view::npos;
}

}  // namespace

Result<std::vector<MetaTag>> extract_meta(std::string_view html) {
    if (const std::size_t at = nesting_exceeds(html, max_html_nesting);
        at != std::string_view::npos) {
        return make_error(Errc::too_large, "HTML nests deeper than " +
                                               std::to_string(max_html_nesting) +
                                               " elements (at byte " + std::to_string(at) + ")");
    }
    std::vector<MetaTag> tags;
    GumboOptions options = kGumboDefaultOptions;
    options.max_errors = 0;  // parse errors are only collected for reporting: none needed
    std::unique_ptr<GumboOutput, void (*)(GumboOutput*)> output(
        gumbo_parse_with_options(&options, html.data(), html.size()),
        [](GumboOutput* o) { gumbo_destroy_output(&kGumboDefaultOptions, o); });
    if (!output) return tags;

    // Depth-first in document order with an explicit stack: pages may nest deeply.
    std::vector<const GumboNode*> stack{output->document};
    while (!stack.empty()) {
        const GumboNode* node = stack.back();
        stack.pop_back();
        const GumboVector* children = nullptr;
        if (node->type == GUMBO_NODE_DOCUMENT) {
            children = &node->v.document.children;
        } else if (node->type == GUMBO_NODE_ELEMENT || node->type == GUMBO_NODE_TEMPLATE) {
            if (node->v.element.tag == GUMBO_TAG_META) add_tag(node->v.element, tags);
            children = &node->v.element.children;
        }
        if (children == nullptr) continue;
        for (unsigned i = children->length; i > 0; --i) {
            stack.push_back(static_cast<const GumboNode*>(children->data[i - 1]));
        }
    }
    return tags;
}

}  // namespace aciswarm::appc
