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

namespace aciswarm::torrent {

// Which info dictionary a created torrent carries.
enum class TorrentFormat {
    // BEP 3 only (SHA-1 pieces): what every client opens, including Debian 12's
    // transmission 3.00 and aria2 1.36 (docs/publishing.md, docs/interop.md).
    v1,
    // BEP 3 + BEP 52 in one info dictionary: two info hashes, one swarm for
    // v1 and v2 clients. transmission 3.00 refuses it; aria2 1.36 computes a
    // wrong v1 info hash for it.
    hybrid,
    // BEP 52 only (SHA-256 merkle trees): libtorrent 2.x clients only.
    v2,
};
// "v1" | "hybrid" | "v2"; the error names the text.
Result<TorrentFormat> parse_torrent_format(std::string_view text);
std::string_view torrent_format_name(TorrentFormat format);

struct CreateTorrentOptions {
    TorrentFormat format = TorrentFormat::v1;
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
    // BEP 27 "private": clients take peers from the tracker only (no DHT, PEX,
    // LSD), so the tracker's --keys decide who joins (docs/private.md).
    bool private_torrent = false;
};

struct CreatedTorrent {
    std::string bytes;  // the bencoded .torrent, in options.format
    InfoHashes info_hashes;
};

// Hashes one regular file into a single-file torrent named after the file,
// in options.format (v1: BEP 3, v2: BEP 52, hybrid: both; v2 and hybrid carry
// their piece layers). Errors name the file.
Result<CreatedTorrent> create_torrent(const std::filesystem::path& file,
                                      const CreateTorrentOptions& options);

struct TorrentMeta {
    InfoHashes info_hashes;
    std::string name;
    std::int64_t total_size = 0;
    int piece_size = 0;
    int num_pieces = 0;
    int num_files = 0;                   // content files; pad files (BEP 47) are not counted
    std::vector<std::string> trackers;   // all tiers, in tier order (shuffled within a tier)
    std::vector<std::string> web_seeds;  // url-list (BEP 19)
    bool private_torrent = false;        // BEP 27
};

// The 20-byte hashes a torrent is announced under: v1 first, then the v2 hash
// truncated as BEP 52 announces it (what a tracker's whitelist matches).
std::vector<InfoHash> announce_hashes(const InfoHashes& hashes);

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

// libtorrent 2.0.8 (Debian 12) fails v2 piece-layer transfers of files whose
// piece count is 512·n + 1 (n ≥ 1): for the last, single-piece hash request
// the sender's merkle_tree::get_hashes() sends one proof hash fewer than the
// receiver's bt_peer_connection::on_hashes() expects, and the receiver drops
// the peer with "invalid hashes". Only a download that lacks the piece layers
// asks for them, i.e. a magnet of a hybrid or v2 torrent (docs/interop.md).
//
// true: a hybrid magnet (btih and btmh). Over encrypted connections
// libtorrent matches such a peer by its v1 hash and never asks it for v2
// hashes, so requiring encryption avoids the bug. A v2-only magnet has no v1
// half to fall back to: publish avoids 512·n + 1 pieces instead.
bool magnet_needs_encryption(const MagnetLink& magnet);

// true when a hybrid or v2 torrent with this many pieces trips that bug.
bool piece_count_trips_v2_hash_bug(int num_pieces);

// magnet:?xt=urn:btih:…&xt=urn:btmh:1220…&dn=NAME&tr=…&ws=… for a .torrent.
Result<std::string> make_magnet(std::string_view torrent_bytes);

}  // namespace aciswarm::torrent
