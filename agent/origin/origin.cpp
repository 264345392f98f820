#include "agent/origin/origin.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/fd.hpp"
#include "common/file_read.hpp"
#include "common/text.hpp"
#include "torrent/blob_torrent.hpp"

namespace aciswarm::agent::origin {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t max_torrent_bytes = 64 << 20;
constexpr std::string_view metainfo_prefix = "/metainfo/";

fs::path blob_dir(const OriginConfig& config) {
    return config.cache_dir / "blobs";
}
fs::path torrent_path(const OriginConfig& config, const oci::Digest& digest) {
    return config.cache_dir / "torrents" / (digest.hex() + ".torrent");
}

// `bytes` at `path` through a temp file, fsync and rename.
Status write_atomically(const fs::path& path, std::string_view bytes) {
    std::string temp = path.string() + ".partial.XXXXXX";
    UniqueFd fd(::mkostemp(temp.data(), O_CLOEXEC));
    if (!fd) return make_error(Errc::io, temp + ": create: " + std::strerror(errno));
    Status written = write_all(fd.get(), bytes, temp);
    if (written && (::fchmod(fd.get(), 0644) != 0 || ::fsync(fd.get()) != 0)) {
        written = make_error(Errc::io, temp + ": fsync: " + std::strerror(errno));
    }
    if (written && fd.close_checked() != 0) written = make_error(Errc::io, temp + ": close failed");
    if (written && ::rename(temp.c_str(), path.c_str()) != 0) {
        written = make_error(Errc::io, path.string() + ": rename: " + std::strerror(errno));
    }
    if (!written) {
        ::unlink(temp.c_str());
        return written;
    }
    return fsync_directory(path.parent_path().string());
}

OriginResponse text(int status, std::string message) {
    return OriginResponse{status, std::move(message) + "\n", "text/plain; charset=utf-8"};
}

int status_of(const Error& error) {
    switch (error.code) {
        case Errc::not_found:
            return 404;
        case Errc::invalid_argument:
            return 400;
        case Errc::too_large:
            return 503;
        case Errc::timeout:
            return 504;
        default:
            return 502;
    }
}

void remove_partials(const fs::path& dir) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        if (entry.path().filename().string().find(".partial.") != std::string::npos)
            fs::remove(entry.path(), ec);
    }
}

}  // namespace

Result<oci::Digest> parse_metainfo_path(std::string_view path) {
    if (!path.starts_with(metainfo_prefix)) {
        return make_error(Errc::not_found,
                          escape_control(path, 200) + ": not found (GET /metainfo/sha256:<hex>)");
    }
    return oci::parse_digest(path.substr(metainfo_prefix.size()));
}

Origin::Origin(OriginConfig config, std::map<std::string, std::shared_ptr<oci::Registry>> upstreams,
               SeedFn seed, Logger& log)
    : config_(std::move(config)),
      upstreams_(std::move(upstreams)),
      seed_(std::move(seed)),
      log_(log) {}

std::uint64_t Origin::pulls() const {
    std::lock_guard lock(mutex_);
    return pulls_;
}

Result<std::size_t> Origin::start() {
    std::error_code ec;
    for (const fs::path& dir : {blob_dir(config_), config_.cache_dir / "torrents"}) {
        fs::create_directories(dir, ec);
        if (ec) return make_error(Errc::io, dir.string() + ": " + ec.message());
        remove_partials(dir);
    }
    std::size_t seeded = 0;
    for (const auto& entry : fs::directory_iterator(config_.cache_dir / "torrents", ec)) {
        const std::string name = entry.path().filename().string();
        if (!name.ends_with(".torrent")) continue;
        auto digest = oci::parse_digest("sha256:" + name.substr(0, name.size() - 8));
        if (!digest) continue;
        auto torrent = cached(*digest);
        if (!torrent) return std::move(torrent).error();
        if (auto ok = publish(*torrent, *digest); !ok) return std::move(ok).error();
        ++seeded;
    }
    if (ec) return make_error(Errc::io, config_.cache_dir.string() + ": " + ec.message());
    return seeded;
}

