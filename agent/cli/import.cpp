// aciswarm import FILE.aci...: validates and imports local .aci files into the
// store, printing each image ID (rkt's short form; --full for all 128 digits).
// Each file's signature (--signature, else FILE.aci.asc beside it) must verify
// against a key trusted for the image's name, as `rkt fetch` of a local file
// (docs/trust.md); --insecure-options=image skips the check.
#include <fstream>
#include <iterator>
#include <ostream>

#include "agent/cli/store_cli.hpp"
#include "agent/cli/trust_options.hpp"

namespace aciswarm::agent {

int cmd_import(std::span<const std::string> args, CliContext& ctx) {
    const OptionParser parser(
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
    int code = exit_ok;
    auto opts = parse_command(parser, args, ctx, code);
    if (!opts) return code;
    if (opts->positional().empty()) {
        ctx.err << "aciswarm: import needs at least one FILE.aci\n" << parser.help();
        return exit_usage;
    }
    store::ImportRequest req;
    if (auto name = opts->get("name")) req.expected.name = *name;
    for (const std::string& label : opts->get_all("label")) {
        const std::size_t eq = label.find('=');
        if (eq == std::string::npos || eq == 0) {
            ctx.err << "aciswarm: --label '" << label << "': want NAME=VALUE\n";
            return exit_usage;
        }
        req.expected.labels[label.substr(0, eq)] = label.substr(eq + 1);
    }
    if (auto sig = opts->get("signature")) {
        std::ifstream f(*sig, std::ios::binary);
        if (!f) {
            ctx.err << "aciswarm: --signature " << *sig << ": cannot read\n";
            return exit_failure;
        }
        req.signature = std::string(std::istreambuf_iterator<char>(f), {});
    }
    req.pinned = opts->flag("pin");
    bool insecure_image = false;
    for (std::string list = opts->get_or("insecure-options", ""); !list.empty();) {
        const std::size_t comma = list.find(',');
        const std::string item = list.substr(0, comma);
        list = comma == std::string::npos ? std::string() : list.substr(comma + 1);
        if (item == "image") {
            insecure_image = true;
        } else if (item != "none" && !item.empty()) {
            ctx.err << "aciswarm: --insecure-options: '" << item << "' is not one of image, none\n";
            return exit_usage;
        }
    }
    const ImageVerifyFn verify = image_verifier(*opts, insecure_image, ctx);

    auto store = open_store(*opts, ctx);
    if (!store) {
        ctx.err << "aciswarm: " << store.error().message << "\n";
        return exit_failure;
    }
    int rc = exit_ok;
    for (const std::string& file : opts->positional()) {
        store::ImportRequest one = req;
        if (!one.signature) {
            std::ifstream beside(file + ".asc", std::ios::binary);
            if (beside) one.signature = std::string(std::istreambuf_iterator<char>(beside), {});
        }
        if (verify) {
            one.verify = [&verify, &one](const std::filesystem::path& blob, std::string_view name) {
                return verify(blob, name, one.signature);
            };
        }
        auto rec = store->import_file(file, one);
        if (!rec) {
            ctx.err << "aciswarm: import failed: "
                    << (rec.error().code == Errc::untrusted ? file + ": " : std::string())
                    << rec.error().message << "\n";
            rc = rc == exit_ok ? exit_code_for(rec.error()) : rc;
            continue;
        }
        ctx.out << (opts->flag("full") ? rec->id.full() : rec->id.display()) << "\n";
    }
    return rc;
}

}  // namespace aciswarm::agent
