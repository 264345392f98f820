#include "agent/mirror/registry_source.hpp"

#include "agent/blobs/swarm_source.hpp"

namespace aciswarm::agent::mirror {
namespace {

// Upstream refused anonymous access or does not know the name: 404, so
// containerd asks upstream itself (with its own credentials, if any).
Error upstream_error(const MirrorRoute& route, const Error& e) {
    const std::string where = route.registry + "/" + route.repository + ": ";
    if (e.code == Errc::permission) {
        return make_error(Errc::not_found,
                          where + "needs credentials; not mirrored (" + e.message + ")");
    }
    if (e.code == Errc::not_found) return make_error(Errc::not_found, where + e.message);
    return make_error(e.code == Errc::timeout ? Errc::timeout : Errc::network, where + e.message);
}

}  // namespace

RegistryMirrorSource::RegistryMirrorSource(std::shared_ptr<blobs::RegistryPool> registries,
                                           std::shared_ptr<blobs::BlobFetcher> fetcher,
                                           std::chrono::milliseconds blob_wait)
    : registries_(std::move(registries)), fetcher_(std::move(fetcher)), blob_wait_(blob_wait) {}

Result<ManifestBlob> RegistryMirrorSource::manifest(const MirrorRoute& route,
                                                    const MirrorRequest& /*request*/) {
    auto registry = registries_->get(route.registry);
    if (!registry) return upstream_error(route, registry.error());
    auto m = (*registry)->get_manifest(route.repository, route.reference);
    if (!m) return upstream_error(route, m.error());
    return ManifestBlob{std::move(m->media_type), m->digest, std::move(m->body)};
}

Result<BlobFile> RegistryMirrorSource::blob(const MirrorRoute& route,
                                            const MirrorRequest& /*request*/) {
    auto registry = registries_->get(route.registry);
    if (!registry) return upstream_error(route, registry.error());
    // Anyone may pull it? (the private-repository check, also for cached blobs)
    if (auto size = (*registry)->head_blob(route.repository, *route.digest); !size)
        return upstream_error(route, size.error());
    auto blob = fetcher_->get({route.registry, route.repository, *route.digest}, blob_wait_);
    if (!blob) return upstream_error(route, blob.error());
    return BlobFile{blob->path, blob->size};
}

Result<std::shared_ptr<Mirror>> make_registry_mirror(const MirrorSetup& setup, Logger& log) {
    auto cache = blobs::BlobCache::open(setup.blob_cache);
    if (!cache) return cache.error();
    auto pool = std::make_shared<blobs::RegistryPool>(
        blobs::registry_client_factory({setup.http_registries, setup.ca_file}));
    std::vector<std::shared_ptr<blobs::BlobSource>> sources;
    if (!setup.origin_url.empty() && setup.engine != nullptr) {
        auto swarm = std::make_shared<blobs::SwarmBlobSource>(
            blobs::SwarmSourceConfig{setup.origin_url, setup.ca_file, setup.blob_cache / "swarm",
                                     setup.swarm_timeout},
            *setup.engine, log);
        swarm->seed_held();
        sources.push_back(std::move(swarm));
    }
    sources.push_back(std::make_shared<blobs::UpstreamBlobSource>(pool));
    auto fetcher = std::make_shared<blobs::BlobFetcher>(std::move(*cache), std::move(sources), log);
    auto source = std::make_shared<RegistryMirrorSource>(pool, fetcher, setup.blob_wait);
    return std::make_shared<Mirror>(source, setup.max_in_flight, log);
}

}  // namespace aciswarm::agent::mirror
