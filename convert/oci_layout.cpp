#include "convert/oci_layout.hpp"

#include <unistd.h>

#include <limits>
#include <nlohmann/json.hpp>
#include <tuple>
#include <vector>

#include "common/file_read.hpp"
#include "common/text.hpp"

namespace aciswarm::convert {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view ref_name_annotation = "org.opencontainers.image.ref.name";

std::string_view media_type_of(const oci::Manifest& manifest) {
    if (const auto* image = std::get_if<oci::ImageManifest>(&manifest)) return image->media_type;
    return std::get<oci::ImageIndex>(manifest).media_type;
}

Result<oci::ManifestResponse> manifest_response(std::string body, std::string_view source) {
    auto parsed = oci::parse_manifest(body, "", source);
    if (!parsed) return std::move(parsed).error();
    oci::ManifestResponse out{
        std::move(body), std::string(media_type_of(*parsed)), {}, std::move(*parsed)};
    out.digest = oci::Digest::of(out.body);
    return out;
}

}  // namespace

Result<LayoutArgument> parse_layout_argument(std::string_view text) {
    if (!text.starts_with(oci_layout_prefix)) {
        return make_error(Errc::invalid_argument,
                          "'" + escape_control(text, 256) + "': an OCI layout is oci:DIR[:TAG]");
    }
    std::string_view rest = text.substr(oci_layout_prefix.size());
    LayoutArgument out;
    std::tie(rest, out.tag) = split_path_and_tag(rest);
    if (rest.empty()) {
        return make_error(Errc::invalid_argument,
                          "'" + escape_control(text, 256) + "': no directory after oci:");
    }
    out.dir = fs::path(std::string(rest));
    return out;
}

std::pair<std::string_view, std::string> split_path_and_tag(std::string_view rest) {
    const auto colon = rest.rfind(':');
    if (colon == std::string_view::npos || rest.find('/', colon) != std::string_view::npos) {
        return {rest, ""};
    }
    return {rest.substr(0, colon), std::string(rest.substr(colon + 1))};
}

LayoutRegistry::LayoutRegistry(fs::path dir)
    : dir_(std::move(dir)), name_("oci:" + dir_.string()) {}

fs::path LayoutRegistry::blob_path(const oci::Digest& digest) const {
    return dir_ / "blobs" / "sha256" / digest.hex();
}

Result<oci::Digest> LayoutRegistry::resolve_tag(std::string_view tag,
                                                const std::string& index_json) const {
    const auto doc = nlohmann::json::parse(index_json, nullptr, false);
    std::vector<std::string> tags;
    if (doc.is_object() && doc.contains("manifests") && doc["manifests"].is_array()) {
        for (const auto& entry : doc["manifests"]) {
            if (!entry.is_object() || !entry.contains("annotations")) continue;
            const auto& notes = entry["annotations"];
            const auto ref = notes.is_object() ? notes.find(ref_name_annotation) : notes.end();
            if (ref == notes.end() || !ref->is_string()) continue;
            if (ref->get<std::string>() == tag && entry.contains("digest") &&
                entry["digest"].is_string()) {
                return oci::parse_digest(entry["digest"].get<std::string>());
            }
            tags.push_back(escape_control(ref->get<std::string>(), 64));
        }
    }
    std::string offered;
    for (const std::string& t : tags)
        offered += (offered.empty() ? "" : ", ") + t;
    return make_error(Errc::not_found, name_ + ": no image tagged '" + escape_control(tag, 128) +
                                           "' (tags: " + (offered.empty() ? "none" : offered) +
                                           ")");
}

Result<oci::ManifestResponse> LayoutRegistry::get_manifest(std::string_view repository,
                                                           std::string_view reference) {
    if (reference.starts_with(oci::sha256_prefix)) {
        auto digest = oci::parse_digest(reference);
        if (!digest) return std::move(digest).error();
        const std::string source = name_ + "@" + digest->to_string();
        auto body = read_file_bounded(blob_path(*digest).string(), oci::max_manifest_bytes);
        if (!body) return std::move(body).error();
        if (oci::Digest::of(*body) != *digest) {
            return make_error(Errc::corrupt, source + ": the blob does not hash to its digest");
        }
        return manifest_response(std::move(*body), source);
    }
    const std::string index_path = (dir_ / "index.json").string();
    auto index = read_file_bounded(index_path, oci::max_manifest_bytes);
    if (!index) return std::move(index).error();
    if (!reference.empty()) {
        auto digest = resolve_tag(reference, *index);
        if (!digest) return std::move(digest).error();
        return get_manifest(repository, digest->to_string());
    }
    auto whole = manifest_response(std::move(*index), index_path);
    if (!whole) return whole;
    const auto* list = std::get_if<oci::ImageIndex>(&whole->manifest);
    if (list != nullptr && list->manifests.size() == 1 && !list->manifests.front().platform) {
        return get_manifest(repository, list->manifests.front().digest.to_string());
    }
    return whole;
}

Result<oci::ManifestHead> LayoutRegistry::head_manifest(std::string_view repository,
                                                        std::string_view reference) {
    auto manifest = get_manifest(repository, reference);
    if (!manifest) return std::move(manifest).error();
    return oci::ManifestHead{manifest->media_type, manifest->digest, manifest->body.size()};
}

Result<std::uint64_t> LayoutRegistry::head_blob(std::string_view, const oci::Digest& digest) {
    auto fd = open_regular_file(blob_path(digest).string(), Symlinks::follow);
    if (!fd) return std::move(fd).error();
    auto size = check_regular_file(fd->get(), blob_path(digest).string(),
                                   std::numeric_limits<std::size_t>::max());
    if (!size) return std::move(size).error();
    return static_cast<std::uint64_t>(*size);
}

Result<std::uint64_t> LayoutRegistry::stream_blob(const oci::Digest& digest,
                                                  const http::SinkFn& sink,
                                                  std::stop_token stop) const {
    const std::string path = blob_path(digest).string();
    auto fd = open_regular_file(path, Symlinks::follow);
    if (!fd) return std::move(fd).error();
    oci::Sha256Verifier verifier(digest);
    std::vector<char> buffer(std::size_t{1} << 16);
    for (;;) {
        if (stop.stop_requested()) return make_error(Errc::cancelled, path + ": cancelled");
        const ssize_t n = ::read(fd->get(), buffer.data(), buffer.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return make_error(Errc::io, path + ": read failed");
        if (n == 0) break;
        const std::string_view chunk(buffer.data(), static_cast<std::size_t>(n));
        verifier.update(chunk);
        if (sink) {
            if (auto ok = sink(chunk); !ok) return std::move(ok).error();
        }
    }
    if (auto ok = verifier.finish(); !ok) {
        return make_error(Errc::corrupt, name_ + ": " + ok.error().message);
    }
    return verifier.bytes();
}

Result<std::uint64_t> LayoutRegistry::get_blob(std::string_view, const oci::Digest& digest,
                                               const http::SinkFn& sink, std::stop_token stop) {
    return stream_blob(digest, sink, stop);
}

Result<fs::path> LayoutRegistry::verified_blob_file(const oci::Digest& digest,
                                                    std::stop_token stop) const {
    auto size = stream_blob(digest, {}, stop);
    if (!size) return std::move(size).error();
    return blob_path(digest);
}

}  // namespace aciswarm::convert
