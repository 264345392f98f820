#include "agent/blobs/swarm_source.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "common/fd.hpp"
#include "common/file_read.hpp"
#include "common/url.hpp"
#include "http/client.hpp"
#include "torrent/torrent_file.hpp"

namespace aciswarm::agent::blobs {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t max_metainfo_bytes = 4 << 20;
constexpr std::size_t hash_chunk = 1 << 20;

// The file hashes to `digest`; its size.
Result<std::uint64_t> verify_file(const fs::path& file, const oci::Digest& digest) {
    auto fd = open_regular_file(file.string(), Symlinks::refuse);
    if (!fd) return fd.error();
    oci::Sha256Verifier verifier(digest);
    std::string buf(hash_chunk, '\0');
    while (true) {
        const ssize_t n = ::read(fd->get(), buf.data(), buf.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return make_error(Errc::io, file.string() + ": read: " + std::strerror(errno));
        }
        if (n == 0) break;
        verifier.update(std::string_view(buf.data(), static_cast<std::size_t>(n)));
    }
    if (Status s = verifier.finish(); !s) return s.error();
    return verifier.bytes();
}

}  // namespace

SwarmBlobSource::SwarmBlobSource(SwarmSourceConfig config, engine::Engine& engine, Logger& log)
    : config_(std::move(config)),
      clock_(config_.clock != nullptr ? *config_.clock : system_clock_),
      engine_(engine),
      log_(log) {
    std::error_code ec;
    fs::create_directories(config_.swarm_dir, ec);
}

Result<std::string> SwarmBlobSource::metainfo(const BlobKey& key) {
    const std::string url = config_.origin_url + "/metainfo/" + key.digest.to_string() +
                            "?ns=" + percent_encode(key.registry) +
                            "&repo=" + percent_encode(key.repository);
    http::ClientOptions options = http::page_options();
    options.allow_http = config_.origin_url.starts_with("http://");
    options.ca_file = config_.ca_file;
    options.max_body = max_metainfo_bytes;
    http::Client client(options);
    auto r = client.get(url);
    if (!r) return r.error();
    if (r->status == 404) return make_error(Errc::not_found, url + ": 404 at the origin");
    if (r->status != 200) {
        return make_error(Errc::network, url + ": HTTP " + std::to_string(r->status) + " " +
                                             r->body.substr(0, 200));
    }
    return std::move(r->body);
}

Result<std::uint64_t> SwarmBlobSource::fetch(const BlobKey& key, const fs::path& path,
                                             std::stop_token stop, BlobProgress& progress) {
    auto torrent = metainfo(key);
    if (!torrent) return torrent.error();
    auto meta = torrent::parse_torrent(*torrent);
    if (!meta) return meta.error();
    if (meta->num_files != 1 || meta->name != key.digest.hex()) {
        return make_error(Errc::protocol, "origin: the torrent of " + key.digest.to_string() +
                                              " is not its one file named by the digest");
    }
    auto size = download(key, *torrent, meta->info_hashes.best(), stop, progress);
    if (!size) return size.error();
    const fs::path held = config_.swarm_dir / std::string(key.digest.hex());
    if (::link(held.c_str(), path.c_str()) != 0 && errno != EEXIST) {
        return make_error(Errc::io, path.string() + ": link: " + std::strerror(errno));
    }
    if (Status s = fsync_directory(path.parent_path().string()); !s) return s.error();
    return size;
}

void SwarmBlobSource::drop(engine::TorrentId id) {
    if (Status s = engine_.remove(id, true); !s) log_.debug("swarm: remove: ", s.error().message);
}

Result<engine::TorrentStatus> SwarmBlobSource::wait_while_moving(engine::TorrentId id,
                                                                 std::stop_token stop,
                                                                 BlobProgress& progress) {
    // Looks at the torrent once a second at most: the engine wakes the wait on
    // completion, the slices are only for the stall check.
    const auto slice =
        std::min<std::chrono::milliseconds>(config_.timeout, std::chrono::seconds(1));
    std::int64_t seen = 0;
    auto last_progress = clock_.now();
    while (true) {
        auto done = engine_.wait_finished(id, slice, stop);
        if (done || done.error().code != Errc::timeout) return done;
        auto status = engine_.status(id);
        if (!status) return status.error();
        const std::int64_t arrived =
            std::max(status->total_done, status->bytes_from_peers + status->bytes_from_web_seeds);
        if (arrived > seen) {
            progress += static_cast<std::uint64_t>(arrived - seen);
            seen = arrived;
            last_progress = clock_.now();
        } else if (clock_.now() - last_progress >= config_.timeout) {
            return make_error(Errc::timeout, "no byte from the swarm for " +
                                                 std::to_string(config_.timeout.count()) + " ms (" +
                                                 std::to_string(seen) + " of " +
                                                 std::to_string(status->total_wanted) +
                                                 " bytes here)");
        }
    }
}

Result<std::uint64_t> SwarmBlobSource::download(const BlobKey& key, const std::string& torrent,
                                                const InfoHash& info_hash, std::stop_token stop,
                                                BlobProgress& progress) {
    const std::string hex(key.digest.hex());
    engine::AddDownload add;
    add.torrent = torrent;
    add.save_path = config_.swarm_dir;
    add.content_name = hex;
    auto id = engine_.add_download(add);
    if (!id && id.error().code == Errc::already_exists) {  // still in the session (seeding)
        if (auto found = engine_.find(info_hash)) id = *found;
    }
    if (!id) return id.error();
    auto done = wait_while_moving(*id, stop, progress);
    if (!done) {
        drop(*id);
        return make_error(done.error().code, "swarm: " + done.error().message);
    }
    auto size = verify_file(config_.swarm_dir / hex, key.digest);
    if (!size) {
        drop(*id);
        return size.error();
    }
    // Kept for seed_held after a restart; a torrent is small and written once.
    const fs::path torrent_file = config_.swarm_dir / (hex + ".torrent");
    UniqueFd fd(::open(torrent_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (fd) {
        if (Status s = write_all(fd.get(), torrent, torrent_file.string()); !s)
            log_.warn(s.error().message);
    }
    log_.info("blob ", key.digest.to_string(), " (", *size, " bytes) from the swarm; seeding it");
    return size;
}

void SwarmBlobSource::seed_held() {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(config_.swarm_dir, ec)) {
        if (entry.path().extension() != ".torrent") continue;
        auto torrent = read_file_bounded(entry.path().string(), max_metainfo_bytes);
        if (!torrent) continue;
        engine::AddSeed seed;
        seed.torrent = *torrent;
        seed.save_path = config_.swarm_dir;
        seed.verify = false;  // verified before the .torrent was written
        if (auto id = engine_.add_seed(seed); !id)
            log_.warn("seed ", entry.path().string(), ": ", id.error().message);
    }
}

}  // namespace aciswarm::agent::blobs
