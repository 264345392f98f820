// The table of subcommands. Each command lives in its own file under cli/ and
// is declared here; keep the table in the order --help should show.
#include <ostream>

#include "agent/cli/cli.hpp"
#include "agent/cli/store_cli.hpp"

namespace aciswarm::agent {
namespace {

int cmd_version(std::span<const std::string> args, CliContext& ctx) {
    const OptionParser parser("aciswarm version\n\nPrints the version of aciswarm.", {},
                              {"aciswarm version", "aciswarm --version"});
    int code = exit_ok;
    auto opts = parse_command(parser, args, ctx, code);
    if (!opts) return code;
    if (!opts->positional().empty()) {
        ctx.err << "aciswarm version: takes no arguments\n";
        return exit_usage;
    }
    ctx.out << "aciswarm " << ACISWARM_VERSION << "\n";
    return exit_ok;
}

}  // namespace

// Each command's function, defined in its file under cli/ (CommandFn's signature).
using CommandSignature = int(std::span<const std::string> args, CliContext& ctx);
CommandSignature run_discover, run_fetch, cmd_import;  // discover.cpp, fetch.cpp, import.cpp
CommandSignature cmd_image_list, cmd_image_rm, cmd_image_gc, cmd_image_export,
    cmd_image_cat_manifest, cmd_image_verify, cmd_image_du;  // image.cpp
CommandSignature cmd_build_aci, cmd_publish, cmd_seed;       // build_aci.cpp, publish.cpp, seed.cpp
CommandSignature cmd_daemon, cmd_status, cmd_image_seed;     // daemon_cli.cpp
CommandSignature cmd_trust, cmd_trust_list, cmd_trust_rm;    // trust.cpp
CommandSignature cmd_mirror_setup, cmd_mirror_remove;        // mirror.cpp
CommandSignature cmd_origin;                                 // origin.cpp

std::span<const Command> commands() {
    static constexpr Command table[] = {
        {"build-aci", "build an ACI from a root filesystem directory", cmd_build_aci},
        {"publish", "publish an ACI: .torrent, .magnet, discovery index.html", cmd_publish},
        {"seed", "seed every image published in a directory (everseed)", cmd_seed},
        {"version", "print the version", cmd_version},
        {"discover",
         "find an image's .aci, .aci.asc, .torrent, magnet and key URLs (appc discovery)",
         &run_discover},
        {"fetch", "fetch an image into the store over BitTorrent, its web seed or HTTPS",
         &run_fetch},
        {"import", "import local .aci files into the image store", cmd_import},
        {"trust", "trust a signing key for an image name prefix (--prefix) or all (--root)",
         cmd_trust},
        {"trust list", "list the trusted signing keys", cmd_trust_list},
        {"trust rm", "stop trusting a signing key", cmd_trust_rm},
        {"image list", "list stored images (--json)", cmd_image_list},
        {"image rm", "remove images by ID prefix", cmd_image_rm},
        {"image gc", "remove images unused for a while, not pinned, not seeding", cmd_image_gc},
        {"image export", "copy an image's .aci out of the store", cmd_image_export},
        {"image cat-manifest", "print an image's manifest", cmd_image_cat_manifest},
        {"image verify", "re-hash every image, quarantine corrupt ones", cmd_image_verify},
        {"image du", "show the store's disk usage", cmd_image_du},
        {"daemon", "run the background agent: seed per policy, serve the local API", cmd_daemon},
        {"status", "show the daemon's images, peers, rates and seeding policies", cmd_status},
        {"image seed", "set how long the daemon seeds an image (--for, --forever, --stop)",
         cmd_image_seed},
        {"mirror setup",
         "make containerd pull a registry's images through this node's agent (hosts.toml)",
         cmd_mirror_setup},
        {"mirror remove", "switch the containerd mirror off for a registry (delete hosts.toml)",
         cmd_mirror_remove},
        {"origin", "turn registry blobs into torrents: pull once, seed, serve /metainfo",
         cmd_origin},
    };
    return table;
}

}  // namespace aciswarm::agent
