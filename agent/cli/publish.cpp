// aciswarm publish IMAGE.aci --tracker=URL... --webseed-base=https://host/path/ --out=DIR
//
// Options → agent/publish's publish_image (which lays out DIR: the image, its
// .torrent, .magnet and signature, published.json and index.html) → the
// torrent path, magnet, info hashes and image ID on stdout. See
// docs/publishing.md.
#include <filesystem>
#include <ostream>

#include "agent/cli/cli.hpp"
#include "agent/publish/publish.hpp"
#include "common/options.hpp"
#include "common/units.hpp"

namespace aciswarm::agent {
namespace {

OptionParser publish_parser() {
    return OptionParser(
        "aciswarm publish IMAGE.aci --tracker=URL... --webseed-base=https://host/path/ --out=DIR",
        {
            {"tracker", OptionSpec::Kind::list, "announce URL for the .torrent", "URL"},
            {"webseed-base", OptionSpec::Kind::value,
             "HTTPS URL under which DIR is served (web seed and discovery templates)", "URL"},
            {"out", OptionSpec::Kind::value, "registry directory to publish into", "DIR"},
            {"piece-size", OptionSpec::Kind::value,
             "torrent piece size, a power of two >= 16k (default: automatic)", "SIZE"},
            {"torrent-format", OptionSpec::Kind::value,
             "v1 (default: every client opens it), hybrid (v1+v2) or v2", "FORMAT"},
            {"private", OptionSpec::Kind::flag,
             "mark the torrent private (BEP 27): peers only from its trackers, whose --keys "
             "decide who joins; agents add their --tracker-key (docs/private.md)",
             ""},
            {"sign-key", OptionSpec::Kind::value,
             "sign the image with this OpenPGP secret key (armoured or binary): writes "
             "NAME-VERSION.aci.asc and an ac-discovery-pubkeys tag (docs/trust.md)",
             "FILE"},
            {"passphrase-file", OptionSpec::Kind::value,
             "the --sign-key's passphrase (first line of FILE)", "FILE"},
            {"help", OptionSpec::Kind::flag, "show this help"},
            {"verbose", OptionSpec::Kind::flag, "debug logging", "", 'v'},
        },
        {"aciswarm publish app.aci --tracker=http://tracker:6969/announce "
         "--webseed-base=https://registry.example.com/ --out=/srv/registry",
         "aciswarm publish app.aci --tracker=http://t1:6969/announce "
         "--tracker=udp://t2:6969 --webseed-base=https://r.example.com/ --out=/srv/registry "
         "--piece-size=1M"});
}

// The request the options describe; a usage error otherwise.
Result<publish::PublishRequest> publish_request(const ParsedOptions& opts) {
    publish::PublishRequest request;
    request.image = opts.positional()[0];
    request.out_dir = *opts.get("out");
    auto base = publish::check_webseed_base(*opts.get("webseed-base"));
    if (!base) return std::move(base).error();
    request.webseed_base = std::move(*base);
    if (auto ps = opts.get("piece-size")) {
        // Power of two checked by create_torrent; 1 GiB is far beyond any client's limit.
        auto n = parse_size_option("--piece-size", *ps, 16 * 1024, 1 << 30);
        if (!n) return std::move(n).error();
        request.piece_size = static_cast<int>(*n);
    }
    if (auto f = opts.get("torrent-format")) {
        auto parsed = torrent::parse_torrent_format(*f);
        if (!parsed) return with_context("--torrent-format", std::move(parsed).error());
        request.format = *parsed;
    }
    request.trackers = opts.get_all("tracker");
    request.private_torrent = opts.flag("private");
    request.sign_key_file = opts.get_or("sign-key", "");
    request.passphrase_file = opts.get_or("passphrase-file", "");
    return request;
}

void print_published(const publish::PublishedImage& image, torrent::TorrentFormat format,
                     CliContext& ctx) {
    ctx.log.info("published ", image.name, " ", image.version, " as ", image.rel, " (",
                 torrent::torrent_format_name(format), " torrent, info hash ",
                 image.info_hashes.best().hex(), ")");
    ctx.out << "torrent " << image.torrent_file.string() << "\n"
            << "magnet " << image.magnet << "\n"
            << "torrent-format " << torrent::torrent_format_name(format) << "\n";
    // A v1 torrent has no v2 hash and a v2 torrent no v1 hash: print the ones it has.
    if (image.info_hashes.v1) ctx.out << "info-hash " << image.info_hashes.v1->hex() << "\n";
    if (image.info_hashes.v2) ctx.out << "info-hash-v2 " << image.info_hashes.v2->hex() << "\n";
    ctx.out << "image-id " << image.image_id << "\n";
}

}  // namespace

int cmd_publish(std::span<const std::string> args, CliContext& ctx) {
    const OptionParser parser = publish_parser();
    int code = exit_ok;
    auto opts = parse_command(parser, args, ctx, code, "aciswarm publish");
    if (!opts) return code;
    if (opts->positional().size() != 1 || !opts->has("webseed-base") || !opts->has("out")) {
        ctx.err << "aciswarm publish: need IMAGE.aci, --webseed-base and --out\n" << parser.help();
        return exit_usage;
    }
    auto request = publish_request(*opts);
    if (!request) {
        ctx.err << "aciswarm publish: " << request.error().message << "\n";
        return exit_usage;
    }
    auto published = publish::publish_image(*request, ctx.log);
    if (!published) {
        ctx.err << "aciswarm publish: " << published.error().message << "\n";
        return exit_failure;
    }
    print_published(*published, request->format, ctx);
    return exit_ok;
}

}  // namespace aciswarm::agent
