#include "discovery/render.hpp"

#include <algorithm>

namespace aciswarm::discovery {
namespace {

bool iequals_prefix(std::string_view text, std::string_view prefix) {
    if (text.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        char c = text[i];
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (c != prefix[i]) return false;
    }
    return true;
}

constexpr std::string_view ext_placeholder = "{ext}";

}  // namespace

std::string_view kind_name(Kind kind) {
    switch (kind) {
        case Kind::image:
            return "image";
        case Kind::signature:
            return "signature";
        case Kind::torrent:
            return "torrent";
        case Kind::magnet:
            return "magnet";
    }
    return "?";
}

std::string_view kind_ext(Kind kind) {
    switch (kind) {
        case Kind::image:
            return "aci";
        case Kind::signature:
            return "aci.asc";
        case Kind::torrent:
            return "torrent";
        case Kind::magnet:
            return "magnet";
    }
    return "?";
}

bool is_magnet_uri(std::string_view url) {
    return iequals_prefix(url, "magnet:?");
}

std::optional<Rendered> render_template(std::string_view tmpl, const ImageRef& image,
                                        std::optional<std::string_view> ext) {
    Rendered out;
    std::vector<std::string_view> used;
    std::size_t pos = 0;
    while (pos < tmpl.size()) {
        const std::size_t open = tmpl.find('{', pos);
        if (open == std::string_view::npos) {
            out.url.append(tmpl.substr(pos));
            break;
        }
        const std::size_t close = tmpl.find('}', open + 1);
        if (close == std::string_view::npos) {  // a lone '{' is text, not a placeholder
            out.url.append(tmpl.substr(pos));
            break;
        }
        // "{a{b}": the placeholder is the innermost "{b}".
        const std::size_t inner = tmpl.rfind('{', close);
        out.url.append(tmpl.substr(pos, inner - pos));
        const std::string_view key = tmpl.substr(inner + 1, close - inner - 1);
        if (key == "name") {
            out.url.append(image.name);
        } else if (key == "ext") {
            if (!ext) return std::nullopt;
            out.url.append(*ext);
        } else if (auto value = image.label(key)) {
            out.url.append(*value);
            if (std::find(used.begin(), used.end(), key) == used.end()) used.push_back(key);
        } else {
            return std::nullopt;  // a placeholder nothing fills: the template is dropped
        }
        pos = close + 1;
    }
    out.labels_used = static_cast<int>(used.size());
    return out;
}

std::vector<RenderedEndpoint> render_endpoints(const std::vector<std::string>& templates,
                                               const ImageRef& image) {
    struct Candidate {
        RenderedEndpoint endpoint;
        int labels_used;
    };
    std::vector<Candidate> candidates;
    for (std::size_t i = 0; i < templates.size(); ++i) {
        const std::string& tmpl = templates[i];
        auto add = [&](Kind kind, std::optional<std::string_view> ext) {
            if (auto r = render_template(tmpl, image, ext)) {
                candidates.push_back(
                    {RenderedEndpoint{kind, std::move(r->url), i}, r->labels_used});
            }
        };
        if (is_magnet_uri(tmpl)) {
            add(Kind::magnet, "aci");
            continue;
        }
        const std::size_t last_ext = tmpl.rfind(ext_placeholder);
        if (last_ext == std::string::npos) continue;
        const std::string_view tail =
            std::string_view(tmpl).substr(last_ext + ext_placeholder.size());
        if (tail.ends_with(".torrent")) {
            add(Kind::torrent, "aci");
        } else if (tail.ends_with(".magnet")) {
            add(Kind::magnet, "aci");
        } else {
            for (Kind kind : all_kinds)
                add(kind, kind_ext(kind));
        }
    }
    std::vector<RenderedEndpoint> out;
    for (Kind kind : all_kinds) {
        int best = -1;
        for (const Candidate& c : candidates) {
            if (c.endpoint.kind == kind) best = std::max(best, c.labels_used);
        }
        for (Candidate& c : candidates) {
            if (c.endpoint.kind == kind && c.labels_used == best) out.push_back(c.endpoint);
        }
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const RenderedEndpoint& a, const RenderedEndpoint& b) {
                         return a.template_index < b.template_index;
                     });
    return out;
}

}  // namespace aciswarm::discovery
