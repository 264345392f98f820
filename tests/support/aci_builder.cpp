#include "tests/support/aci_builder.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "tests/support/temp_dir.hpp"

namespace aciswarm::test {
namespace {

struct WriterDeleter {
    void operator()(archive* a) const { archive_write_free(a); }
};
using Writer = std::unique_ptr<archive, WriterDeleter>;

la_ssize_t append_cb(archive*, void* client, const void* buf, size_t n) {
    static_cast<std::string*>(client)->append(static_cast<const char*>(buf), n);
    return static_cast<la_ssize_t>(n);
}

void check(archive* a, int rc, const char* what) {
    if (rc < ARCHIVE_WARN) {
        const char* msg = archive_error_string(a);
        throw std::runtime_error(std::string("aci_builder: ") + what + ": " +
                                 (msg ? msg : "libarchive error"));
    }
}

void add_filter(archive* a, AciCompression c) {
    switch (c) {
        case AciCompression::none:
            check(a, archive_write_add_filter_none(a), "filter none");
            break;
        case AciCompression::gzip:
            check(a, archive_write_add_filter_gzip(a), "filter gzip");
            // No name/mtime in the gzip header: deterministic bytes.
            check(a, archive_write_set_filter_option(a, "gzip", "timestamp", nullptr), "gzip");
            break;
        case AciCompression::bzip2:
            check(a, archive_write_add_filter_bzip2(a), "filter bzip2");
            break;
        case AciCompression::xz:
            check(a, archive_write_add_filter_xz(a), "filter xz");
            break;
        case AciCompression::zstd:
            check(a, archive_write_add_filter_zstd(a), "filter zstd");
            break;
    }
}

void add_entry(archive* a, const std::string& path, std::string_view contents, mode_t type,
               mode_t perm) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, path.c_str());
    archive_entry_set_filetype(e, type);
    archive_entry_set_perm(e, perm);
    archive_entry_set_mtime(e, 1700000000, 0);
    archive_entry_set_uid(e, 0);
    archive_entry_set_gid(e, 0);
    archive_entry_set_size(e, type == AE_IFREG ? static_cast<la_int64_t>(contents.size()) : 0);
    check(a, archive_write_header(a, e), "header");
    if (type == AE_IFREG && !contents.empty()) {
        const la_ssize_t n = archive_write_data(a, contents.data(), contents.size());
        if (n < 0 || static_cast<std::size_t>(n) != contents.size())
            check(a, ARCHIVE_FATAL, "data");
    }
    archive_entry_free(e);
}

std::string write_tar(const AciSpec& spec, AciCompression compression) {
    std::string out;
    Writer a(archive_write_new());
    check(a.get(), archive_write_set_format_pax_restricted(a.get()), "format");
    add_filter(a.get(), compression);
    // No zero padding after the last block: the decompressed tar is the same
    // bytes for every compression, and zstd readers reject trailing zeros.
    check(a.get(), archive_write_set_bytes_in_last_block(a.get(), 1), "last block");
    check(a.get(), archive_write_open(a.get(), &out, nullptr, append_cb, nullptr), "open");
    if (spec.manifest) add_entry(a.get(), "manifest", *spec.manifest, AE_IFREG, 0644);
    add_entry(a.get(), "rootfs", "", AE_IFDIR, 0755);
    for (const auto& f : spec.files)
        add_entry(a.get(), f.path, f.contents, AE_IFREG, 0644);
    check(a.get(), archive_write_close(a.get()), "close");
    return out;
}

}  // namespace

std::string make_manifest(std::string_view name, const std::map<std::string, std::string>& labels) {
    nlohmann::json j;
    j["acKind"] = "ImageManifest";
    j["acVersion"] = "0.8.11";
    j["name"] = std::string(name);
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& [k, v] : labels)
        arr.push_back({{"name", k}, {"value", v}});
    j["labels"] = arr;
    return j.dump(2);
}

AciSpec simple_aci(std::string_view name, std::string_view salt, AciCompression compression,
                   const std::map<std::string, std::string>& labels) {
    AciSpec spec;
    spec.manifest = make_manifest(name, labels);
    spec.files.push_back(
        {"rootfs/hello", "hello from " + std::string(name) + " " + std::string(salt) + "\n"});
    spec.compression = compression;
    return spec;
}

std::string build_tar(const AciSpec& spec) {
    return write_tar(spec, AciCompression::none);
}

std::string build_aci(const AciSpec& spec) {
    return write_tar(spec, spec.compression);
}

std::string compress(std::string_view bytes, AciCompression compression) {
    std::string out;
    Writer a(archive_write_new());
    check(a.get(), archive_write_set_format_raw(a.get()), "format raw");
    add_filter(a.get(), compression);
    check(a.get(), archive_write_set_bytes_in_last_block(a.get(), 1), "last block");
    check(a.get(), archive_write_open(a.get(), &out, nullptr, append_cb, nullptr), "open");
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, "data");
    archive_entry_set_filetype(e, AE_IFREG);
    check(a.get(), archive_write_header(a.get(), e), "header");
    archive_entry_free(e);
    if (!bytes.empty() && archive_write_data(a.get(), bytes.data(), bytes.size()) < 0) {
        check(a.get(), ARCHIVE_FATAL, "data");
    }
    check(a.get(), archive_write_close(a.get()), "close");
    return out;
}

std::filesystem::path write_aci(const std::filesystem::path& path, const AciSpec& spec) {
    write_file(path, build_aci(spec));
    return path;
}

}  // namespace aciswarm::test
