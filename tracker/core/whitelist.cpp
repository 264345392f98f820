#include "tracker/core/whitelist.hpp"

#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

#include "torrent/torrent_file.hpp"

namespace aciswarm::tracker {

namespace {

struct ParsedTorrent {
    std::vector<InfoHash> hashes;
    std::string name;
};

Result<ParsedTorrent> parse_torrent_bytes(std::string_view bytes) {
    auto meta = torrent::parse_torrent(bytes);
    if (!meta) return std::move(meta).error();
    std::vector<InfoHash> hashes = torrent::announce_hashes(meta->info_hashes);
    if (hashes.empty()) return make_error(Errc::invalid_argument, "torrent: no info hash");
    return ParsedTorrent{std::move(hashes), meta->name};
}

Result<ParsedTorrent> parse_torrent_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error(Errc::io, path.string() + ": cannot open");
    std::ostringstream buf;
    buf << in.rdbuf();
    auto parsed = parse_torrent_bytes(buf.str());
    if (!parsed) return with_context(path.string(), std::move(parsed).error());
    return parsed;
}

}  // namespace

TorrentLabel torrent_label(const std::filesystem::path& dir, const std::filesystem::path& file,
                           const std::string& torrent_name) {
    TorrentLabel label;
    label.name = torrent_name;
    std::string stem = file.filename().string();
    for (std::string_view suffix : {".torrent", ".aci"}) {
        if (stem.ends_with(suffix)) stem.resize(stem.size() - suffix.size());
    }
    const std::size_t dash = stem.rfind('-');
    if (dash != std::string::npos && dash > 0 && dash + 1 < stem.size() &&
        std::isdigit(static_cast<unsigned char>(stem[dash + 1]))) {
        label.name = stem.substr(0, dash);
        label.version = stem.substr(dash + 1);
    }
    const std::filesystem::path relative = file.lexically_relative(dir);
    std::vector<std::string> parts;
    for (const auto& part : relative)
        parts.push_back(part.string());
    if (parts.size() >= 3) {
        label.os = parts[parts.size() - 3];
        label.arch = parts[parts.size() - 2];
    }
    return label;
}

Result<std::vector<InfoHash>> torrent_buffer_hashes(std::string_view bytes) {
    auto parsed = parse_torrent_bytes(bytes);
    if (!parsed) return std::move(parsed).error();
    return std::move(parsed->hashes);
}

Result<std::vector<InfoHash>> torrent_file_hashes(const std::filesystem::path& path) {
    auto parsed = parse_torrent_file(path);
    if (!parsed) return std::move(parsed).error();
    return std::move(parsed->hashes);
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
        FileState state{size, mtime, {}, {}};
        if (auto parsed = parse_torrent_file(entry.path()); parsed) {
            state.hashes = std::move(parsed->hashes);
            state.label = torrent_label(dir_, entry.path(), parsed->name);
        } else {
            log_.warn("skipping ", parsed.error().message);
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

std::vector<std::pair<std::vector<InfoHash>, TorrentLabel>> TorrentDirectory::labelled_torrents()
    const {
    std::vector<std::pair<std::vector<InfoHash>, TorrentLabel>> out;
    for (const auto& [path, state] : files_) {
        if (!state.hashes.empty()) out.emplace_back(state.hashes, state.label);
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
