#include "oci/manifest.hpp"

#include <nlohmann/json.hpp>

#include "common/text.hpp"

namespace aciswarm::oci {
namespace {

using nlohmann::json;

Error bad_manifest(std::string_view source, const std::string& why) {
    return make_error(Errc::invalid_argument,
                      "manifest of " + escape_control(source, 300) + ": " + why);
}

Result<std::string> string_field(const json& object, const char* key, bool required,
                                 std::string_view source, std::string_view where) {
    const auto it = object.find(key);
    if (it == object.end()) {
        if (!required) return std::string();
        return bad_manifest(source, std::string(where) + key + " is missing");
    }
    if (!it->is_string()) {
        return bad_manifest(source, std::string(where) + key + " is not a string");
    }
    return it->get<std::string>();
}

Result<Platform> read_platform(const json& object, std::string_view source,
                               std::string_view where) {
    if (!object.is_object()) return bad_manifest(source, std::string(where) + "is not an object");
    Platform p;
    auto os = string_field(object, "os", true, source, where);
    if (!os) return std::move(os).error();
    auto arch = string_field(object, "architecture", true, source, where);
    if (!arch) return std::move(arch).error();
    auto variant = string_field(object, "variant", false, source, where);
    if (!variant) return std::move(variant).error();
    p.os = std::move(*os);
    p.architecture = std::move(*arch);
    p.variant = std::move(*variant);
    return p;
}

Result<Descriptor> read_descriptor(const json& object, std::string_view source,
                                   const std::string& where) {
    if (!object.is_object()) return bad_manifest(source, where + " is not an object");
    Descriptor d;
    auto media_type = string_field(object, "mediaType", true, source, where + ".");
    if (!media_type) return std::move(media_type).error();
    d.media_type = std::move(*media_type);
    auto digest_text = string_field(object, "digest", true, source, where + ".");
    if (!digest_text) return std::move(digest_text).error();
    auto digest = parse_digest(*digest_text);
    if (!digest) return bad_manifest(source, where + ".digest: " + digest.error().message);
    d.digest = *digest;
    const auto size = object.find("size");
    if (size == object.end() || !size->is_number_unsigned()) {
        return bad_manifest(source, where + ".size is missing or not a non-negative integer");
    }
    d.size = size->get<std::uint64_t>();
    if (const auto platform = object.find("platform"); platform != object.end()) {
        auto p = read_platform(*platform, source, where + ".platform.");
        if (!p) return std::move(p).error();
        d.platform = std::move(*p);
    }
    if (const auto urls = object.find("urls"); urls != object.end()) {
        if (!urls->is_array()) return bad_manifest(source, where + ".urls is not an array");
        for (const json& url : *urls) {
            if (!url.is_string()) return bad_manifest(source, where + ".urls holds a non-string");
            d.urls.push_back(url.get<std::string>());
        }
    }
    return d;
}

Result<std::vector<Descriptor>> read_descriptors(const json& doc, const char* key,
                                                 std::string_view source) {
    const auto list = doc.find(key);
    if (list == doc.end() || !list->is_array()) {
        return bad_manifest(source, std::string(key) + " is missing or not an array");
    }
    std::vector<Descriptor> out;
    for (std::size_t i = 0; i < list->size(); ++i) {
        auto d =
            read_descriptor((*list)[i], source, std::string(key) + "[" + std::to_string(i) + "]");
        if (!d) return std::move(d).error();
        out.push_back(std::move(*d));
    }
    return out;
}

bool is_index_type(std::string_view t) {
    return t == oci_index_type || t == docker_list_type;
}

// The media type that decides how to read the body (header comment).
Result<std::string> decide_media_type(const json& doc, std::string_view content_type,
                                      std::string_view source) {
    const std::string header(trim(content_type.substr(0, content_type.find(';')), " \t"));
    if (is_manifest_media_type(header)) return header;
    auto body_type = string_field(doc, "mediaType", false, source, "");
    if (!body_type) return std::move(body_type).error();
    if (is_manifest_media_type(*body_type)) return std::move(*body_type);
    if (!body_type->empty()) {
        return make_error(Errc::unsupported, "manifest of " + escape_control(source, 300) +
                                                 ": media type " + escape_control(*body_type, 100) +
                                                 " is not an image manifest or index");
    }
    if (doc.contains("manifests")) return std::string(oci_index_type);
    if (doc.contains("layers")) return std::string(oci_manifest_type);
    return bad_manifest(source, "neither a media type, nor layers, nor manifests");
}

}  // namespace

std::string manifest_accept_header() {
    return std::string(oci_index_type) + ", " + std::string(docker_list_type) + ", " +
           std::string(oci_manifest_type) + ", " + std::string(docker_manifest_type);
}

bool is_manifest_media_type(std::string_view t) {
    return t == oci_manifest_type || t == docker_manifest_type || is_index_type(t);
}

std::string Platform::to_string() const {
    return os + "/" + architecture + (variant.empty() ? "" : "/" + variant);
}

Result<Platform> parse_platform(std::string_view text) {
    Platform p;
    const std::size_t first = text.find('/');
    const std::size_t second = first == std::string_view::npos ? first : text.find('/', first + 1);
    if (first == std::string_view::npos || first == 0 || first + 1 == text.size() ||
        second + 1 == text.size() ||
        (second != std::string_view::npos &&
         text.find('/', second + 1) != std::string_view::npos)) {
        return make_error(Errc::invalid_argument, "platform " + escape_control(text, 100) +
                                                      ": want os/architecture[/variant]");
    }
    p.os = std::string(text.substr(0, first));
    p.architecture = std::string(text.substr(first + 1, second - first - 1));
    if (second != std::string_view::npos) p.variant = std::string(text.substr(second + 1));
    if (p.architecture.empty()) {
        return make_error(Errc::invalid_argument, "platform " + escape_control(text, 100) +
                                                      ": want os/architecture[/variant]");
    }
    return p;
}

Platform default_platform() {
    return Platform{"linux", "amd64", ""};
}

Result<Manifest> parse_manifest(std::string_view body, std::string_view content_type,
                                std::string_view source) {
    if (body.size() > max_manifest_bytes) {
        return make_error(Errc::too_large, "manifest of " + escape_control(source, 300) + ": " +
                                               std::to_string(body.size()) + " bytes, over " +
                                               std::to_string(max_manifest_bytes));
    }
    const json doc = json::parse(body, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) return bad_manifest(source, "not a JSON object");
    const auto version = doc.find("schemaVersion");
    if (version == doc.end() || !version->is_number_integer() || version->get<long long>() != 2) {
        return make_error(Errc::unsupported, "manifest of " + escape_control(source, 300) +
                                                 ": schemaVersion is not 2 (schema 1 is not "
                                                 "supported)");
    }
    auto media_type = decide_media_type(doc, content_type, source);
    if (!media_type) return std::move(media_type).error();
    if (is_index_type(*media_type)) {
        auto manifests = read_descriptors(doc, "manifests", source);
        if (!manifests) return std::move(manifests).error();
        return Manifest{ImageIndex{std::move(*media_type), std::move(*manifests)}};
    }
    const auto config = doc.find("config");
    if (config == doc.end()) return bad_manifest(source, "config is missing");
    auto config_descriptor = read_descriptor(*config, source, "config");
    if (!config_descriptor) return std::move(config_descriptor).error();
    auto layers = read_descriptors(doc, "layers", source);
    if (!layers) return std::move(layers).error();
    return Manifest{
        ImageManifest{std::move(*media_type), std::move(*config_descriptor), std::move(*layers)}};
}

Result<Descriptor> choose_platform(const ImageIndex& index, const Platform& wanted) {
    std::string offered;
    for (const Descriptor& d : index.manifests) {
        if (!d.platform) continue;
        const Platform& p = *d.platform;
        if (!offered.empty()) offered += ", ";
        offered += p.to_string();
        if (p.os != wanted.os || p.architecture != wanted.architecture) continue;
        const std::string variant =
            p.variant.empty() && p.architecture == "arm64" ? "v8" : p.variant;
        if (!wanted.variant.empty() && variant != wanted.variant) continue;
        return d;
    }
    return make_error(Errc::not_found,
                      "no manifest for " + wanted.to_string() + " in the index (it offers: " +
                          (offered.empty() ? "none" : escape_control(offered)) + ")");
}

}  // namespace aciswarm::oci
