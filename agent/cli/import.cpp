// aciswarm import FILE.aci...: validates and imports local .aci files into the
// store, printing each image ID (rkt's short form; --full for all 128 digits).
// Each file's signature (--signature, else FILE.aci.asc beside it) must verify
// against a key trusted for the image's name, as `rkt fetch` of a local file
// (docs/trust.md); --insecure-options=image skips the check.
#include <ostream>

#include "agent/cli/store_cli.hpp"
#include "agent/cli/trust_options.hpp"

namespace aciswarm::agent {
namespace {

OptionParser import_parser() {
    return OptionParser(
        "aciswarm import [OPTIONS] FILE.aci...",
        store_command_options({
            {"name", OptionSpec::Kind::value, "require this image name (rkt's rule)", "NAME"},
            {"label", OptionSpec::Kind::list, "require this label value", "NAME=VALUE"},
            {"signature", OptionSpec::Kind::value,
             "the image's detached signature (default: FILE.aci.asc beside it)", "FILE.asc"},
            {"insecure-options", OptionSpec::Kind::value,
             "image: import without checking the signature", "LIST"},
            {"trust-dir", OptionSpec::Kind::value, std::string(trust_dir_help), "DIR"},
            {"pin", OptionSpec::Kind::flag, "protect the image from image gc"},
            {"max-image-size", OptionSpec::Kind::value, max_image_size_help, "SIZE"},
            {"full", OptionSpec::Kind::flag, "print the full 128-digit image ID"},
        }),
        {"aciswarm import app.aci", "aciswarm import --pin --signature=app.aci.asc app.aci",
         "aciswarm import --name=example.com/app --label=version=1.0 app.aci"});
}

// An Error whose code says how the command exits.
Error usage_error(std::string message) {
    return make_error(Errc::invalid_argument, std::move(message));
}

// --insecure-options=LIST: true when it holds "image" ("none" and "" allowed).
Result<bool> insecure_image(std::string list) {
    bool image = false;
    while (!list.empty()) {
        const std::size_t comma = list.find(',');
        const std::string item = list.substr(0, comma);
        list = comma == std::string::npos ? std::string() : list.substr(comma + 1);
        if (item == "image") {
            image = true;
        } else if (item != "none" && !item.empty()) {
            return usage_error("--insecure-options: '" + item + "' is not one of image, none");
        }
    }
    return image;
}

// The request every file shares: expected name and labels, --signature, --pin.
// A bad --label is a usage error (Errc::invalid_argument), an unreadable
// --signature a failure.
Result<store::ImportRequest> import_request(const ParsedOptions& opts) {
    store::ImportRequest req;
    if (auto name = opts.get("name")) req.expected.name = *name;
    for (const std::string& label : opts.get_all("label")) {
        const std::size_t eq = label.find('=');
        if (eq == std::string::npos || eq == 0) {
            return usage_error("--label '" + label + "': want NAME=VALUE");
        }
        req.expected.labels[label.substr(0, eq)] = label.substr(eq + 1);
    }
    if (auto sig = opts.get("signature")) {
        auto bytes = read_signature_file(*sig, "--signature");
        if (!bytes) return make_error(Errc::io, bytes.error().message);
        req.signature = std::move(*bytes);
    }
    req.pinned = opts.flag("pin");
    return req;
}

// Imports one file (its signature: the shared one, else FILE.asc beside it
// when there is one), printing its image ID. Returns the exit code.
int import_one(store::Store& store, const std::string& file, store::ImportRequest one,
               const ImageVerifyFn& verify, const ParsedOptions& opts, CliContext& ctx) {
    if (!one.signature) {
        auto beside = read_signature_file(file + ".asc", "");
        if (beside) {
            one.signature = std::move(*beside);
        } else if (beside.error().code != Errc::not_found) {
            ctx.err << "aciswarm: import failed: " << beside.error().message << "\n";
            return exit_failure;
        }
    }
    if (verify) {
        one.verify = [&verify, &one](const std::filesystem::path& blob, std::string_view name) {
            return verify(blob, name, one.signature);
        };
    }
    auto rec = store.import_file(file, one);
    if (!rec) {
        ctx.err << "aciswarm: import failed: "
                << (rec.error().code == Errc::untrusted ? file + ": " : std::string())
                << rec.error().message << "\n";
        return exit_code_for(rec.error());
    }
    ctx.out << (opts.flag("full") ? rec->id.full() : rec->id.display()) << "\n";
    return exit_ok;
}

}  // namespace

int cmd_import(std::span<const std::string> args, CliContext& ctx) {
    const OptionParser parser = import_parser();
    int code = exit_ok;
    auto opts = parse_command(parser, args, ctx, code);
    if (!opts) return code;
    if (opts->positional().empty()) {
        ctx.err << "aciswarm: import needs at least one FILE.aci\n" << parser.help();
        return exit_usage;
    }
    auto req = import_request(*opts);
    auto insecure =
        req ? insecure_image(opts->get_or("insecure-options", "")) : Result<bool>(req.error());
    if (!insecure) {
        ctx.err << "aciswarm: " << insecure.error().message << "\n";
        return insecure.error().code == Errc::invalid_argument ? exit_usage : exit_failure;
    }
    const ImageVerifyFn verify = image_verifier(*opts, *insecure, ctx);
    auto store = open_store(*opts, ctx);
    if (!store) {
        ctx.err << "aciswarm: " << store.error().message << "\n";
        return exit_failure;
    }
    int rc = exit_ok;
    for (const std::string& file : opts->positional()) {
        const int one = import_one(*store, file, *req, verify, *opts, ctx);
        if (rc == exit_ok) rc = one;
    }
    return rc;
}

}  // namespace aciswarm::agent
