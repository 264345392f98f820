// Publishing an ACI into a registry directory: what `aciswarm publish` does,
// as a library (the CLI parses options, calls publish_image once and prints).
//
// Layout of the registry directory (one appc discovery template covers every kind):
//   DIR/{os}/{arch}/{name}-{version}.aci       the image (web seed target)
//   DIR/{os}/{arch}/{name}-{version}.aci.asc   its signature, when IMAGE.aci.asc exists
//                                               or a sign key is given
//   DIR/{os}/{arch}/{name}-{version}.torrent   in request.format (v1 by default, hybrid,
//                                               v2), url-list → the HTTPS .aci
//   DIR/{os}/{arch}/{name}-{version}.magnet    magnet URI (btih and/or btmh, tr, ws)
//   DIR/pubkeys/<fingerprint>.asc               the sign key's public key (ac-discovery-pubkeys)
//   DIR/published.json                          what has been published (source of index.html)
//   DIR/index.html                              ac-discovery meta tags + a list of images
// Every file is written under DIR/.staging-<pid>/ and renamed into place, so
// readers (nginx, the everseed) see the old or the new version, never a mix of
// bytes; a kill -9 leaves at most that staging directory behind (removed by
// the next publish from the same pid, or by hand). One publisher at a time per
// DIR (flock on DIR/.publish.lock). See docs/publishing.md.
//
// Thread: the caller's; no state between calls.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "common/info_hash.hpp"
#include "common/log.hpp"
#include "common/result.hpp"
#include "torrent/torrent_file.hpp"

namespace aciswarm::agent::publish {

// The web seed base a registry is served under: an http(s) URL without query
// or fragment, returned ending in '/'. The error names --webseed-base.
Result<std::string> check_webseed_base(std::string base);

struct PublishRequest {
    std::filesystem::path image;    // IMAGE.aci
    std::filesystem::path out_dir;  // the registry directory
    std::string webseed_base;       // as check_webseed_base returns it
    std::vector<std::string> trackers;
    int piece_size = 0;  // 0: automatic
    torrent::TorrentFormat format = torrent::TorrentFormat::v1;
    bool private_torrent = false;  // --private: BEP 27 (docs/private.md)
    std::string sign_key_file;     // OpenPGP secret key; empty: keep IMAGE.aci.asc if any
    std::string passphrase_file;   // the sign key's passphrase (first line); empty: none
};

struct PublishedImage {
    std::string name;
    std::string version;
    std::string rel;  // {os}/{arch}/{name}-{version}, relative to out_dir
    std::filesystem::path torrent_file;
    std::string magnet;
    InfoHashes info_hashes;
    std::string image_id;  // what every agent's import computes
};

// Validates the image with the store's rules (what every agent's import
// checks after a fetch), creates its torrent and magnet, signs it when asked,
// and replaces its entry in published.json and index.html. Warnings (no
// tracker, a piece count libtorrent 2.0.8 trips on) go to `log`. Errors name
// the file or option; an error before the final renames leaves the published
// files as they were.
Result<PublishedImage> publish_image(const PublishRequest& request, Logger& log);

}  // namespace aciswarm::agent::publish
