// OCI images for appc consumers: `aciswarm fetch oci:DIR[:TAG]` (an OCI image
// layout on disk) and `aciswarm fetch docker://REGISTRY/NAME[:TAG][@DIGEST]`
// (an upstream registry, through oci::RegistryClient) converted to an ACI (convert/, docker2aci's
// rules) straight into a store staging file, which the Fetcher then imports like any other download
// (trust checked first: a converted image carries no signature, so it needs
// --insecure-options=image; docs/oci.md).
//
// Every blob is hashed against its digest before it is used (convert/
// oci_layout.hpp, oci/registry.hpp). The layout's blobs are read in place;
// a registry's layers are downloaded into a locked staging directory
// (LockedDir, removed when the conversion ends) and read from there.
//
// Called on the fetching thread; no state between calls. After kill -9 the
// staging file is an abandoned one the store removes when it next opens.
#pragma once

#include <filesystem>
#include <stop_token>
#include <string>

#include "agent/engine/engine.hpp"
#include "agent/store/store.hpp"
#include "common/log.hpp"
#include "common/result.hpp"
#include "convert/pull.hpp"
#include "http/client.hpp"
#include "oci/manifest.hpp"

namespace aciswarm::agent::fetch {

struct ConvertedStaging {
    store::StagingFile file;  // the ACI, written and synced
    convert::PulledImage pulled;
    std::uint64_t from_swarm = 0;     // layer bytes the swarm delivered
    std::uint64_t from_registry = 0;  // layer bytes the registry delivered
};

// docker:// layers from the swarm first: the origin's blob torrents through
// agent/blobs' SwarmBlobSource in `engine` (which keeps seeding them while it
// lives), the registry for any layer the swarm does not deliver.
struct LayerSwarm {
    std::string origin_url;  // "http://origin:8090"
    engine::Engine& engine;
    Logger& log;
    std::chrono::milliseconds timeout;  // per layer, before the registry is asked
};

// `argument` is "oci:DIR[:TAG]"; a relative DIR is taken from `cwd` ("" =
// the process's). The image name is DIR's last component (sanitized), its
// version label the tag.
Result<ConvertedStaging> convert_oci_layout(store::Store& store, const std::string& argument,
                                            const std::filesystem::path& cwd,
                                            const oci::Platform& platform,
                                            std::stop_token stop = {});

// `argument` is "oci-archive:FILE[:TAG]" (convert/oci_archive.hpp): FILE is
// unpacked into a locked directory in the store's staging area (removed when
// the conversion ends) and read as a layout. The image name is FILE's name
// without .tar (sanitized), its version label the tag.
Result<ConvertedStaging> convert_oci_archive(store::Store& store, const std::string& argument,
                                             const std::filesystem::path& cwd,
                                             const oci::Platform& platform,
                                             std::stop_token stop = {});

// `argument` is "docker://REGISTRY/NAME[:TAG][@sha256:…]" (oci/reference.hpp).
// The registry is asked over HTTPS, or plain HTTP when `http` allows it
// (--insecure-options=http: a registry on loopback); `http` also carries the
// CA file and the auth.d credentials the registry client uses.
Result<ConvertedStaging> convert_docker_image(store::Store& store, const std::string& argument,
                                              const http::ClientOptions& http,
                                              const oci::Platform& platform,
                                              const LayerSwarm* swarm = nullptr,
                                              std::stop_token stop = {});

}  // namespace aciswarm::agent::fetch
