#include "agent/mirror/route.hpp"

#include "common/text.hpp"
#include "common/url.hpp"

namespace aciswarm::agent::mirror {
namespace {

bool lower_alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool word_char(char c) {
    return lower_alnum(c) || (c >= 'A' && c <= 'Z') || c == '_';
}

// path-component := [a-z0-9]+ (separator [a-z0-9]+)*, separator := [_.] | __ | [-]+
bool valid_component(std::string_view c) {
    if (c.empty() || !lower_alnum(c.front()) || !lower_alnum(c.back())) return false;
    for (std::size_t i = 0; i < c.size();) {
        if (lower_alnum(c[i])) {
            ++i;
            continue;
        }
        std::size_t j = i;
        while (j < c.size() && !lower_alnum(c[j]))
            ++j;
        const std::string_view sep = c.substr(i, j - i);
        const bool ok = sep == "." || sep == "_" || sep == "__" ||
                        sep.find_first_not_of('-') == std::string_view::npos;
        if (!ok) return false;
        i = j;
    }
    return true;
}

// A DNS name (labels of [A-Za-z0-9-], not starting or ending with '-') or an IPv4 address.
bool valid_host(std::string_view host) {
    if (host.empty() || host.size() > max_registry_chars) return false;
    while (!host.empty()) {
        const auto dot = host.find('.');
        const std::string_view label = host.substr(0, dot);
        if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-')
            return false;
        for (const char c : label) {
            const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                            (c >= '0' && c <= '9') || c == '-';
            if (!ok) return false;
        }
        if (dot == std::string_view::npos) break;
        host.remove_prefix(dot + 1);
        if (host.empty()) return false;  // trailing dot
    }
    return true;
}

bool valid_port(std::string_view port) {
    if (port.empty() || port.size() > 5) return false;
    unsigned value = 0;
    for (const char c : port) {
        if (c < '0' || c > '9') return false;
        value = value * 10 + static_cast<unsigned>(c - '0');
    }
    return value >= 1 && value <= 65535;
}

bool valid_v6_literal(std::string_view inside) {
    if (inside.empty() || inside.size() > 45) return false;
    for (const char c : inside) {
        const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
                        (c >= 'A' && c <= 'F') || c == ':' || c == '.';
        if (!ok) return false;
    }
    return inside.find(':') != std::string_view::npos;
}

Error refuse(std::string_view what, std::string_view input, std::string_view why) {
    return make_error(
        Errc::invalid_argument,
        std::string(what) + " '" + escape_control(input, 300) + "': " + std::string(why));
}

}  // namespace

bool valid_repository(std::string_view name) {
    if (name.empty() || name.size() > max_repository_chars) return false;
    while (true) {
        const auto slash = name.find('/');
        if (!valid_component(name.substr(0, slash))) return false;
        if (slash == std::string_view::npos) return true;
        name.remove_prefix(slash + 1);
    }
}

bool valid_tag(std::string_view tag) {
    if (tag.empty() || tag.size() > max_tag_chars || !word_char(tag.front())) return false;
    for (const char c : tag) {
        if (!word_char(c) && c != '.' && c != '-') return false;
    }
    return true;
}

bool valid_registry(std::string_view registry) {
    if (registry.empty() || registry.size() > max_registry_chars) return false;
    if (registry.front() == '[') {
        const auto close = registry.find(']');
        if (close == std::string_view::npos || !valid_v6_literal(registry.substr(1, close - 1)))
            return false;
        const std::string_view rest = registry.substr(close + 1);
        return rest.empty() || (rest.front() == ':' && valid_port(rest.substr(1)));
    }
    const auto colon = registry.find(':');
    if (colon == std::string_view::npos) return valid_host(registry);
    return valid_host(registry.substr(0, colon)) && valid_port(registry.substr(colon + 1));
}

Result<MirrorRoute> parse_mirror_route(std::string_view path, std::optional<std::string_view> ns) {
    if (path.size() > max_target_chars) return refuse("path", path.substr(0, 64), "too long");
    if (path == "/v2/" || path == "/v2") return MirrorRoute{};
    if (!path.starts_with("/v2/")) return refuse("path", path, "not under /v2/");
    const std::string_view rest = path.substr(4);
    MirrorRoute route;
    std::size_t cut = rest.rfind("/manifests/");
    std::size_t skip = 11;
    route.kind = MirrorRoute::Kind::manifest;
    const std::size_t blobs = rest.rfind("/blobs/");
    if (blobs != std::string_view::npos && (cut == std::string_view::npos || blobs > cut)) {
        cut = blobs;
        skip = 7;
        route.kind = MirrorRoute::Kind::blob;
    }
    if (cut == std::string_view::npos)
        return refuse("path", path, "not /v2/<name>/manifests/<ref> or /v2/<name>/blobs/<digest>");
    const std::string_view name = rest.substr(0, cut);
    const std::string_view reference = rest.substr(cut + skip);
    if (!valid_repository(name)) return refuse("repository", name, "not a distribution name");
    if (route.kind == MirrorRoute::Kind::blob || reference.find(':') != std::string_view::npos) {
        auto digest = oci::parse_digest(reference);
        if (!digest) return make_error(Errc::invalid_argument, digest.error().message);
        route.digest = std::move(*digest);
    } else if (!valid_tag(reference)) {
        return refuse("tag", reference, "not a tag ([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})");
    }
    if (!ns) return refuse("path", path, "no ?ns=<registry> (containerd sends it)");
    if (!valid_registry(*ns)) return refuse("ns", *ns, "not a registry host[:port]");
    route.registry = *ns;
    route.repository = name;
    route.reference = reference;
    return route;
}

Result<MirrorRoute> parse_mirror_target(std::string_view target) {
    if (target.size() > max_target_chars) return refuse("target", target.substr(0, 64), "too long");
    const auto question = target.find('?');
    auto path = percent_decode(target.substr(0, question));
    if (!path) return refuse("path", target.substr(0, question), "bad percent escape");
    std::optional<std::string> ns;
    if (question != std::string_view::npos) {
        auto params = parse_query(target.substr(question + 1));
        if (!params) return refuse("query", target.substr(question + 1), "bad percent escape");
        for (const QueryParam& p : *params) {
            if (p.key == "ns") ns = p.value;
        }
    }
    return parse_mirror_route(*path, ns);
}

}  // namespace aciswarm::agent::mirror
