#include "convert/convert_image.hpp"

#include "common/text.hpp"
#include "convert/image_config.hpp"

namespace aciswarm::convert {

Result<ConvertedImage> convert_image(const ImageParts& parts, const ImageOrigin& origin, int fd,
                                     const SquashOptions& options) {
    auto config = parse_image_config(parts.config_json, parts.config_source);
    if (!config) return std::move(config).error();
    if (!config->diff_ids.empty() && config->diff_ids.size() != parts.layers.size()) {
        return make_error(Errc::invalid_argument,
                          escape_control(parts.config_source, 128) + ": the config lists " +
                              std::to_string(config->diff_ids.size()) +
                              " layers (rootfs.diff_ids), the image manifest " +
                              std::to_string(parts.layers.size()));
    }
    ConvertedImage out;
    auto name = converted_image_name(origin);
    if (!name) return std::move(name).error();
    out.name = std::move(*name);
    out.labels = converted_labels(*config, origin);
    auto manifest = render_converted_manifest(*config, origin);
    if (!manifest) {
        return make_error(manifest.error().code, escape_control(parts.config_source, 128) + ": " +
                                                     manifest.error().message);
    }
    out.manifest_json = std::move(*manifest);
    auto stats = write_squashed_aci_fd(parts.layers, out.manifest_json, fd, options);
    if (!stats) return std::move(stats).error();
    out.stats = *stats;
    return out;
}

}  // namespace aciswarm::convert
