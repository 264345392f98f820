// OCI image layouts for tests (image-spec image-layout.md): blobs under
// blobs/sha256/, an index.json whose entries carry the ref.name annotation,
// images made of layer_builder layers and a config, multi-platform indexes.
// What `skopeo copy oci:DIR:TAG docker://…` reads and convert/ converts.
// Deterministic: the same specs give the same digests.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/layer_builder.hpp"

namespace aciswarm::test {

struct OciDescriptor {
    std::string media_type;
    std::string digest;  // "sha256:<hex>"
    std::uint64_t size = 0;
    std::string platform;  // "linux/arm64" in an index entry, "" otherwise
};

struct OciImageSpec {
    std::vector<std::vector<LayerEntry>> layers;  // base first
    std::string os = "linux";
    std::string architecture = "amd64";
    // The config's "config" object (JSON); "{}" for none.
    std::string runtime_config = "{}";
    AciCompression compression = AciCompression::gzip;  // gzip, zstd or none
};

// Writes `bytes` as a blob of the layout at `dir`; returns "sha256:<hex>".
std::string write_oci_blob(const std::filesystem::path& dir, const std::string& bytes);

// The layers, the config (with rootfs.diff_ids) and the image manifest as
// blobs; returns the manifest's descriptor.
OciDescriptor add_oci_image(const std::filesystem::path& dir, const OciImageSpec& spec);

// An image index blob listing `entries` (each with its platform); returns its
// descriptor.
OciDescriptor add_oci_index(const std::filesystem::path& dir,
                            const std::vector<OciDescriptor>& entries);

// Writes oci-layout and index.json: one entry per (descriptor, tag), the tag
// as org.opencontainers.image.ref.name ("" = no annotation).
void write_oci_index_json(const std::filesystem::path& dir,
                          const std::vector<std::pair<OciDescriptor, std::string>>& entries);

}  // namespace aciswarm::test
