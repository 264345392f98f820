// Pulling an image through the oci::Registry seam and converting it: the
// manifest by tag or digest (an index → the entry for the wanted platform →
// its manifest), the config blob into memory, each layer as a verified local
// file (from the caller: downloaded, taken from the swarm, or a blob of an
// OCI layout on disk), then convert_image (convert/convert_image.hpp) into
// an open file.
//
// Layer media types accepted: OCI tar, tar+gzip, tar+zstd and Docker's
// rootfs.diff.tar.gzip. Refused (Errc::unsupported, naming the layer):
// foreign / non-distributable and encrypted layers, anything else.
//
// Called from one thread; no state between calls.
#pragma once

#include <filesystem>
#include <functional>
#include <stop_token>
#include <string>

#include "common/result.hpp"
#include "convert/convert_image.hpp"
#include "oci/manifest.hpp"
#include "oci/registry.hpp"

namespace aciswarm::convert {

// This machine's platform as OCI names it (uname's machine: x86_64 → amd64,
// aarch64 → arm64, armv7l → arm/v7, i686 → 386, ppc64le, s390x, riscv64);
// linux/amd64 when unknown.
oci::Platform host_platform();

struct PullRequest {
    std::string repository;  // the registry's repository ("library/alpine"; any for a layout)
    std::string reference;   // tag or "sha256:…" ("" for a layout's only image)
    oci::Platform platform;  // chosen from an index
    ImageOrigin origin;      // registry, repository, tag, original name (digests filled in)
    SquashOptions squash;
};

// A layer's blob as a local file whose content matches the descriptor's
// digest (verified by whoever provides it).
using LayerFileFn =
    std::function<Result<std::filesystem::path>(const oci::Descriptor& layer, std::stop_token)>;

struct PulledImage {
    ConvertedImage image;
    oci::Digest manifest_digest;
    oci::Digest config_digest;
    std::uint64_t layer_bytes = 0;  // compressed, as the manifest lists them
};

// The chosen image manifest: `reference` resolved, an index narrowed to
// `platform`. Errors name the reference.
Result<oci::ManifestResponse> resolve_image_manifest(oci::Registry& registry,
                                                     const PullRequest& request);

Result<PulledImage> pull_and_convert(oci::Registry& registry, const PullRequest& request,
                                     const LayerFileFn& layer_file, int out_fd,
                                     std::stop_token stop = {});

}  // namespace aciswarm::convert
