// Builds small ACIs (appc image archives) for tests: a tar with a `manifest`
// entry and some rootfs files, optionally compressed. Deterministic: the same
// spec gives the same bytes (fixed mtimes, owners, modes), so tests can build
// an image twice and expect one image ID.
//
// Why this is not appc/aci_writer (issue 15 asked): that writer turns a
// directory tree on disk into a gzip file, as an image build should. Tests
// need what no directory tree can hold and no build should write: entries
// named "../x", "/etc/x" or "rootfs/a/../../b", an archive without (or with
// a broken) manifest, any of five compressions (the store's decompression
// and bomb limits), the same bytes in memory for hashing without touching
// disk, and a tar without end padding. Doing that through appc's writer would
// need raw-tar helpers that are most of this file, so the two stay apart; the
// manifest JSON for valid images still comes from one place per side
// (appc::render_manifest for images we ship, make_manifest here).
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aciswarm::test {

enum class AciCompression { none, gzip, bzip2, xz, zstd };

struct AciEntry {
    std::string path;  // "rootfs/etc/hello"
    std::string contents;
};

struct AciSpec {
    std::optional<std::string> manifest;  // the `manifest` entry's bytes; nullopt: none
    std::vector<AciEntry> files;          // more entries after the manifest
    AciCompression compression = AciCompression::none;
};

// A valid image manifest JSON for name + labels (acVersion 0.8.11).
std::string make_manifest(std::string_view name,
                          const std::map<std::string, std::string>& labels = {});

// A spec with a valid manifest and one rootfs file whose content makes the
// image unique per `salt`.
AciSpec simple_aci(std::string_view name, std::string_view salt = "",
                   AciCompression compression = AciCompression::none,
                   const std::map<std::string, std::string>& labels = {});

// The uncompressed tar for the spec (compression ignored).
std::string build_tar(const AciSpec& spec);
// The .aci bytes: the tar, compressed as the spec says.
std::string build_aci(const AciSpec& spec);
// Compresses any bytes with libarchive's raw writer.
std::string compress(std::string_view bytes, AciCompression compression);
// build_aci written to a file; returns the path.
std::filesystem::path write_aci(const std::filesystem::path& path, const AciSpec& spec);

}  // namespace aciswarm::test
