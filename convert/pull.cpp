#include "convert/pull.hpp"

#include <sys/utsname.h>

#include <algorithm>

#include "common/text.hpp"
#include "convert/image_config.hpp"

namespace aciswarm::convert {
namespace {

constexpr std::string_view accepted_layer_types[] = {
    "application/vnd.oci.image.layer.v1.tar",
    "application/vnd.oci.image.layer.v1.tar+gzip",
    "application/vnd.oci.image.layer.v1.tar+zstd",
    "application/vnd.docker.image.rootfs.diff.tar.gzip",
};

Status check_layer_type(const oci::Descriptor& layer) {
    const bool known = std::find(std::begin(accepted_layer_types), std::end(accepted_layer_types),
                                 layer.media_type) != std::end(accepted_layer_types);
    if (known && layer.urls.empty()) return {};
    return make_error(Errc::unsupported,
                      "layer " + layer.digest.to_string() + ": media type '" +
                          escape_control(layer.media_type, 128) + "'" +
                          (layer.urls.empty() ? "" : " with foreign URLs") +
                          " cannot be converted (want a tar, tar+gzip or tar+zstd layer)");
}

Result<std::string> read_config(oci::Registry& registry, const PullRequest& request,
                                const oci::Descriptor& config, std::stop_token stop) {
    if (config.size > max_image_config_bytes) {
        return make_error(Errc::too_large, "config " + config.digest.to_string() + ": " +
                                               std::to_string(config.size) + " bytes, over " +
                                               std::to_string(max_image_config_bytes));
    }
    std::string body;
    auto size = registry.get_blob(
        request.repository, config.digest,
        [&body](std::string_view bytes) -> Status {
            if (body.size() + bytes.size() > max_image_config_bytes) {
                return make_error(
                    Errc::too_large,
                    "config blob over " + std::to_string(max_image_config_bytes) + " bytes");
            }
            body.append(bytes);
            return {};
        },
        stop);
    if (!size) return std::move(size).error();
    return body;
}

}  // namespace

oci::Platform host_platform() {
    struct utsname names {};
    const std::string machine = ::uname(&names) == 0 ? names.machine : "";
    if (machine == "aarch64" || machine == "arm64") return {"linux", "arm64", ""};
    if (machine == "armv7l") return {"linux", "arm", "v7"};
    if (machine == "armv6l") return {"linux", "arm", "v6"};
    if (machine == "i386" || machine == "i686") return {"linux", "386", ""};
    if (machine == "ppc64le" || machine == "s390x" || machine == "riscv64") {
        return {"linux", machine, ""};
    }
    return {"linux", "amd64", ""};
}

Result<oci::ManifestResponse> resolve_image_manifest(oci::Registry& registry,
                                                     const PullRequest& request) {
    auto top = registry.get_manifest(request.repository, request.reference);
    if (!top) return top;
    const auto* index = std::get_if<oci::ImageIndex>(&top->manifest);
    if (index == nullptr) return top;
    auto entry = oci::choose_platform(*index, request.platform);
    if (!entry) {
        return make_error(entry.error().code, registry.name() + "/" + request.repository + ":" +
                                                  escape_control(request.reference, 128) + ": " +
                                                  entry.error().message);
    }
    auto chosen = registry.get_manifest(request.repository, entry->digest.to_string());
    if (chosen && std::holds_alternative<oci::ImageIndex>(chosen->manifest)) {
        return make_error(Errc::unsupported, entry->digest.to_string() +
                                                 ": an index inside an index is not supported");
    }
    return chosen;
}

Result<PulledImage> pull_and_convert(oci::Registry& registry, const PullRequest& request,
                                     const LayerFileFn& layer_file, int out_fd,
                                     std::stop_token stop) {
    auto response = resolve_image_manifest(registry, request);
    if (!response) return std::move(response).error();
    const auto& manifest = std::get<oci::ImageManifest>(response->manifest);
    PulledImage out;
    out.manifest_digest = response->digest;
    out.config_digest = manifest.config.digest;
    ImageParts parts;
    parts.config_source = manifest.config.digest.to_string();
    for (const oci::Descriptor& layer : manifest.layers) {
        if (auto ok = check_layer_type(layer); !ok) return std::move(ok).error();
    }
    auto config = read_config(registry, request, manifest.config, stop);
    if (!config) return std::move(config).error();
    parts.config_json = std::move(*config);
    for (const oci::Descriptor& layer : manifest.layers) {
        auto file = layer_file(layer, stop);
        if (!file) return std::move(file).error();
        parts.layers.push_back({std::move(*file), layer.digest.to_string()});
        out.layer_bytes += layer.size;
    }
    ImageOrigin origin = request.origin;
    origin.manifest_digest = out.manifest_digest.to_string();
    origin.config_digest = out.config_digest.to_string();
    auto image = convert_image(parts, origin, out_fd, request.squash);
    if (!image) return std::move(image).error();
    out.image = std::move(*image);
    return out;
}

}  // namespace aciswarm::convert
