// One OCI / Docker image → one ACI: the config blob mapped to the appc
// manifest (convert/manifest_mapping.hpp) and the layer blobs squashed under
// it (convert/squash.hpp). Where the blobs come from (an OCI layout on disk,
// a registry, the swarm) and their digest checks are the caller's business:
// the parts handed in are already verified.
//
// Called from one thread; no state between calls.
#pragma once

#include <string>
#include <vector>

#include "appc/label.hpp"
#include "common/result.hpp"
#include "convert/manifest_mapping.hpp"
#include "convert/squash.hpp"

namespace aciswarm::convert {

struct ImageParts {
    std::string config_json;        // the config blob's bytes
    std::string config_source;      // names it in messages ("sha256:…")
    std::vector<LayerFile> layers;  // base layer first, as the image manifest lists them
};

struct ConvertedImage {
    std::string name;  // the appc name (manifest_mapping's rule)
    appc::Labels labels;
    std::string manifest_json;
    SquashStats stats;
};

// Writes the ACI into `fd` (from its current offset). Errors: a config that
// does not parse or map, a config whose rootfs.diff_ids count differs from
// the layers', anything the squash refuses.
Result<ConvertedImage> convert_image(const ImageParts& parts, const ImageOrigin& origin, int fd,
                                     const SquashOptions& options = {});

}  // namespace aciswarm::convert
