#include "agent/fetch/oci_fetch.hpp"

#include "convert/oci_layout.hpp"

namespace aciswarm::agent::fetch {

namespace fs = std::filesystem;

Result<ConvertedStaging> convert_oci_layout(store::Store& store, const std::string& argument,
                                            const fs::path& cwd, const oci::Platform& platform,
                                            std::stop_token stop) {
    auto layout = convert::parse_layout_argument(argument);
    if (!layout) return std::move(layout).error();
    fs::path dir = layout->dir;
    if (dir.is_relative() && !cwd.empty()) dir = cwd / dir;
    const fs::path named = dir.filename().empty() ? dir.parent_path() : dir;
    convert::LayoutRegistry registry(dir);
    convert::PullRequest request;
    request.reference = layout->tag;
    request.platform = platform;
    request.origin.repository = named.filename().string();
    request.origin.tag = layout->tag;
    request.origin.original_name = argument;
    request.squash.max_content_bytes = store.max_image_size();
    auto file = store.create_staging_file("convert");
    if (!file) return std::move(file).error();
    auto pulled = convert::pull_and_convert(
        registry, request,
        [&registry](const oci::Descriptor& layer, std::stop_token token) {
            return registry.verified_blob_file(layer.digest, token);
        },
        file->fd(), stop);
    if (!pulled) return with_context(argument, std::move(pulled).error());
    if (auto ok = file->sync(); !ok) return std::move(ok).error();
    return ConvertedStaging{std::move(*file), std::move(*pulled)};
}

}  // namespace aciswarm::agent::fetch
