// Deterministic torrents of content-addressed blobs (OCI layers and configs),
// so every origin that hashes the same bytes announces the same swarm without
// talking to the others.
//
// The info dictionary holds exactly (BEP 3, v1 only, so transmission 3.00 and
// aria2 1.36 open it):
//   length        the blob's size
//   name          the blob's 64 lowercase hex sha256 digest
//   piece length  blob_piece_size(length), the table below
//   pieces        SHA-1 of each piece
// Nothing else is inside the info dictionary (no private flag, no creator or
// creation date: those, and the trackers, live outside it), so the info hash
// is a function of the bytes alone.
//
//   blob size            piece length
//   < 16 MiB             64 KiB
//   < 128 MiB            256 KiB
//   < 1 GiB              1 MiB
//   < 8 GiB              4 MiB
//   ≥ 8 GiB              16 MiB
//
// Changing the table changes every blob's info hash: never change it in place.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "torrent/torrent_file.hpp"

namespace aciswarm::torrent {

int blob_piece_size(std::uint64_t blob_size);

// Hashes `file`, whose name must be the blob's 64 lowercase hex digest (the
// torrent's name; the caller verified the content). `trackers` go into the
// announce-list, outside the info dictionary. Errors name the file.
Result<CreatedTorrent> create_blob_torrent(const std::filesystem::path& file,
                                           const std::vector<std::string>& trackers);

}  // namespace aciswarm::torrent
