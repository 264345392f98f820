// The node's OCI blob cache (docs/oci.md, "The agent as a containerd registry
// mirror"): verified blobs by digest under <dir>/sha256/<hex>, what the mirror
// serves to containerd from disk.
//
// A file at a blob's path is complete and verified: sources write to a
// temporary "<path>.partial.*" and rename only after the sha256 matched
// (oci::download_blob_to_file's contract), so after kill -9 the cache holds
// whole verified blobs and partial files, which open() removes.
// Thread: find() and path() from any thread (they only stat the file system).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>

#include "common/result.hpp"
#include "oci/digest.hpp"

namespace aciswarm::agent::blobs {

struct CachedBlob {
    std::filesystem::path path;
    std::uint64_t size = 0;
};

class BlobCache {
  public:
    // Creates <dir>/sha256 and removes partial files a crash left.
    static Result<BlobCache> open(const std::filesystem::path& dir);

    std::filesystem::path path(const oci::Digest& digest) const;
    std::optional<CachedBlob> find(const oci::Digest& digest) const;

  private:
    explicit BlobCache(std::filesystem::path dir) : dir_(std::move(dir)) {}
    std::filesystem::path dir_;
};

}  // namespace aciswarm::agent::blobs
