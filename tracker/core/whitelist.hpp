// The torrent directory (--dir): every *.torrent file in it or its subfolders is parsed by
// torrent/torrent_file.hpp and contributes its v1 info hash and its v2 (BEP 52) info hash,
// truncated to 20 bytes as announced. rescan() notices added, changed and
// removed files by (size, mtime) so unchanged files are not re-read.
//
// Each file also gives a label for the web pages: the torrent's name, and os/arch/
// version from the path `aciswarm publish` writes (DIR/{os}/{arch}/NAME-VERSION.aci.torrent).
//
// Thread-safety: owned by the main thread (start-up, periodic scan, SIGHUP).
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/info_hash.hpp"
#include "common/log.hpp"
#include "common/result.hpp"

namespace aciswarm::tracker {

// The info hashes a .torrent file is announced under (v1 and/or truncated v2).
Result<std::vector<InfoHash>> torrent_file_hashes(const std::filesystem::path& path);
Result<std::vector<InfoHash>> torrent_buffer_hashes(std::string_view bytes);

// What the web pages show for a torrent in --dir (empty fields: not known).
struct TorrentLabel {
    std::string name;
    std::string os;
    std::string arch;
    std::string version;
};

// The label of `file` under `dir`: name and version from the file name when it reads
// NAME-VERSION[.aci].torrent (version starting with a digit), os/arch from the two
// folders above it; otherwise the name inside the torrent (`torrent_name`).
TorrentLabel torrent_label(const std::filesystem::path& dir, const std::filesystem::path& file,
                           const std::string& torrent_name);

class TorrentDirectory {
  public:
    TorrentDirectory(std::filesystem::path dir, Logger& log) : dir_(std::move(dir)), log_(log) {}

    // Re-reads what changed; files that fail to parse are logged and skipped (their
    // previous hashes, if any, are dropped). Fails only when the directory is unreadable.
    Status rescan();
    // All hashes of all readable files.
    std::vector<InfoHash> hashes() const;
    // The hashes of each readable file (v1 first, then the truncated v2 of a hybrid).
    std::vector<std::vector<InfoHash>> torrents() const;
    // Each readable file's hashes (v1 first) with its label.
    std::vector<std::pair<std::vector<InfoHash>, TorrentLabel>> labelled_torrents() const;
    std::size_t file_count() const { return files_.size(); }
    const std::filesystem::path& path() const { return dir_; }

  private:
    struct FileState {
        std::uintmax_t size = 0;
        std::filesystem::file_time_type mtime;
        std::vector<InfoHash> hashes;
        TorrentLabel label;
    };
    std::filesystem::path dir_;
    Logger& log_;
    std::map<std::filesystem::path, FileState> files_;
};

}  // namespace aciswarm::tracker
