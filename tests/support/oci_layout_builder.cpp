#include "tests/support/oci_layout_builder.hpp"

#include <fstream>
#include <nlohmann/json.hpp>

#include "common/digest.hpp"
#include "common/hex.hpp"

namespace aciswarm::test {
namespace {

using nlohmann::json;

std::string sha256_hex(const std::string& bytes) {
    return to_hex(Digest::of(Digest::Algorithm::sha256, bytes));
}

json descriptor_json(const OciDescriptor& d) {
    json out = {{"mediaType", d.media_type}, {"digest", d.digest}, {"size", d.size}};
    if (!d.platform.empty()) {
        const auto slash = d.platform.find('/');
        out["platform"] = {{"os", d.platform.substr(0, slash)},
                           {"architecture", d.platform.substr(slash + 1)}};
    }
    return out;
}

std::string layer_media_type(AciCompression compression) {
    switch (compression) {
        case AciCompression::gzip:
            return "application/vnd.oci.image.layer.v1.tar+gzip";
        case AciCompression::zstd:
            return "application/vnd.oci.image.layer.v1.tar+zstd";
        default:
            return "application/vnd.oci.image.layer.v1.tar";
    }
}

}  // namespace

std::string write_oci_blob(const std::filesystem::path& dir, const std::string& bytes) {
    const std::string hex = sha256_hex(bytes);
    std::filesystem::create_directories(dir / "blobs" / "sha256");
    std::ofstream(dir / "blobs" / "sha256" / hex, std::ios::binary) << bytes;
    return "sha256:" + hex;
}

OciDescriptor add_oci_image(const std::filesystem::path& dir, const OciImageSpec& spec) {
    json layers = json::array();
    json diff_ids = json::array();
    for (const auto& entries : spec.layers) {
        const std::string blob = build_layer(entries, spec.compression);
        const std::string tar = build_layer(entries, AciCompression::none);
        diff_ids.push_back("sha256:" + sha256_hex(tar));
        layers.push_back(descriptor_json(
            {layer_media_type(spec.compression), write_oci_blob(dir, blob), blob.size(), ""}));
    }
    const std::string config = json{{"os", spec.os},
                                    {"architecture", spec.architecture},
                                    {"config", json::parse(spec.runtime_config)},
                                    {"rootfs", {{"type", "layers"}, {"diff_ids", diff_ids}}}}
                                   .dump();
    const json manifest = {
        {"schemaVersion", 2},
        {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
        {"config", descriptor_json({"application/vnd.oci.image.config.v1+json",
                                    write_oci_blob(dir, config), config.size(), ""})},
        {"layers", layers}};
    const std::string body = manifest.dump();
    return {"application/vnd.oci.image.manifest.v1+json", write_oci_blob(dir, body), body.size(),
            ""};
}

OciDescriptor add_oci_index(const std::filesystem::path& dir,
                            const std::vector<OciDescriptor>& entries) {
    json manifests = json::array();
    for (const OciDescriptor& d : entries)
        manifests.push_back(descriptor_json(d));
    const std::string body = json{
        {"schemaVersion", 2},
        {"mediaType", "application/vnd.oci.image.index.v1+json"},
        {"manifests", manifests}}.dump();
    return {"application/vnd.oci.image.index.v1+json", write_oci_blob(dir, body), body.size(), ""};
}

void write_oci_index_json(const std::filesystem::path& dir,
                          const std::vector<std::pair<OciDescriptor, std::string>>& entries) {
    json manifests = json::array();
    for (const auto& [descriptor, tag] : entries) {
        json entry = descriptor_json(descriptor);
        if (!tag.empty()) entry["annotations"] = {{"org.opencontainers.image.ref.name", tag}};
        manifests.push_back(entry);
    }
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "oci-layout") << R"({"imageLayoutVersion":"1.0.0"})";
    std::ofstream(dir / "index.json")
        << json{{"schemaVersion", 2}, {"manifests", manifests}}.dump();
}

}  // namespace aciswarm::test
