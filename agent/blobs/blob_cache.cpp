#include "agent/blobs/blob_cache.hpp"

#include <sys/stat.h>

namespace aciswarm::agent::blobs {

namespace fs = std::filesystem;

Result<BlobCache> BlobCache::open(const fs::path& dir) {
    std::error_code ec;
    fs::create_directories(dir / "sha256", ec);
    if (ec) return make_error(Errc::io, (dir / "sha256").string() + ": " + ec.message());
    for (const auto& entry : fs::directory_iterator(dir / "sha256", ec)) {
        if (entry.path().filename().string().find(".partial") != std::string::npos)
            fs::remove(entry.path(), ec);
    }
    return BlobCache(dir);
}

fs::path BlobCache::path(const oci::Digest& digest) const {
    return dir_ / "sha256" / digest.hex();
}

std::optional<CachedBlob> BlobCache::find(const oci::Digest& digest) const {
    const fs::path p = path(digest);
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
    return CachedBlob{p, static_cast<std::uint64_t>(st.st_size)};
}

}  // namespace aciswarm::agent::blobs
