// Where the mirror's blobs come from (docs/oci.md): BlobSource is the seam,
// tried in order by BlobFetcher: the swarm first, the upstream registry as
// the source of last resort. A source writes the blob to a temporary file and
// renames it to the cache path only once its sha256 matched the digest, so a
// file at that path is always a whole verified blob.
//
// RegistryPool: one anonymous oci::RegistryClient per upstream registry (the
// mirror never uses the node's credentials: what it serves, anyone may pull).
// Thread: sources and the pool are called from fetch threads, several at once.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <stop_token>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "oci/digest.hpp"
#include "oci/registry.hpp"

namespace aciswarm::agent::blobs {

// A blob as containerd asked for it: which registry and repository it pulls.
struct BlobKey {
    std::string registry;    // the ns parameter: "docker.io", "127.0.0.1:5000"
    std::string repository;  // "library/alpine"
    oci::Digest digest;
};

// Bytes of a blob received so far by the sources fetching it (unverified, so
// only a sign of life): BlobFetcher's callers wait as long as it grows.
using BlobProgress = std::atomic<std::uint64_t>;

class BlobSource {
  public:
    virtual ~BlobSource() = default;
    virtual std::string_view name() const = 0;  // "upstream", "swarm": metrics and logs
    // Writes the verified blob to `path`; returns its size. Errc::not_found:
    // this source does not have it (the next one is asked). Adds the bytes it
    // receives to `progress` as they arrive.
    virtual Result<std::uint64_t> fetch(const BlobKey& key, const std::filesystem::path& path,
                                        std::stop_token stop, BlobProgress& progress) = 0;
};

// Registry name → its client, or an error for a registry the mirror does not serve.
using RegistryFactory =
    std::function<Result<std::shared_ptr<oci::Registry>>(std::string_view registry)>;

struct RegistryPoolOptions {
    std::set<std::string> http_registries;  // reached over plain HTTP, not HTTPS
    std::string ca_file;                    // "" = the system's CAs
};

// Anonymous RegistryClients, made on first use and kept.
class RegistryPool {
  public:
    explicit RegistryPool(RegistryFactory factory) : factory_(std::move(factory)) {}
    Result<std::shared_ptr<oci::Registry>> get(std::string_view registry);

  private:
    RegistryFactory factory_;
    std::mutex mutex_;
    std::map<std::string, std::shared_ptr<oci::Registry>, std::less<>> clients_;
};

// The real factory: https://<registry_api_host> (http:// for http_registries).
RegistryFactory registry_client_factory(RegistryPoolOptions options);

// The upstream registry itself (oci::download_blob_to_file).
class UpstreamBlobSource final : public BlobSource {
  public:
    explicit UpstreamBlobSource(std::shared_ptr<RegistryPool> pool) : pool_(std::move(pool)) {}
    std::string_view name() const override { return "upstream"; }
    Result<std::uint64_t> fetch(const BlobKey& key, const std::filesystem::path& path,
                                std::stop_token stop, BlobProgress& progress) override;

  private:
    std::shared_ptr<RegistryPool> pool_;
};

}  // namespace aciswarm::agent::blobs
