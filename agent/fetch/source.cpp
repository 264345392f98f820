#include "agent/fetch/source.hpp"

#include <algorithm>
#include <cctype>

#include "common/text.hpp"
#include "oci/reference.hpp"

namespace aciswarm::agent::fetch {

std::string_view source_kind_name(SourceKind kind) {
    switch (kind) {
        case SourceKind::image_name:
            return "image name";
        case SourceKind::torrent_url:
            return "torrent URL";
        case SourceKind::aci_url:
            return "image URL";
        case SourceKind::magnet:
            return "magnet link";
        case SourceKind::torrent_file:
            return "torrent file";
        case SourceKind::aci_file:
            return "image file";
        case SourceKind::oci_layout:
            return "OCI layout";
        case SourceKind::oci_archive:
            return "OCI archive";
        case SourceKind::docker_image:
            return "docker image";
    }
    return "?";
}

namespace {

// The URL's path, without query and fragment.
std::string_view url_path(std::string_view url, std::size_t after_scheme) {
    std::string_view rest = url.substr(after_scheme);
    const std::size_t slash = rest.find('/');
    if (slash == std::string_view::npos) return {};
    rest = rest.substr(slash);
    return rest.substr(0, rest.find_first_of("?#"));
}

}  // namespace

Result<Source> classify_source(std::string_view argument) {
    const std::string arg(argument);
    auto fail = [&](const std::string& why) {
        return make_error(Errc::invalid_argument, "'" + arg + "': " + why);
    };
    if (argument.empty()) return make_error(Errc::invalid_argument, "empty image argument");
    const std::string low = ascii_lower(argument);
    if (low.starts_with("oci:") && !low.starts_with("oci://")) {
        if (argument.size() == 4) return fail("no directory after oci:");
        return Source{SourceKind::oci_layout, arg, {}};
    }
    if (low.starts_with("oci-archive:")) {
        if (argument.size() == 12) return fail("no file after oci-archive:");
        return Source{SourceKind::oci_archive, arg, {}};
    }
    if (low.starts_with("docker://")) {
        if (auto reference = oci::parse_reference(argument); !reference) {
            return std::move(reference).error();
        }
        return Source{SourceKind::docker_image, arg, {}};
    }
    if (low.starts_with("magnet:")) {
        if (!low.starts_with("magnet:?")) return fail("a magnet link starts with 'magnet:?'");
        return Source{SourceKind::magnet, arg, {}};
    }
    const std::size_t scheme_end = argument.find("://");
    if (scheme_end != std::string_view::npos) {
        const std::string scheme = low.substr(0, scheme_end);
        if (scheme != "https" && scheme != "http") {
            return fail("unsupported URL scheme '" + scheme + "' (want https, or http)");
        }
        const std::size_t host_start = scheme_end + 3;
        const std::size_t host_end = argument.find_first_of("/?#", host_start);
        if (host_end == host_start || host_start >= argument.size()) return fail("URL has no host");
        const std::string path = ascii_lower(url_path(argument, host_start));
        if (path.ends_with(".torrent")) return Source{SourceKind::torrent_url, arg, {}};
        if (path.empty() || path == "/") return fail("URL names no file");
        return Source{SourceKind::aci_url, arg, {}};
    }
    // Anything that looks like a file is one: a missing ./x.aci is "no such
    // file", never an image name sent to DNS.
    const bool pathish = argument.starts_with("/") || argument.starts_with("./") ||
                         argument.starts_with("../") || low.ends_with(".aci");
    if (pathish || low.ends_with(".torrent")) {
        if (low.ends_with(".torrent")) return Source{SourceKind::torrent_file, arg, {}};
        return Source{SourceKind::aci_file, arg, {}};
    }
    auto image = discovery::parse_image_ref(argument);
    if (!image) return std::move(image).error();
    return Source{SourceKind::image_name, arg, std::move(*image)};
}

}  // namespace aciswarm::agent::fetch
