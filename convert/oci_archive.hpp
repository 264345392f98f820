// oci-archive:FILE[:TAG] (skopeo's syntax): a tar of an OCI image layout
// (`skopeo copy ... oci-archive:alpine.tar:3.19`), optionally compressed.
// It is unpacked with libarchive into a directory the caller owns (the
// store's staging area) and then read as oci:DIR (convert/oci_layout.hpp),
// where every blob is hashed against its digest before it is used.
//
// What is unpacked: only the layout's own files, `oci-layout`, `index.json`
// and `blobs/sha256/<64 hex>`, each a regular file, once; the directories
// leading to them are made here, not taken from the archive. Every other
// entry (docker's manifest.json, repositories, blobs of other algorithms) is
// skipped, so no name, link or device in the archive can write outside the
// directory. More than `max_bytes` of file content is refused.
//
// layout_entry_file is pure (fuzz target in tests/fuzz/convert.cmake).
// Crash safety: the caller's directory is scratch (a LockedDir in staging,
// removed by the next store open after kill -9).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace aciswarm::convert {

struct ArchiveArgument {
    std::filesystem::path file;
    std::string tag;  // "" when not given
};
inline constexpr std::string_view oci_archive_prefix = "oci-archive:";
// "oci-archive:FILE[:TAG]": the part after the last ':' is a tag when it has no '/'.
Result<ArchiveArgument> parse_archive_argument(std::string_view text);

// The layout file a tar entry name stands for ("./blobs/sha256/<hex>" →
// "blobs/sha256/<hex>"), or nullopt for an entry that is skipped.
std::optional<std::string> layout_entry_file(std::string_view entry_name);

// The image's name from the archive's file name: "alpine.tar" → "alpine"
// (.tar, .tar.gz, .tgz, .tar.zst and .tar.xz are dropped).
std::string archive_image_name(const std::filesystem::path& file);

// Unpacks `archive` into the empty directory `dir` (see above).
Status unpack_layout_archive(const std::filesystem::path& archive, const std::filesystem::path& dir,
                             std::uint64_t max_bytes, std::stop_token stop = {});

}  // namespace aciswarm::convert
