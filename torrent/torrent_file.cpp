#include "torrent/torrent_file.hpp"

#include <libtorrent/create_torrent.hpp>
#include <libtorrent/error_code.hpp>
#include <libtorrent/file_storage.hpp>
#include <libtorrent/magnet_uri.hpp>
#include <libtorrent/torrent_info.hpp>

#include <system_error>

#include "torrent/lt_convert.hpp"

namespace aciswarm::torrent {
namespace {

constexpr int max_torrent_bytes = 64 << 20;

bool is_power_of_two(int n) {
    return n > 0 && (n & (n - 1)) == 0;
}

Result<std::shared_ptr<const lt::torrent_info>> load(std::string_view bytes) {
    if (bytes.size() > static_cast<std::size_t>(max_torrent_bytes)) {
        return make_error(Errc::too_large, "torrent: " + std::to_string(bytes.size()) +
                                               " bytes, limit " +
                                               std::to_string(max_torrent_bytes));
    }
    lt::load_torrent_limits limits;
    limits.max_buffer_size = max_torrent_bytes;
    try {
        return std::shared_ptr<const lt::torrent_info>(std::make_shared<lt::torrent_info>(
            lt::span<const char>(bytes.data(), static_cast<std::ptrdiff_t>(bytes.size())), limits,
            lt::from_span));
    } catch (const lt::system_error& e) {
        return make_error(Errc::invalid_argument, std::string("torrent: ") + e.code().message());
    } catch (const std::exception& e) {
        return make_error(Errc::invalid_argument, std::string("torrent: ") + e.what());
    }
}

}  // namespace

Result<TorrentFormat> parse_torrent_format(std::string_view text) {
    if (text == "v1") return TorrentFormat::v1;
    if (text == "hybrid") return TorrentFormat::hybrid;
    if (text == "v2") return TorrentFormat::v2;
    std::string shown(text.substr(0, 40));
    for (char& c : shown) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
    }
    return make_error(Errc::invalid_argument,
                      "torrent format '" + shown + "': want v1, hybrid or v2");
}

std::string_view torrent_format_name(TorrentFormat format) {
    switch (format) {
        case TorrentFormat::v1:
            return "v1";
        case TorrentFormat::hybrid:
            return "hybrid";
        case TorrentFormat::v2:
            return "v2";
    }
    return "unknown";
}

Result<CreatedTorrent> create_torrent(const std::filesystem::path& file,
                                      const CreateTorrentOptions& options) {
    const std::string where = "create torrent " + file.string();
    std::error_code fs_error;
    const auto status = std::filesystem::status(file, fs_error);
    if (fs_error) return make_error(Errc::io, where + ": " + fs_error.message());
    if (!std::filesystem::is_regular_file(status)) {
        return make_error(Errc::invalid_argument, where + ": not a regular file");
    }
    const auto size = std::filesystem::file_size(file, fs_error);
    if (fs_error) return make_error(Errc::io, where + ": " + fs_error.message());
    if (size == 0) return make_error(Errc::invalid_argument, where + ": empty file");
    if (options.piece_size != 0 &&
        (!is_power_of_two(options.piece_size) || options.piece_size < 16 * 1024)) {
        return make_error(Errc::invalid_argument, where + ": piece size " +
                                                      std::to_string(options.piece_size) +
                                                      " is not a power of two ≥ 16384");
    }
    try {
        lt::file_storage fs;
        const std::string name = file.filename().string();
        fs.add_file(name, static_cast<std::int64_t>(size));
        lt::create_flags_t flags{};
        if (options.format == TorrentFormat::v1) flags = lt::create_torrent::v1_only;
        if (options.format == TorrentFormat::v2) flags = lt::create_torrent::v2_only;
        int piece_size = options.piece_size;
        if (piece_size == 0 && options.format != TorrentFormat::v1) {
            // libtorrent's automatic size, doubled while the piece count would
            // trip libtorrent 2.0.8's v2 hash transfer bug (see the header).
            piece_size = lt::create_torrent(fs, 0, flags).piece_length();
            const auto pieces = [&](std::int64_t ps) {
                return static_cast<int>((static_cast<std::int64_t>(size) + ps - 1) / ps);
            };
            while (piece_count_trips_v2_hash_bug(pieces(piece_size)) && piece_size < (16 << 20))
                piece_size *= 2;
        }
        lt::create_torrent ct(fs, piece_size, flags);
        for (const auto& tracker : options.trackers)
            ct.add_tracker(tracker, 0);
        for (const auto& seed : options.web_seeds)
            ct.add_url_seed(seed);
        if (!options.creator.empty()) ct.set_creator(options.creator.c_str());
        if (!options.comment.empty()) ct.set_comment(options.comment.c_str());
        ct.set_priv(options.private_torrent);
        lt::error_code ec;
        lt::set_piece_hashes(ct, file.parent_path().string(), ec);
        if (ec) return make_error(Errc::io, where + ": hashing: " + ec.message());
        const std::vector<char> buf = ct.generate_buf();
        CreatedTorrent out;
        out.bytes.assign(buf.begin(), buf.end());
        auto meta = parse_torrent(out.bytes);
        if (!meta) return with_context(where, std::move(meta).error());
        out.info_hashes = meta->info_hashes;
        return out;
    } catch (const std::exception& e) {
        return make_error(Errc::internal, where + ": " + e.what());
    }
}

