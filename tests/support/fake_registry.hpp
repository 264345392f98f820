// An in-memory oci::Registry for unit tests of the mirror, the origin and
// docker:// conversion: manifests by repository and tag or digest, blobs by
// digest, call counters, and failures to inject. Answers like RegistryClient
// does (not_found for unknown names, the same verification contract: a blob
// served with wrong bytes is reported Errc::corrupt after the sink saw them).
// Thread-safe: one mutex around everything.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "oci/registry.hpp"

namespace aciswarm::test {

class FakeRegistry final : public oci::Registry {
  public:
    explicit FakeRegistry(std::string name = "registry.test") : name_(std::move(name)) {}

    // Stores a blob; returns its digest.
    oci::Digest add_blob(std::string_view repository, std::string bytes);
    // Stores a manifest under its digest and, when `tag` is not empty, the tag.
    oci::Digest add_manifest(std::string_view repository, std::string_view tag, std::string body,
                             std::string media_type);
    // Serves `bytes` for `digest` although they do not hash to it.
    void corrupt_blob(std::string_view repository, const oci::Digest& digest, std::string bytes);
    // Every call fails with `error` until cleared (nullopt).
    void fail_with(std::optional<Error> error);

    std::uint64_t blob_gets(const oci::Digest& digest) const;
    std::uint64_t manifest_gets() const;

    const std::string& name() const override { return name_; }
    Result<oci::ManifestResponse> get_manifest(std::string_view repository,
                                               std::string_view reference) override;
    Result<oci::ManifestHead> head_manifest(std::string_view repository,
                                            std::string_view reference) override;
    Result<std::uint64_t> head_blob(std::string_view repository,
                                    const oci::Digest& digest) override;
    Result<std::uint64_t> get_blob(std::string_view repository, const oci::Digest& digest,
                                   const http::SinkFn& sink, std::stop_token stop) override;

  private:
    struct StoredManifest {
        std::string body;
        std::string media_type;
    };
    const StoredManifest* find_manifest(std::string_view repository,
                                        std::string_view reference) const;

    std::string name_;
    mutable std::mutex mutex_;
    std::map<std::string, StoredManifest> manifests_;  // "repo@sha256:..." and "repo:tag"
    std::map<std::string, std::string> blobs_;         // "repo@sha256:..."
    std::map<oci::Digest, std::uint64_t> blob_gets_;
    std::uint64_t manifest_gets_ = 0;
    std::optional<Error> failure_;
};

}  // namespace aciswarm::test
