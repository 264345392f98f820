#include "tests/support/layer_builder.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <sys/sysmacros.h>

#include <fstream>
#include <memory>
#include <stdexcept>

namespace aciswarm::test {
namespace {

struct WriteFree {
    void operator()(archive* a) const { archive_write_free(a); }
};
struct ReadFree {
    void operator()(archive* a) const { archive_read_free(a); }
};
struct EntryFree {
    void operator()(archive_entry* e) const { archive_entry_free(e); }
};

void must(archive* a, int r, const char* what) {
    if (r < ARCHIVE_WARN) {
        throw std::runtime_error(std::string("layer_builder: ") + what + ": " +
                                 (archive_error_string(a) ? archive_error_string(a) : "?"));
    }
}

la_ssize_t append(archive*, void* out, const void* buf, std::size_t n) {
    static_cast<std::string*>(out)->append(static_cast<const char*>(buf), n);
    return static_cast<la_ssize_t>(n);
}

unsigned file_type(LayerEntry::Type type) {
    switch (type) {
        case LayerEntry::Type::directory:
            return AE_IFDIR;
        case LayerEntry::Type::symlink:
            return AE_IFLNK;
        case LayerEntry::Type::fifo:
            return AE_IFIFO;
        case LayerEntry::Type::char_device:
            return AE_IFCHR;
        case LayerEntry::Type::file:
        case LayerEntry::Type::hard_link:
            return AE_IFREG;
    }
    return AE_IFREG;
}

void add_entry(archive* a, const LayerEntry& spec) {
    std::unique_ptr<archive_entry, EntryFree> e(archive_entry_new());
    archive_entry_set_pathname(e.get(), spec.path.c_str());
    archive_entry_set_filetype(e.get(), file_type(spec.type));
    archive_entry_set_perm(e.get(), spec.mode);
    archive_entry_set_uid(e.get(), spec.uid);
    archive_entry_set_gid(e.get(), spec.gid);
    archive_entry_set_mtime(e.get(), spec.mtime, 0);
    for (const auto& [name, value] : spec.xattrs)
        archive_entry_xattr_add_entry(e.get(), name.c_str(), value.data(), value.size());
    const bool has_data = spec.type == LayerEntry::Type::file;
    if (spec.type == LayerEntry::Type::symlink)
        archive_entry_set_symlink(e.get(), spec.data.c_str());
    if (spec.type == LayerEntry::Type::hard_link)
        archive_entry_set_hardlink(e.get(), spec.data.c_str());
    if (spec.type == LayerEntry::Type::char_device) archive_entry_set_rdev(e.get(), makedev(1, 3));
    archive_entry_set_size(e.get(), has_data ? static_cast<la_int64_t>(spec.data.size()) : 0);
    must(a, archive_write_header(a, e.get()), "header");
    if (has_data && !spec.data.empty()) {
        if (archive_write_data(a, spec.data.data(), spec.data.size()) < 0)
            must(a, ARCHIVE_FATAL, "data");
    }
}

LayerEntry::Type type_of(archive_entry* e) {
    if (archive_entry_hardlink(e) != nullptr) return LayerEntry::Type::hard_link;
    switch (archive_entry_filetype(e)) {
        case AE_IFDIR:
            return LayerEntry::Type::directory;
        case AE_IFLNK:
            return LayerEntry::Type::symlink;
        case AE_IFIFO:
            return LayerEntry::Type::fifo;
        case AE_IFCHR:
            return LayerEntry::Type::char_device;
        default:
            return LayerEntry::Type::file;
    }
}

TarEntry read_entry(archive* a, archive_entry* e) {
    TarEntry out;
    out.type = type_of(e);
    out.path = archive_entry_pathname(e);
    if (out.path.size() > 1 && out.path.back() == '/') out.path.pop_back();
    out.mode = archive_entry_perm(e);
    out.uid = archive_entry_uid(e);
    out.gid = archive_entry_gid(e);
    out.mtime = archive_entry_mtime(e);
    out.uname = archive_entry_uname(e) ? archive_entry_uname(e) : "";
    if (out.type == LayerEntry::Type::symlink) out.data = archive_entry_symlink(e);
    if (out.type == LayerEntry::Type::hard_link) out.data = archive_entry_hardlink(e);
    const char* name = nullptr;
    const void* value = nullptr;
    std::size_t size = 0;
    archive_entry_xattr_reset(e);
    while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK)
        out.xattrs[name] = std::string(static_cast<const char*>(value), size);
    char buf[4096];
    for (la_ssize_t n; (n = archive_read_data(a, buf, sizeof buf)) > 0;)
        out.data.append(buf, static_cast<std::size_t>(n));
    return out;
}

}  // namespace

