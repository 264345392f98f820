// .torrent files and magnet links, through libtorrent (create_torrent,
// torrent_info, parse_magnet_uri, make_magnet_uri) behind project types.
//
// parse_torrent / parse_magnet / make_magnet are pure functions over bytes:
// no I/O, no logging. create_torrent reads the file it hashes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/info_hash.hpp"
#include "common/peer_endpoint.hpp"
#include "common/result.hpp"

namespace aciswarm::engine {

struct CreateTorrentOptions {
    // announce-list: every tracker in one tier (BEP 12), so a client uses the
    // first that answers; aciswarm trackers share swarms through livesync.
    std::vector<std::string> trackers;
    // url-list (BEP 19): HTTPS URLs of the file itself (single-file torrent).
    std::vector<std::string> web_seeds;
    // Bytes per piece: 0 picks automatically (libtorrent's choice, growing
    // with the file so large images keep a small .torrent); otherwise a power
    // of two ≥ 16 KiB (v2 requires it).
    int piece_size = 0;
    std::string creator = "aciswarm";
    std::string comment;
};

struct CreatedTorrent {
    std::string bytes;  // the bencoded .torrent (v1+v2 hybrid)
    InfoHashes info_hashes;
};

// Hashes one regular file into a hybrid (BEP 3 + BEP 52) single-file torrent
// named after the file. Errors name the file.
Result<CreatedTorrent> create_torrent(const std::filesystem::path& file,
                                      const CreateTorrentOptions& options);

struct TorrentMeta {
    InfoHashes info_hashes;
    std::string name;
    std::int64_t total_size = 0;
    int piece_size = 0;
    int num_pieces = 0;
    int num_files = 0;
    std::vector<std::string> trackers;   // all tiers, in tier order (shuffled within a tier)
    std::vector<std::string> web_seeds;  // url-list (BEP 19)
};

// Parses bencoded .torrent bytes (at most 64 MiB).
Result<TorrentMeta> parse_torrent(std::span<const std::uint8_t> bytes);
Result<TorrentMeta> parse_torrent(std::string_view bytes);

struct MagnetLink {
    InfoHashes info_hashes;              // xt=urn:btih (v1) and/or xt=urn:btmh (v2)
    std::string name;                    // dn
    std::vector<std::string> trackers;   // tr
    std::vector<std::string> web_seeds;  // ws
    std::vector<PeerEndpoint> peers;     // x.pe
};

Result<MagnetLink> parse_magnet(std::string_view uri);

// magnet:?xt=urn:btih:…&xt=urn:btmh:1220…&dn=NAME&tr=…&ws=… for a .torrent.
Result<std::string> make_magnet(std::string_view torrent_bytes);

}  // namespace aciswarm::engine
