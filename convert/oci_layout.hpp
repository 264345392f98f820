// An OCI image layout on disk (image-spec image-layout.md) — what
// `skopeo copy … oci:DIR:TAG` and `umoci` write — read through the same
// oci::Registry seam as an upstream registry, so one pull path
// (convert/pull.hpp) converts both:
//
//   DIR/oci-layout            {"imageLayoutVersion": "1.0.0"}
//   DIR/index.json            an image index; each entry may carry the
//                             annotation org.opencontainers.image.ref.name (the tag)
//   DIR/blobs/sha256/<hex>    manifests, configs and layers, by digest
//
// Manifest "references": a tag is looked up among index.json's ref.name
// annotations; "" means index.json itself (one entry: that entry; several:
// the index, for the caller's platform choice); "sha256:…" is that blob.
// Every blob read is hashed against its digest before it counts (a blob GET
// streams to its sink and fails at the end with Errc::corrupt, as a
// registry's); verified_blob_file hashes a file before returning its path.
//
// The repository argument of the Registry calls is ignored (one layout holds
// one repository). Thread: safe from several threads (no mutable state).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <utility>

#include "common/result.hpp"
#include "oci/registry.hpp"

namespace aciswarm::convert {

// "oci:DIR[:TAG]" (skopeo's syntax; the part after the last ':' is a tag
// when it has no '/'). The name a converted image gets comes from DIR's last
// component.
struct LayoutArgument {
    std::filesystem::path dir;
    std::string tag;  // "" when not given
};
inline constexpr std::string_view oci_layout_prefix = "oci:";
Result<LayoutArgument> parse_layout_argument(std::string_view text);

// "PATH[:TAG]" (the text after oci: or oci-archive:) split into the path and the
// tag ("" when none); a colon with a '/' after it belongs to the path.
std::pair<std::string_view, std::string> split_path_and_tag(std::string_view rest);

class LayoutRegistry final : public oci::Registry {
  public:
    explicit LayoutRegistry(std::filesystem::path dir);

    const std::string& name() const override { return name_; }  // "oci:DIR"
    // The blob file's size (not hashed).
    Result<std::uint64_t> head_blob(std::string_view repository,
                                    const oci::Digest& digest) override;
    // `reference`: a ref.name tag, "" (index.json) or a digest; `repository` is ignored.
    Result<oci::ManifestResponse> get_manifest(std::string_view repository,
                                               std::string_view reference) override;
    // Streams the file, then Errc::corrupt when it did not hash to `digest`.
    Result<std::uint64_t> get_blob(std::string_view repository, const oci::Digest& digest,
                                   const http::SinkFn& sink, std::stop_token stop) override;
    Result<oci::ManifestHead> head_manifest(std::string_view repository,
                                            std::string_view reference) override;

    // The blob's file after hashing it whole against `digest`.
    Result<std::filesystem::path> verified_blob_file(const oci::Digest& digest,
                                                     std::stop_token stop = {}) const;

  private:
    std::filesystem::path blob_path(const oci::Digest& digest) const;
    Result<oci::Digest> resolve_tag(std::string_view tag, const std::string& index_json) const;
    Result<std::uint64_t> stream_blob(const oci::Digest& digest, const http::SinkFn& sink,
                                      std::stop_token stop) const;

    std::filesystem::path dir_;
    std::string name_;  // "oci:DIR"
};

}  // namespace aciswarm::convert
