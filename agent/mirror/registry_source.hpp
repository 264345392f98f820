// The mirror's real MirrorSource: manifests from the upstream registry,
// blobs through agent/blobs (the swarm first, upstream last, once per digest).
//
// Tags are mutable: a manifest is always asked upstream (by tag or digest,
// verified against the digest by oci::RegistryClient and honouring
// Docker-Content-Digest); the swarm and the cache are for blobs only.
//
// Private repositories: the mirror's clients are anonymous. Before a blob is
// served (from the cache, the swarm or upstream) the upstream registry is
// asked, anonymously, whether it serves that blob of that repository (HEAD);
// a manifest is fetched anonymously too. A repository that needs credentials
// answers 401, the mirror says 404, and containerd pulls it from upstream
// with its own credentials: the mirror never hands a private blob to a node
// that could not pull it itself, and private images stay off the swarm.
//
// Thread: any number of connection threads at once (the pool and the fetcher
// are thread-safe).
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <set>
#include <string>

#include "agent/blobs/blob_fetcher.hpp"
#include "agent/blobs/blob_source.hpp"
#include "agent/engine/engine.hpp"
#include "agent/mirror/mirror.hpp"

namespace aciswarm::agent::mirror {

class RegistryMirrorSource final : public MirrorSource {
  public:
    // A blob not in the cache within `blob_wait` is a 503 (the fetch goes on).
    RegistryMirrorSource(std::shared_ptr<blobs::RegistryPool> registries,
                         std::shared_ptr<blobs::BlobFetcher> fetcher,
                         std::chrono::milliseconds blob_wait);

    Result<ManifestBlob> manifest(const MirrorRoute& route, const MirrorRequest& request) override;
    Result<BlobFile> blob(const MirrorRoute& route, const MirrorRequest& request) override;
    std::map<std::string, std::uint64_t> bytes_by_source() const override {
        return fetcher_->bytes_by_source();
    }

  private:
    std::shared_ptr<blobs::RegistryPool> registries_;
    std::shared_ptr<blobs::BlobFetcher> fetcher_;
    std::chrono::milliseconds blob_wait_;
};

struct MirrorSetup {
    std::filesystem::path blob_cache;       // verified blobs (agent/blobs/blob_cache.hpp)
    std::set<std::string> http_registries;  // upstreams reached over plain HTTP
    std::string ca_file;                    // CAs for HTTPS upstreams; "" = the system's
    std::chrono::milliseconds blob_wait{10000};
    std::size_t max_in_flight = 32;
    // The swarm source, asked before upstream: an origin URL and the engine
    // (both set) — "" / null: upstream only.
    std::string origin_url = {};
    engine::Engine* engine = nullptr;
    std::chrono::milliseconds swarm_timeout{60000};
};

// The daemon's mirror: a RegistryMirrorSource over anonymous RegistryClients
// and a BlobFetcher with the swarm (when configured; its held blobs are
// seeded again) and then the upstream as its sources.
Result<std::shared_ptr<Mirror>> make_registry_mirror(const MirrorSetup& setup, Logger& log);

}  // namespace aciswarm::agent::mirror
