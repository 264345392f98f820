#include "tests/support/fake_registry.hpp"

namespace aciswarm::test {
namespace {

std::string blob_key(std::string_view repository, const oci::Digest& digest) {
    return std::string(repository) + "@" + digest.to_string();
}

std::string manifest_key(std::string_view repository, std::string_view reference) {
    return std::string(repository) + (reference.starts_with("sha256:") ? "@" : ":") +
           std::string(reference);
}

}  // namespace

oci::Digest FakeRegistry::add_blob(std::string_view repository, std::string bytes) {
    const oci::Digest digest = oci::Digest::of(bytes);
    std::lock_guard lock(mutex_);
    blobs_[blob_key(repository, digest)] = std::move(bytes);
    return digest;
}

void FakeRegistry::corrupt_blob(std::string_view repository, const oci::Digest& digest,
                                std::string bytes) {
    std::lock_guard lock(mutex_);
    blobs_[blob_key(repository, digest)] = std::move(bytes);
}

oci::Digest FakeRegistry::add_manifest(std::string_view repository, std::string_view tag,
                                       std::string body, std::string media_type) {
    const oci::Digest digest = oci::Digest::of(body);
    std::lock_guard lock(mutex_);
    const StoredManifest stored{std::move(body), std::move(media_type)};
    manifests_[manifest_key(repository, digest.to_string())] = stored;
    if (!tag.empty()) manifests_[manifest_key(repository, tag)] = stored;
    return digest;
}

void FakeRegistry::fail_with(std::optional<Error> error) {
    std::lock_guard lock(mutex_);
    failure_ = std::move(error);
}

std::uint64_t FakeRegistry::blob_gets(const oci::Digest& digest) const {
    std::lock_guard lock(mutex_);
    const auto it = blob_gets_.find(digest);
    return it == blob_gets_.end() ? 0 : it->second;
}

std::uint64_t FakeRegistry::manifest_gets() const {
    std::lock_guard lock(mutex_);
    return manifest_gets_;
}

const FakeRegistry::StoredManifest* FakeRegistry::find_manifest(std::string_view repository,
                                                                std::string_view reference) const {
    const auto it = manifests_.find(manifest_key(repository, reference));
    return it == manifests_.end() ? nullptr : &it->second;
}

Result<oci::ManifestResponse> FakeRegistry::get_manifest(std::string_view repository,
                                                         std::string_view reference) {
    std::lock_guard lock(mutex_);
    ++manifest_gets_;
    if (failure_) return *failure_;
    const StoredManifest* m = find_manifest(repository, reference);
    if (m == nullptr) {
        return make_error(Errc::not_found, name_ + ": manifest " + std::string(repository) + " " +
                                               std::string(reference) + " not found");
    }
    auto parsed = oci::parse_manifest(m->body, m->media_type, name_);
    if (!parsed) return std::move(parsed).error();
    return oci::ManifestResponse{m->body, m->media_type, oci::Digest::of(m->body),
                                 std::move(*parsed)};
}

Result<oci::ManifestHead> FakeRegistry::head_manifest(std::string_view repository,
                                                      std::string_view reference) {
    std::lock_guard lock(mutex_);
    if (failure_) return *failure_;
    const StoredManifest* m = find_manifest(repository, reference);
    if (m == nullptr) {
        return make_error(Errc::not_found, name_ + ": manifest " + std::string(repository) + " " +
                                               std::string(reference) + " not found");
    }
    return oci::ManifestHead{m->media_type, oci::Digest::of(m->body), m->body.size()};
}

Result<std::uint64_t> FakeRegistry::head_blob(std::string_view repository,
                                              const oci::Digest& digest) {
    std::lock_guard lock(mutex_);
    if (failure_) return *failure_;
    const auto it = blobs_.find(blob_key(repository, digest));
    if (it == blobs_.end()) {
        return make_error(Errc::not_found, name_ + ": blob " + digest.to_string() + " not found");
    }
    return static_cast<std::uint64_t>(it->second.size());
}

Result<std::uint64_t> FakeRegistry::get_blob(std::string_view repository, const oci::Digest& digest,
                                             const http::SinkFn& sink, std::stop_token stop) {
    std::string bytes;
    {
        std::lock_guard lock(mutex_);
        ++blob_gets_[digest];
        if (failure_) return *failure_;
        const auto it = blobs_.find(blob_key(repository, digest));
        if (it == blobs_.end()) {
            return make_error(Errc::not_found,
                              name_ + ": blob " + digest.to_string() + " not found");
        }
        bytes = it->second;
    }
    if (stop.stop_requested()) return make_error(Errc::cancelled, name_ + ": cancelled");
    oci::Sha256Verifier verifier(digest);
    verifier.update(bytes);
    if (auto ok = sink(bytes); !ok) return std::move(ok).error();
    if (auto ok = verifier.finish(); !ok) return std::move(ok).error();
    return static_cast<std::uint64_t>(bytes.size());
}

}  // namespace aciswarm::test