LayerEntry make_entry(LayerEntry::Type type, std::string path, std::string data, unsigned mode) {
    LayerEntry entry;
    entry.type = type;
    entry.path = std::move(path);
    entry.data = std::move(data);
    entry.mode = mode;
    return entry;
}

LayerEntry file(std::string path, std::string contents, unsigned mode) {
    return make_entry(LayerEntry::Type::file, std::move(path), std::move(contents), mode);
}
LayerEntry dir(std::string path, unsigned mode) {
    return make_entry(LayerEntry::Type::directory, std::move(path), {}, mode);
}
LayerEntry symlink(std::string path, std::string target) {
    return make_entry(LayerEntry::Type::symlink, std::move(path), std::move(target), 0777);
}
LayerEntry hard_link(std::string path, std::string target) {
    return make_entry(LayerEntry::Type::hard_link, std::move(path), std::move(target), 0644);
}
LayerEntry char_device(std::string path) {
    return make_entry(LayerEntry::Type::char_device, std::move(path), {}, 0666);
}
LayerEntry whiteout(std::string_view path) {
    const auto slash = path.rfind('/');
    const std::string parent =
        slash == std::string_view::npos ? "" : std::string(path.substr(0, slash + 1));
    return file(parent + ".wh." + std::string(path.substr(slash + 1)), "");
}
LayerEntry opaque(std::string_view dir_path) {
    return file(std::string(dir_path) + "/.wh..wh..opq", "");
}

std::string build_layer(const std::vector<LayerEntry>& entries, AciCompression compression) {
    std::string tar;
    std::unique_ptr<archive, WriteFree> a(archive_write_new());
    must(a.get(), archive_write_set_format_pax_restricted(a.get()), "format");
    must(a.get(), archive_write_open(a.get(), &tar, nullptr, append, nullptr), "open");
    for (const LayerEntry& entry : entries)
        add_entry(a.get(), entry);
    must(a.get(), archive_write_close(a.get()), "close");
    return compression == AciCompression::none ? tar : compress(tar, compression);
}

std::filesystem::path write_layer(const std::filesystem::path& path,
                                  const std::vector<LayerEntry>& entries,
                                  AciCompression compression) {
    std::ofstream(path, std::ios::binary) << build_layer(entries, compression);
    return path;
}

std::vector<TarEntry> read_tar(const std::filesystem::path& path) {
    std::vector<TarEntry> out;
    std::unique_ptr<archive, ReadFree> a(archive_read_new());
    archive_read_support_filter_all(a.get());
    archive_read_support_format_tar(a.get());
    if (archive_read_open_filename(a.get(), path.c_str(), 1 << 16) != ARCHIVE_OK) {
        ADD_FAILURE() << path << ": " << archive_error_string(a.get());
        return out;
    }
    archive_entry* e = nullptr;
    int r = ARCHIVE_OK;
    while ((r = archive_read_next_header(a.get(), &e)) == ARCHIVE_OK || r == ARCHIVE_WARN)
        out.push_back(read_entry(a.get(), e));
    if (r != ARCHIVE_EOF) ADD_FAILURE() << path << ": " << archive_error_string(a.get());
    return out;
}

std::map<std::string, TarEntry> tar_tree(const std::filesystem::path& path) {
    std::map<std::string, TarEntry> out;
    for (TarEntry& entry : read_tar(path)) {
        const std::string key = entry.path;
        if (!out.emplace(key, std::move(entry)).second) ADD_FAILURE() << key << " appears twice";
    }
    return out;
}

}  // namespace aciswarm::test
