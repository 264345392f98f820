#include "agent/blobs/blob_source.hpp"

#include "oci/reference.hpp"
#include "oci/registry_client.hpp"

namespace aciswarm::agent::blobs {

Result<std::shared_ptr<oci::Registry>> RegistryPool::get(std::string_view registry) {
    std::lock_guard lock(mutex_);
    if (auto it = clients_.find(registry); it != clients_.end()) return it->second;
    auto made = factory_(registry);
    if (!made) return made.error();
    clients_.emplace(std::string(registry), *made);
    return *made;
}

RegistryFactory registry_client_factory(RegistryPoolOptions options) {
    return [options = std::move(options)](
               std::string_view registry) -> Result<std::shared_ptr<oci::Registry>> {
        oci::RegistryClientOptions o;
        o.registry = registry;
        const bool plain = options.http_registries.contains(std::string(registry));
        o.base_url = (plain ? "http://" : "https://") + oci::registry_api_host(registry);
        o.http.allow_http = plain;
        o.http.ca_file = options.ca_file;
        return std::shared_ptr<oci::Registry>(std::make_shared<oci::RegistryClient>(o));
    };
}

Result<std::uint64_t> UpstreamBlobSource::fetch(const BlobKey& key,
                                                const std::filesystem::path& path,
                                                std::stop_token stop, BlobProgress& progress) {
    auto registry = pool_->get(key.registry);
    if (!registry) return registry.error();
    return oci::download_blob_to_file(**registry, key.repository, key.digest, path, stop,
                                      &progress);
}

}  // namespace aciswarm::agent::blobs
