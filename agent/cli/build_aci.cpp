// aciswarm build-aci ROOTFS_DIR --name=NAME --version=V [--label=k=v]... --out=FILE.aci
//
// Writes an appc image: a gzip-compressed tar holding "manifest" (the image
// manifest JSON) and "rootfs/" (ROOTFS_DIR's tree: directories, regular files
// and symlinks, modes kept, owned by root, sorted, so the same tree gives the
// same bytes). For examples and tests, not a full image build tool.
#include <filesystem>
#include <ostream>

#include "agent/cli/cli.hpp"
#include "appc/aci_writer.hpp"
#include "appc/identifier.hpp"
#include "appc/label.hpp"
#include "common/options.hpp"

namespace aciswarm::agent {

namespace fs = std::filesystem;

int cmd_build_aci(std::span<const std::string> args, CliContext& ctx) {
    const OptionParser parser(
        "aciswarm build-aci ROOTFS_DIR --name=NAME --version=V [--label=NAME=VALUE]... "
        "--out=FILE.aci",
        {
            {"name", OptionSpec::Kind::value, "image name (AC Identifier, e.g. example.com/app)",
             "NAME"},
            {"version", OptionSpec::Kind::value, "the version label", "V"},
            {"label", OptionSpec::Kind::list,
             "another label (os and arch default to linux and amd64)", "NAME=VALUE"},
            {"out", OptionSpec::Kind::value, "where to write the image", "FILE.aci"},
            {"help", OptionSpec::Kind::flag, "show this help"},
            {"verbose", OptionSpec::Kind::flag, "debug logging", "", 'v'},
        },
        {"aciswarm build-aci ./rootfs --name=example.com/app --version=1.0 --out=app.aci",
         "aciswarm build-aci ./rootfs --name=example.com/app --version=1.0 --label=arch=arm64 "
         "--out=app-arm64.aci"});
    int code = exit_ok;
    auto opts = parse_command(parser, args, ctx, code, "aciswarm build-aci");
    if (!opts) return code;
    if (opts->positional().size() != 1 || !opts->has("name") || !opts->has("version") ||
        !opts->has("out")) {
        ctx.err << "aciswarm build-aci: need ROOTFS_DIR, --name, --version and --out\n"
                << parser.help();
        return exit_usage;
    }
    const fs::path rootfs = opts->positional()[0];
    const std::string name = *opts->get("name");
    const fs::path out = *opts->get("out");
    if (!appc::is_ac_identifier(name)) {
        ctx.err << "aciswarm build-aci: --name '" << name << "' is not an AC Identifier\n";
        return exit_usage;
    }
    appc::Labels labels{{"os", "linux"}, {"arch", "amd64"}};
    labels["version"] = *opts->get("version");
    for (const auto& kv : opts->get_all("label")) {
        const auto eq = kv.find('=');
        const std::string key = kv.substr(0, eq);
        if (eq == std::string::npos || !appc::is_label_name(key) || key == "version") {
            ctx.err << "aciswarm build-aci: --label '" << kv
                    << "': want NAME=VALUE with NAME a label name (an AC Identifier) other than "
                       "name and version\n";
            return exit_usage;
        }
        labels[key] = kv.substr(eq + 1);
    }
    std::error_code ec;
    if (!fs::is_directory(rootfs, ec)) {
        ctx.err << "aciswarm build-aci: " << rootfs.string() << ": not a directory\n";
        return exit_failure;
    }

    if (auto ok = appc::write_aci(rootfs, appc::render_manifest(name, labels), out); !ok) {
        ctx.err << "aciswarm build-aci: " << ok.error().message << "\n";
        return exit_failure;
    }
    ctx.log.info("built ", out.string(), " (", name, " ", labels["version"], ")");
    ctx.out << out.string() << "\n";
    return exit_ok;
}

}  // namespace aciswarm::agent
