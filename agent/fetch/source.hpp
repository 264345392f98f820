// What the user asked `aciswarm fetch` for, classified without any I/O.
//
//   example.com/app:1.0,os=linux   image_name   (appc discovery)
//   https://host/x.torrent         torrent_url  (path ends in .torrent)
//   https://host/x.aci             aci_url      (any other http(s) URL, as rkt)
//   magnet:?xt=urn:btih:...        magnet
//   ./x.torrent, /abs/x.torrent    torrent_file (a local path ending in .torrent)
//   ./x.aci, /abs/x.aci, x.aci     aci_file     (a local path, imported as is)
//   oci:DIR[:TAG]                  oci_layout   (an OCI image layout, converted: docs/oci.md)
//   oci-archive:FILE[:TAG]         oci_archive  (a tar of one, unpacked and converted)
//   docker://REGISTRY/NAME[:TAG]   docker_image (a registry's image, converted: docs/oci.md)
#pragma once

#include <string>
#include <string_view>

#include "common/result.hpp"
#include "discovery/image_ref.hpp"

namespace aciswarm::agent::fetch {

enum class SourceKind {
    image_name,
    torrent_url,
    aci_url,
    magnet,
    torrent_file,
    aci_file,
    oci_layout,
    oci_archive,
    docker_image
};
std::string_view source_kind_name(SourceKind kind);

struct Source {
    SourceKind kind = SourceKind::image_name;
    std::string text;           // the argument as given
    discovery::ImageRef image;  // image_name only
};

// Pure. A local path is anything starting with '/', './' or '../', or ending in
// ".aci" or ".torrent", without a scheme. http:// URLs are classified too; whether they
// may be used is the fetcher's decision (--insecure-options=http). Fails,
// naming the argument, on an empty argument, another URL scheme, a URL without
// a host, or an invalid image name.
Result<Source> classify_source(std::string_view argument);

}  // namespace aciswarm::agent::fetch
