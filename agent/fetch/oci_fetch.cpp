#include "agent/fetch/oci_fetch.hpp"

#include "agent/blobs/swarm_source.hpp"
#include "agent/fetch/locked_dir.hpp"
#include "convert/oci_archive.hpp"
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

// The layout in `dir` converted; the image is called `name`.
Result<ConvertedStaging> convert_layout_dir(store::Store& store, const fs::path& dir,
                                            const std::string& name, const std::string& tag,
                                            const std::string& argument,
                                            const oci::Platform& platform, std::stop_token stop) {
    convert::LayoutRegistry registry(dir);
    convert::PullRequest request;
    request.reference = tag;
    request.platform = platform;
    request.origin.repository = name;
    request.origin.tag = tag;
    request.origin.original_name = argument;
    request.squash.max_content_bytes = store.max_image_size();
    return pull_into_staging(
        store, registry, request,
        [&registry](const oci::Descriptor& layer, std::stop_token token) {
            return registry.verified_blob_file(layer.digest, token);
        },
        stop);
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
    return convert_layout_dir(store, dir, named.filename().string(), layout->tag, argument,
                              platform, stop);
}

Result<ConvertedStaging> convert_oci_archive(store::Store& store, const std::string& argument,
                                             const fs::path& cwd, const oci::Platform& platform,
                                             std::stop_token stop) {
    auto parsed = convert::parse_archive_argument(argument);
    if (!parsed) return std::move(parsed).error();
    fs::path file = parsed->file;
    if (file.is_relative() && !cwd.empty()) file = cwd / file;
    auto dir = LockedDir::create(store.staging_dir(), "oci-archive");
    if (!dir) return std::move(dir).error();
    // The layout's files are at most the image's size limit: its layers are compressed.
    if (Status s = convert::unpack_layout_archive(file, dir->path(), store.max_image_size(), stop);
        !s)
        return std::move(s).error();
    return convert_layout_dir(store, dir->path(), convert::archive_image_name(file), parsed->tag,
                              argument, platform, stop);
}

namespace {

convert::PullRequest docker_request(const oci::Reference& reference, const std::string& argument,
                                    const oci::Platform& platform, const store::Store& store) {
    convert::PullRequest request;
    request.repository = reference.repository;
    request.reference = reference.manifest_reference();
    request.platform = platform;
    request.origin.registry = reference.registry;
    request.origin.repository = reference.repository;
    request.origin.tag = reference.tag;
    request.origin.original_name = argument;
    request.squash.max_content_bytes = store.max_image_size();
    return request;
}

// Each layer into `dir`: from the swarm when there is one and it delivers,
// else from the registry; counts the bytes each gave.
struct LayerDownloads {
    oci::Registry& registry;
    const oci::Reference& reference;
    fs::path dir;
    std::optional<blobs::SwarmBlobSource> swarm;
    Logger* log = nullptr;
    std::uint64_t from_swarm = 0;
    std::uint64_t from_registry = 0;

    Result<fs::path> get(const oci::Descriptor& layer, std::stop_token stop) {
        const fs::path path = dir / layer.digest.hex();
        if (swarm) {
            const blobs::BlobKey key{reference.registry, reference.repository, layer.digest};
            blobs::BlobProgress progress{0};
            auto size = swarm->fetch(key, path, stop, progress);
            if (size) {
                from_swarm += *size;
                return path;
            }
            log->info("fetch: layer ", layer.digest.to_string(), " not from the swarm (",
                      size.error().message, "): from the registry");
        }
        auto size =
            oci::download_blob_to_file(registry, reference.repository, layer.digest, path, stop);
        if (!size) return std::move(size).error();
        from_registry += *size;
        return path;
    }
};

}  // namespace

Result<ConvertedStaging> convert_docker_image(store::Store& store, const std::string& argument,
                                              const http::ClientOptions& http,
                                              const oci::Platform& platform,
                                              const LayerSwarm* swarm, std::stop_token stop) {
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
    LayerDownloads downloads{client, *reference, layers_dir->path(), std::nullopt};
    if (swarm != nullptr) {
        blobs::SwarmSourceConfig config{swarm->origin_url, http.ca_file,
                                        layers_dir->path() / "swarm", swarm->timeout};
        downloads.swarm.emplace(std::move(config), swarm->engine, swarm->log);
        downloads.log = &swarm->log;
    }
    auto converted = pull_into_staging(
        store, client, docker_request(*reference, argument, platform, store),
        [&downloads](const oci::Descriptor& layer, std::stop_token token) {
            return downloads.get(layer, token);
        },
        stop);
    if (!converted) return converted;
    converted->from_swarm = downloads.from_swarm;
    converted->from_registry = downloads.from_registry;
    return converted;
}

}  // namespace aciswarm::agent::fetch
