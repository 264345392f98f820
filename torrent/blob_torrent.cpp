#include "torrent/blob_torrent.hpp"

namespace aciswarm::torrent {

int blob_piece_size(std::uint64_t blob_size) {
    constexpr std::uint64_t mib = 1024 * 1024;
    if (blob_size < 16 * mib) return 64 * 1024;
    if (blob_size < 128 * mib) return 256 * 1024;
    if (blob_size < 1024 * mib) return 1024 * 1024;
    if (blob_size < 8192 * mib) return 4 * 1024 * 1024;
    return 16 * 1024 * 1024;
}

Result<CreatedTorrent> create_blob_torrent(const std::filesystem::path& file,
                                           const std::vector<std::string>& trackers) {
    const std::string name = file.filename().string();
    if (name.size() != 64 || name.find_first_not_of("0123456789abcdef") != std::string::npos) {
        return make_error(Errc::invalid_argument,
                          "blob torrent " + file.string() +
                              ": the file name must be the blob's 64 lowercase hex digest");
    }
    std::error_code ec;
    const auto size = std::filesystem::file_size(file, ec);
    if (ec) return make_error(Errc::io, "blob torrent " + file.string() + ": " + ec.message());
    CreateTorrentOptions options;
    options.format = TorrentFormat::v1;
    options.trackers = trackers;
    options.piece_size = blob_piece_size(size);
    options.creator.clear();
    return create_torrent(file, options);
}

}  // namespace aciswarm::torrent
