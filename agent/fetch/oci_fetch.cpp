#include "agent/fetch/oci_fetch.hpp"

#include "agent/fetch/locked_dir.hpp"
#include "convert/oci_layout.hpp"
#include "oci/reference.hpp"
#include "oci/registry_client.hpp"

namespace aciswarm::agent::fetch {

namespace fs = std::filesystem;

namespace {

// The pull into a fresh staging file, synced.
Result<ConvertedStaging> pull_into_staging(store::Store& store, oci::Registry& registry,
                                           const convert::PullRequest& request,
                                           const convert::LayerFileFn& layer_file,
                                           std::stop_token stop) {
    auto file = store.create_staging_file("convert");
    if (!file) return std::move(file).error();
    auto pulled = convert::pull_and_convert(registry, request, layer_file, file->fd(), stop);
    if (!pulled) return with_context(request.origin.original_name, std::move(pulled).error());
    if (auto ok = file->sync(); !ok) return std::move(ok).error();
    return ConvertedStaging{std::move(*file), std::move(*pulled)};
}

}  // namespace

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
    return pull_into_staging(
        store, registry, request,
        [&registry](const oci::Descriptor& layer, std::stop_token token) {
            return registry.verified_blob_file(layer.digest, token);
        },
        stop);
}

Result<ConvertedStaging> convert_docker_image(store::Store& store, const std::string& argument,
                                              const http::ClientOptions& http,
                                              const oci::Platform& platform, std::stop_token stop) {
    auto reference = oci::parse_reference(argument);
    if (!reference) return std::move(reference).error();
    oci::RegistryClientOptions client_options;
    client_options.registry = reference->registry;
    client_options.base_url = std::string(http.allow_http ? "http://" : "https://") +
                              oci::registry_api_host(reference->registry);
    client_options.http = http;
    client_options.max_blob_bytes = store.max_image_size();
    oci::RegistryClient client(client_options);
    auto layers_dir = LockedDir::create(store.staging_dir(), "docker");
    if (!layers_dir) return std::move(layers_dir).error();
    convert::PullRequest request;
    request.repository = reference->repository;
    request.reference = reference->manifest_reference();
    request.platform = platform;
    request.origin.registry = reference->registry;
    request.origin.repository = reference->repository;
    request.origin.tag = reference->tag;
    request.origin.original_name = argument;
    request.squash.max_content_bytes = store.max_image_size();
    return pull_into_staging(
        store, client, request,
        [&](const oci::Descriptor& layer, std::stop_token token) -> Result<fs::path> {
            const fs::path path = layers_dir->path() / layer.digest.hex();
            auto size = oci::download_blob_to_file(client, reference->repository, layer.digest,
                                                   path, token);
            if (!size) return std::move(size).error();
            return path;
        },
        stop);
}

}  // namespace aciswarm::agent::fetch
