#include "oci/reference.hpp"

#include <vector>

#include "common/text.hpp"

namespace aciswarm::oci {
namespace {

constexpr std::size_t max_name_bytes = 255;
constexpr std::size_t max_tag_bytes = 128;

bool is_lower_alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}
bool is_alnum(char c) {
    return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

// path-component := [a-z0-9]+ (separator [a-z0-9]+)*, separator := "." | "_" | "__" | "-"+
bool valid_path_component(std::string_view c) {
    if (c.empty() || !is_lower_alnum(c.front()) || !is_lower_alnum(c.back())) return false;
    std::size_t i = 0;
    while (i < c.size()) {
        if (is_lower_alnum(c[i])) {
            ++i;
            continue;
        }
        const std::size_t start = i;
        while (i < c.size() && !is_lower_alnum(c[i]))
            ++i;
        const std::string_view sep = c.substr(start, i - start);
        const bool dashes = sep.find_first_not_of('-') == std::string_view::npos;
        if (!(sep == "." || sep == "_" || sep == "__" || dashes)) return false;
    }
    return true;
}

bool valid_domain_component(std::string_view c) {
    if (c.empty() || !is_alnum(c.front()) || !is_alnum(c.back())) return false;
    for (const char ch : c) {
        if (!is_alnum(ch) && ch != '-') return false;
    }
    return true;
}

// domain := domain-component ("." domain-component)* [":" port]
bool valid_domain(std::string_view d) {
    const std::size_t colon = d.find(':');
    std::string_view host = d.substr(0, colon);
    if (colon != std::string_view::npos) {
        const std::string_view port = d.substr(colon + 1);
        if (port.empty() || port.size() > 5 ||
            port.find_first_not_of("0123456789") != std::string_view::npos)
            return false;
    }
    while (true) {
        const std::size_t dot = host.find('.');
        if (!valid_domain_component(host.substr(0, dot))) return false;
        if (dot == std::string_view::npos) return true;
        host = host.substr(dot + 1);
    }
}

bool looks_like_domain(std::string_view first) {
    return first.find_first_of(".:") != std::string_view::npos || first == "localhost";
}

Error bad_reference(std::string_view text, const std::string& why) {
    return make_error(Errc::invalid_argument,
                      "image reference " + escape_control(text, 300) + ": " + why);
}

}  // namespace

Status validate_repository(std::string_view repository) {
    if (repository.empty()) return make_error(Errc::invalid_argument, "empty repository name");
    std::string_view rest = repository;
    while (true) {
        const std::size_t slash = rest.find('/');
        if (!valid_path_component(rest.substr(0, slash))) {
            return make_error(Errc::invalid_argument,
                              "repository " + escape_control(repository, 300) +
                                  ": each path component is lowercase letters and digits, "
                                  "joined by '.', '_', '__' or dashes");
        }
        if (slash == std::string_view::npos) return {};
        rest = rest.substr(slash + 1);
    }
}

Status validate_tag(std::string_view tag) {
    const bool ok = !tag.empty() && tag.size() <= max_tag_bytes &&
                    (is_alnum(tag.front()) || tag.front() == '_') &&
                    tag.find_first_not_of(
                        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                        "0123456789_.-") == std::string_view::npos;
    if (ok) return {};
    return make_error(Errc::invalid_argument,
                      "tag " + escape_control(tag, 200) +
                          ": want 1 to 128 of A-Z a-z 0-9 _ . -, not starting with . or -");
}

Result<Reference> parse_reference(std::string_view text) {
    std::string_view rest = text;
    if (rest.starts_with("docker://")) rest.remove_prefix(9);
    Reference ref;
    if (const std::size_t at = rest.find('@'); at != std::string_view::npos) {
        auto digest = parse_digest(rest.substr(at + 1));
        if (!digest) return bad_reference(text, digest.error().message);
        ref.digest = *digest;
        rest = rest.substr(0, at);
    }
    // A ':' after the last '/' starts the tag (one before it is a registry port).
    const std::size_t last_slash = rest.rfind('/');
    const std::size_t colon = rest.find(':', last_slash == std::string_view::npos ? 0 : last_slash);
    if (colon != std::string_view::npos) {
        ref.tag = std::string(rest.substr(colon + 1));
        if (auto ok = validate_tag(ref.tag); !ok) return bad_reference(text, ok.error().message);
        rest = rest.substr(0, colon);
    }
    const std::size_t first_slash = rest.find('/');
    std::string_view repository = rest;
    if (first_slash != std::string_view::npos && looks_like_domain(rest.substr(0, first_slash))) {
        const std::string_view domain = rest.substr(0, first_slash);
        if (!valid_domain(domain)) return bad_reference(text, "invalid registry host");
        ref.registry = ascii_lower(domain);
        repository = rest.substr(first_slash + 1);
    } else {
        ref.registry = std::string(docker_hub);
    }
    if (ref.registry == "index.docker.io") ref.registry = std::string(docker_hub);
    ref.repository = std::string(repository);
    if (ref.registry == docker_hub && repository.find('/') == std::string_view::npos) {
        ref.repository = "library/" + ref.repository;
    }
    if (auto ok = validate_repository(ref.repository); !ok) {
        return bad_reference(text, ok.error().message);
    }
    if (ref.registry.size() + 1 + ref.repository.size() > max_name_bytes) {
        return bad_reference(text, "the name with its registry is over " +
                                       std::to_string(max_name_bytes) + " bytes");
    }
    if (ref.tag.empty() && !ref.digest) ref.tag = "latest";
    return ref;
}

std::string Reference::manifest_reference() const {
    return digest ? digest->to_string() : tag;
}

std::string Reference::to_string() const {
    std::string out = registry + "/" + repository;
    if (!tag.empty()) out += ":" + tag;
    if (digest) out += "@" + digest->to_string();
    return out;
}

std::string registry_api_host(std::string_view registry) {
    if (registry == docker_hub) return std::string(docker_hub_api_host);
    return std::string(registry);
}

std::string pull_scope(std::string_view repository) {
    return "repository:" + std::string(repository) + ":pull";
}

}  // namespace aciswarm::oci
