// aciswarm build-aci ROOTFS_DIR --name=NAME --version=V [--label=k=v]... --out=FILE.aci
//
// Writes an appc image: a gzip-compressed tar holding "manifest" (the image
// manifest JSON) and "rootfs/" (ROOTFS_DIR's tree: directories, regular files
// and symlinks, modes kept, owned by root, sorted, so the same tree gives the
// same bytes). For examples and tests, not a full image build tool.
#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <ostream>

#include "agent/cli/cli.hpp"
#include "agent/store/aci.hpp"
#include "common/options.hpp"

namespace aciswarm::agent {
namespace {

namespace fs = std::filesystem;

struct ArchiveCloser {
    void operator()(archive* a) const { archive_write_free(a); }
};
struct EntryFree {
    void operator()(archive_entry* e) const { archive_entry_free(e); }
};

Status write_entry_header(archive* a, const std::string& path, const struct stat& st,
                          const std::string& symlink_target) {
    std::unique_ptr<archive_entry, EntryFree> e(archive_entry_new());
    archive_entry_set_pathname(e.get(), path.c_str());
    archive_entry_set_mode(e.get(), st.st_mode);
    archive_entry_set_uid(e.get(), 0);
    archive_entry_set_gid(e.get(), 0);
    archive_entry_set_mtime(e.get(), st.st_mtime, 0);
    if (S_ISREG(st.st_mode)) archive_entry_set_size(e.get(), st.st_size);
    if (S_ISLNK(st.st_mode)) archive_entry_set_symlink(e.get(), symlink_target.c_str());
    if (archive_write_header(a, e.get()) != ARCHIVE_OK) {
        return make_error(Errc::io, path + ": " + archive_error_string(a));
    }
    return {};
}

Status add_tree(archive* a, const fs::path& root) {
    std::vector<fs::path> paths;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::end(it);
         it.increment(ec)) {
        paths.push_back(it->path());
    }
    if (ec) return make_error(Errc::io, root.string() + ": " + ec.message());
    std::sort(paths.begin(), paths.end());
    for (const auto& p : paths) {
        struct stat st {};
        if (::lstat(p.c_str(), &st) != 0) {
            return make_error(Errc::io, p.string() + ": cannot stat");
        }
        const std::string name = "rootfs/" + p.lexically_relative(root).generic_string();
        if (S_ISDIR(st.st_mode)) {
            if (auto ok = write_entry_header(a, name + "/", st, {}); !ok) return ok;
        } else if (S_ISLNK(st.st_mode)) {
            if (auto ok = write_entry_header(a, name, st, fs::read_symlink(p).string()); !ok)
                return ok;
        } else if (S_ISREG(st.st_mode)) {
            if (auto ok = write_entry_header(a, name, st, {}); !ok) return ok;
            std::ifstream in(p, std::ios::binary);
            if (!in) return make_error(Errc::io, p.string() + ": cannot open");
            std::vector<char> buf(1 << 16);
            while (in) {
                in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
                const auto n = in.gcount();
                if (n > 0 && archive_write_data(a, buf.data(), static_cast<std::size_t>(n)) < 0) {
                    return make_error(Errc::io, name + ": " + archive_error_string(a));
                }
            }
        }  // sockets, fifos, devices: not part of an image built here
    }
    return {};
}

}  // namespace

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
    if (!store::is_ac_identifier(name)) {
        ctx.err << "aciswarm build-aci: --name '" << name << "' is not an AC Identifier\n";
        return exit_usage;
    }
    std::map<std::string, std::string> labels{{"os", "linux"}, {"arch", "amd64"}};
    labels["version"] = *opts->get("version");
    for (const auto& kv : opts->get_all("label")) {
        const auto eq = kv.find('=');
        const std::string key = kv.substr(0, eq);
        if (eq == std::string::npos || !store::is_ac_name(key) || key == "version") {
            ctx.err << "aciswarm build-aci: --label '" << kv
                    << "': want NAME=VALUE with NAME an AC Name other than version\n";
            return exit_usage;
        }
        labels[key] = kv.substr(eq + 1);
    }
    std::error_code ec;
    if (!fs::is_directory(rootfs, ec)) {
        ctx.err << "aciswarm build-aci: " << rootfs.string() << ": not a directory\n";
        return exit_failure;
    }

    nlohmann::json manifest = {
        {"acKind", "ImageManifest"}, {"acVersion", "0.8.11"}, {"name", name}};
    manifest["labels"] = nlohmann::json::array();
    for (const auto& [k, v] : labels)
        manifest["labels"].push_back({{"name", k}, {"value", v}});
    const std::string manifest_text = manifest.dump(2) + "\n";

    const fs::path tmp = out.string() + ".tmp";
    std::unique_ptr<archive, ArchiveCloser> a(archive_write_new());
    archive_write_set_format_pax_restricted(a.get());
    archive_write_add_filter_gzip(a.get());
    if (archive_write_open_filename(a.get(), tmp.c_str()) != ARCHIVE_OK) {
        ctx.err << "aciswarm build-aci: " << tmp.string() << ": " << archive_error_string(a.get())
                << "\n";
        return exit_failure;
    }
    struct stat manifest_st {};
    manifest_st.st_mode = S_IFREG | 0644;
    manifest_st.st_size = static_cast<off_t>(manifest_text.size());
    manifest_st.st_mtime = 0;
    struct stat rootfs_st {};
    ::stat(rootfs.c_str(), &rootfs_st);
    Status ok = write_entry_header(a.get(), "manifest", manifest_st, {});
    if (ok && archive_write_data(a.get(), manifest_text.data(), manifest_text.size()) < 0) {
        ok = make_error(Errc::io, std::string("manifest: ") + archive_error_string(a.get()));
    }
    if (ok) ok = write_entry_header(a.get(), "rootfs/", rootfs_st, {});
    if (ok) ok = add_tree(a.get(), rootfs);
    if (ok && archive_write_close(a.get()) != ARCHIVE_OK) {
        ok = make_error(Errc::io, tmp.string() + ": " + archive_error_string(a.get()));
    }
    a.reset();
    if (ok) {
        fs::rename(tmp, out, ec);
        if (ec) ok = make_error(Errc::io, "rename to " + out.string() + ": " + ec.message());
    }
    if (!ok) {
        fs::remove(tmp, ec);
        ctx.err << "aciswarm build-aci: " << ok.error().message << "\n";
        return exit_failure;
    }
    ctx.log.info("built ", out.string(), " (", name, " ", labels["version"], ")");
    ctx.out << out.string() << "\n";
    return exit_ok;
}

}  // namespace aciswarm::agent
