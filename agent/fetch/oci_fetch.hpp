// OCI images for appc consumers: `aciswarm fetch oci:DIR[:TAG]` (an OCI image
// layout on disk) converted to an ACI (convert/, docker2aci's rules) straight
// into a store staging file, which the Fetcher then imports like any other
// download (trust checked first: a converted image carries no signature, so
// it needs --insecure-options=image; docs/oci.md).
//
// Every blob is hashed against its digest before it is used (convert/
// oci_layout.hpp). The layout's blobs are read in place: nothing is copied
// but the ACI written.
//
// Called on the fetching thread; no state between calls. After kill -9 the
// staging file is an abandoned one the store removes when it next opens.
#pragma once

#include <filesystem>
#include <stop_token>
#include <string>

#include "agent/store/store.hpp"
#include "common/result.hpp"
#include "convert/pull.hpp"
#include "oci/manifest.hpp"

namespace aciswarm::agent::fetch {

struct ConvertedStaging {
    store::StagingFile file;  // the ACI, written and synced
    convert::PulledImage pulled;
};

// `argument` is "oci:DIR[:TAG]"; a relative DIR is taken from `cwd` ("" =
// the process's). The image name is DIR's last component (sanitized), its
// version label the tag.
Result<ConvertedStaging> convert_oci_layout(store::Store& store, const std::string& argument,
                                            const std::filesystem::path& cwd,
                                            const oci::Platform& platform,
                                            std::stop_token stop = {});

}  // namespace aciswarm::agent::fetch
