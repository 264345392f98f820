#include "tracker/core/whitelist.hpp"

#include <fstream>
#include <set>
#include <sstream>

#include "torrent/torrent_file.hpp"

namespace aciswarm::tracker {

Result<std::vector<InfoHash>> torrent_buffer_hashes(std::string_view bytes) {
    auto meta = engine::parse_torrent(bytes);
    if (!meta) return std::move(meta).error();
    std::vector<InfoHash> hashes = engine::announce_hashes(meta->info_hashes);
    if (hashes.empty()) return make_error(Errc::invalid_argument, "torrent: no info hash");
    return hashes;
}

Result<std::vector<InfoHash>> torrent_file_hashes(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error(Errc::io, path.string() + ": cannot open");
    std::ostringstream buf;
    buf << in.rdbuf();
    auto hashes = torrent_buffer_hashes(buf.str());
    if (!hashes) return with_context(path.string(), std::move(hashes).error());
    return hashes;
}

Status TorrentDirectory::rescan() {
    std::error_code ec;
    // Recursive: `aciswarm publish` lays torrents out as DIR/{os}/{arch}/NAME-VERSION.torrent.
    std::filesystem::recursive_directory_iterator it(
        dir_, std::filesystem::directory_options::skip_permission_denied, ec);
    if (ec) return make_error(Errc::io, dir_.string() + ": " + ec.message());
    std::set<std::filesystem::path> seen;
    for (; it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
        if (ec) break;
        const auto& entry = *it;
        if (entry.path().extension() != ".torrent") continue;
        std::error_code fec;
        if (!entry.is_regular_file(fec)) continue;
        const auto size = entry.file_size(fec);
        const auto mtime = entry.last_write_time(fec);
        if (fec) continue;
        seen.insert(entry.path());
        auto known = files_.find(entry.path());
        if (known != files_.end() && known->second.size == size && known->second.mtime == mtime) {
            continue;
        }
        FileState state{size, mtime, {}};
        if (auto hashes = torrent_file_hashes(entry.path()); hashes) {
            state.hashes = std::move(*hashes);
        } else {
            log_.warn("skipping ", hashes.error().message);
        }
        files_[entry.path()] = std::move(state);
    }
    for (auto f = files_.begin(); f != files_.end();) {
        f = seen.count(f->first) ? std::next(f) : files_.erase(f);
    }
    return {};
}

std::vector<InfoHash> TorrentDirectory::hashes() const {
    std::vector<InfoHash> out;
    for (const auto& [path, state] : files_) {
        out.insert(out.end(), state.hashes.begin(), state.hashes.end());
    }
    return out;
}

std::vector<std::vector<InfoHash>> TorrentDirectory::torrents() const {
    std::vector<std::vector<InfoHash>> out;
    for (const auto& [path, state] : files_) {
        if (!state.hashes.empty()) out.push_back(state.hashes);
    }
    return out;
}

}  // namespace aciswarm::tracker