Result<std::string> Origin::cached(const oci::Digest& digest) const {
    const fs::path path = torrent_path(config_, digest);
    std::error_code ec;
    if (!fs::exists(path, ec)) return make_error(Errc::not_found, path.string() + ": not cached");
    return read_file_bounded(path.string(), max_torrent_bytes);
}

// Whitelists the torrent for the tracker and seeds it.
Status Origin::publish(const std::string& torrent, const oci::Digest& digest) {
    if (!config_.whitelist_dir.empty()) {
        if (auto ok =
                write_atomically(config_.whitelist_dir / (digest.hex() + ".torrent"), torrent);
            !ok)
            return ok;
    }
    return seed_(torrent, blob_dir(config_));
}

Result<std::string> Origin::pull(oci::Registry& registry, std::string_view repository,
                                 const oci::Digest& digest) {
    const fs::path blob = blob_dir(config_) / digest.hex();
    {
        std::lock_guard lock(mutex_);
        ++pulls_;
    }
    log_.info("pulling ", digest.to_string(), " from ", registry.name(), "/",
              escape_control(repository, 200));
    auto size = oci::download_blob_to_file(registry, repository, digest, blob);
    if (!size) return std::move(size).error();
    auto created = torrent::create_blob_torrent(blob, config_.trackers);
    if (!created) return std::move(created).error();
    if (auto ok = write_atomically(torrent_path(config_, digest), created->bytes); !ok) {
        return std::move(ok).error();
    }
    if (auto ok = publish(created->bytes, digest); !ok) return std::move(ok).error();
    log_.info("seeding ", digest.to_string(), " (", *size, " bytes) info hash ",
              created->info_hashes.best().hex());
    return std::move(created->bytes);
}

Result<std::string> Origin::metainfo(std::string_view ns, std::string_view repository,
                                     const oci::Digest& digest) {
    const auto upstream = upstreams_.find(std::string(ns));
    if (upstream == upstreams_.end()) {
        return make_error(Errc::not_found, "registry " + escape_control(ns, 200) +
                                               " is not an upstream of this origin");
    }
    if (auto hit = cached(digest); hit) return hit;
    std::promise<Result<std::string>> promise;
    Flight flight;
    bool leader = false;
    {
        std::lock_guard lock(mutex_);
        if (const auto it = flights_.find(digest); it != flights_.end()) {
            flight = it->second;
        } else if (flights_.size() >= config_.max_pulls) {
            return make_error(Errc::too_large, "busy: " + std::to_string(config_.max_pulls) +
                                                   " blobs are being pulled (--max-pulls)");
        } else if (auto hit = cached(digest); hit) {
            return hit;  // a pull finished between the first look and the lock
        } else {
            flight = promise.get_future().share();
            flights_.emplace(digest, flight);
            leader = true;
        }
    }
    if (leader) {
        Result<std::string> result = pull(*upstream->second, repository, digest);
        if (!result) log_.warn(digest.to_string(), ": ", result.error().message);
        std::lock_guard lock(mutex_);
        promise.set_value(std::move(result));
        flights_.erase(digest);
    }
    if (flight.wait_for(config_.pull_timeout) != std::future_status::ready) {
        return make_error(Errc::timeout, digest.to_string() + ": still being pulled");
    }
    return flight.get();
}

OriginResponse Origin::handle(std::string_view path, std::string_view ns,
                              std::string_view repository) {
    auto digest = parse_metainfo_path(path);
    if (!digest) return text(status_of(digest.error()), digest.error().message);
    if (ns.empty() || repository.empty()) {
        return text(400, "want ?ns=<registry>&repo=<repository>");
    }
    auto torrent = metainfo(ns, repository, *digest);
    if (!torrent) return text(status_of(torrent.error()), torrent.error().message);
    return OriginResponse{200, std::move(*torrent), "application/x-bittorrent"};
}

}  // namespace aciswarm::agent::origin
