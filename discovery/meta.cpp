#include "discovery/meta.hpp"

#include <gumbo.h>

#include <memory>

namespace aciswarm::discovery {
namespace {

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_space(s.back()))
        s.remove_suffix(1);
    return s;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

void add_tag(const GumboElement& element, std::vector<MetaTag>& out) {
    // gumbo lower-cases attribute names; values keep their case.
    const GumboAttribute* name = gumbo_get_attribute(&element.attributes, "name");
    const GumboAttribute* content = gumbo_get_attribute(&element.attributes, "content");
    if (name == nullptr || content == nullptr) return;
    std::string tag_name = lower(trim(name->value));
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

}  // namespace

std::vector<MetaTag> extract_meta(std::string_view html) {
    std::vector<MetaTag> tags;
    GumboOptions options = kGumboDefaultOptions;
    options.max_errors = 1000;  // parse errors are only collected for reporting; bound them
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

}  // namespace aciswarm::discovery