std::vector<InfoHash> announce_hashes(const InfoHashes& hashes) {
    std::vector<InfoHash> out;
    if (hashes.v1) out.push_back(*hashes.v1);
    if (hashes.v2) out.push_back(hashes.v2->truncated());
    return out;
}

Result<TorrentMeta> parse_torrent(std::string_view bytes) {
    auto parsed = load(bytes);
    if (!parsed) return std::move(parsed).error();
    const lt::torrent_info& ti = **parsed;
    if (!ti.is_valid()) return make_error(Errc::invalid_argument, "torrent: no info dictionary");
    TorrentMeta meta;
    meta.info_hashes = detail::from_lt(ti.info_hashes());
    meta.name = ti.name();
    // Without pad files (see content_files): the bytes of the image itself.
    const auto content = detail::content_files(ti.files());
    meta.total_size = content.bytes;
    meta.piece_size = ti.piece_length();
    meta.num_pieces = ti.num_pieces();
    meta.num_files = content.count;
    meta.private_torrent = ti.priv();
    for (const auto& tracker : ti.trackers())
        meta.trackers.push_back(tracker.url);
    for (const auto& seed : ti.web_seeds()) {
        if (seed.type == lt::web_seed_entry::url_seed) meta.web_seeds.push_back(seed.url);
    }
    return meta;
}

Result<TorrentMeta> parse_torrent(std::span<const std::uint8_t> bytes) {
    return parse_torrent(
        std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

Result<MagnetLink> parse_magnet(std::string_view uri) {
    lt::error_code ec;
    lt::add_torrent_params params =
        lt::parse_magnet_uri(lt::string_view(uri.data(), uri.size()), ec);
    if (ec) {
        std::string shown(uri.substr(0, 80));
        return make_error(Errc::invalid_argument, "magnet link '" + shown + "': " + ec.message());
    }
    MagnetLink link;
    link.info_hashes = detail::from_lt(params.info_hashes);
    if (!link.info_hashes.has_v1() && !link.info_hashes.has_v2()) {
        return make_error(Errc::invalid_argument, "magnet link: no info hash");
    }
    link.name = params.name;
    link.trackers = params.trackers;
    link.web_seeds = params.url_seeds;
    for (const auto& peer : params.peers)
        link.peers.push_back(detail::from_lt(peer));
    return link;
}

bool magnet_needs_encryption(const MagnetLink& magnet) {
    return magnet.info_hashes.has_v1() && magnet.info_hashes.has_v2();
}

bool piece_count_trips_v2_hash_bug(int num_pieces) {
    return num_pieces > 512 && num_pieces % 512 == 1;
}

Result<std::string> make_magnet(std::string_view torrent_bytes) {
    auto parsed = load(torrent_bytes);
    if (!parsed) return std::move(parsed).error();
    std::string uri = lt::make_magnet_uri(**parsed);
    if (uri.empty()) return make_error(Errc::invalid_argument, "torrent: no info hash for magnet");
    return uri;
}

}  // namespace aciswarm::torrent
