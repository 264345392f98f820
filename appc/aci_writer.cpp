#include "appc/aci_writer.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

namespace aciswarm::appc {
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

Status copy_file_data(archive* a, const fs::path& from, const std::string& name) {
    std::ifstream in(from, std::ios::binary);
    if (!in) return make_error(Errc::io, from.string() + ": cannot open");
    std::vector<char> buf(1 << 16);
    while (in) {
        in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
        const auto n = in.gcount();
        if (n > 0 && archive_write_data(a, buf.data(), static_cast<std::size_t>(n)) < 0) {
            return make_error(Errc::io, name + ": " + archive_error_string(a));
        }
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
        Status ok;
        if (S_ISDIR(st.st_mode)) {
            ok = write_entry_header(a, name + "/", st, {});
        } else if (S_ISLNK(st.st_mode)) {
            ok = write_entry_header(a, name, st, fs::read_symlink(p).string());
        } else if (S_ISREG(st.st_mode)) {
            ok = write_entry_header(a, name, st, {});
            if (ok) ok = copy_file_data(a, p, name);
        }  // sockets, fifos, devices: not part of an image built here
        if (!ok) return ok;
    }
    return {};
}

// The archive body: "manifest", then "rootfs/" and its tree.
Status write_entries(archive* a, const fs::path& rootfs, std::string_view manifest_json) {
    struct stat manifest_st {};
    manifest_st.st_mode = S_IFREG | 0644;
    manifest_st.st_size = static_cast<off_t>(manifest_json.size());
    manifest_st.st_mtime = 0;
    struct stat rootfs_st {};
    if (::stat(rootfs.c_str(), &rootfs_st) != 0) {
        return make_error(Errc::io, rootfs.string() + ": cannot stat");
    }
    if (auto ok = write_entry_header(a, "manifest", manifest_st, {}); !ok) return ok;
    if (archive_write_data(a, manifest_json.data(), manifest_json.size()) < 0) {
        return make_error(Errc::io, std::string("manifest: ") + archive_error_string(a));
    }
    if (auto ok = write_entry_header(a, "rootfs/", rootfs_st, {}); !ok) return ok;
    return add_tree(a, rootfs);
}

Status write_archive(const fs::path& rootfs, std::string_view manifest_json, const fs::path& path) {
    std::unique_ptr<archive, ArchiveCloser> a(archive_write_new());
    archive_write_set_format_pax_restricted(a.get());
    archive_write_add_filter_gzip(a.get());
    if (archive_write_open_filename(a.get(), path.c_str()) != ARCHIVE_OK) {
        return make_error(Errc::io, path.string() + ": " + archive_error_string(a.get()));
    }
    if (auto ok = write_entries(a.get(), rootfs, manifest_json); !ok) return ok;
    if (archive_write_close(a.get()) != ARCHIVE_OK) {
        return make_error(Errc::io, path.string() + ": " + archive_error_string(a.get()));
    }
    return {};
}

}  // namespace

std::string render_manifest(std::string_view name, const Labels& labels) {
    nlohmann::json manifest = {
        {"acKind", "ImageManifest"}, {"acVersion", written_ac_version}, {"name", name}};
    manifest["labels"] = nlohmann::json::array();
    for (const auto& [k, v] : labels)
        manifest["labels"].push_back({{"name", k}, {"value", v}});
    return manifest.dump(2) + "\n";
}

Status write_aci(const fs::path& rootfs, std::string_view manifest_json, const fs::path& out) {
    const fs::path tmp = out.string() + ".tmp";
    Status ok = write_archive(rootfs, manifest_json, tmp);
    std::error_code ec;
    if (ok) {
        fs::rename(tmp, out, ec);
        if (ec) ok = make_error(Errc::io, "rename to " + out.string() + ": " + ec.message());
    }
    if (!ok) fs::remove(tmp, ec);
    return ok;
}

}  // namespace aciswarm::appc
