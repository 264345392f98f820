// Reading an ACI (appc image archive): one pass that digests, decompresses and
// finds the image manifest (appc/manifest.hpp), within size limits.
//
// An ACI is a tar, optionally compressed with gzip, bzip2, xz or zstd. Its image
// ID is rkt's: "sha512-" + hex SHA-512 of the UNcompressed tar bytes (every byte
// the decompressor yields, trailing zero blocks included). The blob digest is
// the SHA-512 of the file exactly as stored (compressed or not).
//
// Everything here is a pure function over bytes or a read-only pass over one
// file: no logging, no globals; errors name the input and the reason.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "appc/manifest.hpp"
#include "common/fixed_bytes.hpp"
#include "common/image_id.hpp"
#include "common/result.hpp"

namespace aciswarm::appc {

// SHA-512 of a blob file exactly as stored (the bytes a torrent seeds).
struct BlobSha512 : FixedBytes<64, BlobSha512> {
    static constexpr const char* type_name = "blob sha512";
    using FixedBytes::FixedBytes;
};

// The largest image (as stored, and uncompressed) the store accepts unless
// told otherwise (--max-image-size, daemon key max-image-size).
inline constexpr std::uint64_t default_max_image_size = std::uint64_t{8} << 30;

// Bounds of one pass over an ACI: a hostile file (endless stream, compression
// bomb) stops at the first byte over a limit with Errc::too_large.
struct AciLimits {
    std::uint64_t max_blob_bytes = default_max_image_size;          // bytes as stored
    std::uint64_t max_uncompressed_bytes = default_max_image_size;  // tar bytes
};

// Go's path.Clean, which appc's reader (aci.ManifestFromImage) applies to tar
// entry names: "a//b/./c/.." -> "a/b", "" -> ".". Pure, lexical.
std::string clean_archive_path(std::string_view path);

// True for a tar entry name that means the image manifest: appc's rule
// (path.Clean(name) == "manifest"), plus the rooted "/manifest" older
// builders wrote. An archive with two such entries is refused, so a reader
// that takes the first and one that takes the last cannot see different
// manifests.
bool is_manifest_entry(std::string_view entry_name);

// Checks the first bytes of a download (at least 262, or the whole file when
// shorter) look like an ACI: gzip, bzip2, xz or zstd magic, or a ustar tar
// header (appc's DetectFileType). The error says what the bytes start with.
Status check_aci_magic(std::span<const std::uint8_t> head);
inline constexpr std::size_t aci_magic_bytes = 262;

enum class Compression { none, gzip, bzip2, xz, zstd };
std::string_view compression_name(Compression c);

// The result of one streaming pass over an ACI.
struct AciInfo {
    ImageId id;              // SHA-512 of the uncompressed tar
    BlobSha512 blob_sha512;  // SHA-512 of the bytes as stored
    std::uint64_t size = 0;  // bytes as stored
    Compression compression = Compression::none;
    ManifestInfo manifest;
};

// Source of blob bytes for read_aci_stream: fills `buf`, returns bytes read,
// 0 at end, or an error (which aborts the pass).
using ChunkReader = std::function<Result<std::size_t>(std::span<std::uint8_t> buf)>;

// One pass: blob digest + decompression + image ID + manifest. `what` names the
// input in error messages ("FILE.aci: not a tar archive"). Errors: not a tar,
// corrupt or unsupported compression, no manifest, two manifests, manifest too
// large / not JSON / invalid.
// `limits` bound the bytes read and decompressed (Errc::too_large).
Result<AciInfo> read_aci_stream(const ChunkReader& read, std::string_view what,
                                const AciLimits& limits = {});
// Over bytes in memory (tests, fuzzing).
Result<AciInfo> read_aci_bytes(std::span<const std::uint8_t> bytes, std::string_view what = "aci",
                               const AciLimits& limits = {});
// Over a file; the error names the path.
Result<AciInfo> read_aci_file(const std::filesystem::path& path, const AciLimits& limits = {});

// read_aci_file + check_expectation: what `publish` runs before creating a
// torrent, without importing anything.
Result<AciInfo> validate_aci(const std::filesystem::path& path, const ImageExpectation& expected);

}  // namespace aciswarm::appc

ACISWARM_FIXED_BYTES_HASH(aciswarm::appc::BlobSha512);
