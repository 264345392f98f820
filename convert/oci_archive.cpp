#include "convert/oci_archive.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <tuple>

#include "common/fd.hpp"
#include "common/text.hpp"
#include "convert/oci_layout.hpp"

namespace aciswarm::convert {
namespace {

namespace fs = std::filesystem;

struct ArchiveFree {
    void operator()(archive* a) const { archive_read_free(a); }
};
using ReadArchive = std::unique_ptr<archive, ArchiveFree>;

std::string archive_message(archive* a) {
    const char* text = archive_error_string(a);
    return text != nullptr ? escape_control(text, 300) : "unknown libarchive error";
}

bool is_lower_hex(std::string_view s) {
    for (const char c : s)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

// Writes the current entry's data to dir/name, created here (never an existing file).
Status write_entry(archive* in, const fs::path& dir, const std::string& name, std::uint64_t& total,
                   std::uint64_t max_bytes, std::stop_token stop) {
    const fs::path path = dir / name;
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
    if (!fd) {
        if (errno == EEXIST) return make_error(Errc::corrupt, name + ": twice in the archive");
        return make_error(Errc::io, path.string() + ": " + std::strerror(errno));
    }
    std::array<char, 1 << 16> buffer{};
    for (;;) {
        if (stop.stop_requested()) return make_error(Errc::cancelled, name + ": cancelled");
        const la_ssize_t n = archive_read_data(in, buffer.data(), buffer.size());
        if (n < 0) return make_error(Errc::corrupt, name + ": " + archive_message(in));
        if (n == 0) break;
        total += static_cast<std::uint64_t>(n);
        if (total > max_bytes) {
            return make_error(Errc::too_large,
                              "more than " + std::to_string(max_bytes) + " bytes of files");
        }
        const auto size = static_cast<std::size_t>(n);
        if (Status s = write_all(fd.get(), std::string_view(buffer.data(), size), path.string());
            !s)
            return s;
    }
    if (const int err = fd.close_checked(); err != 0)
        return make_error(Errc::io, path.string() + ": close: " + std::strerror(err));
    return {};
}

}  // namespace

Result<ArchiveArgument> parse_archive_argument(std::string_view text) {
    const std::string shown = "'" + escape_control(text, 256) + "'";
    if (!text.starts_with(oci_archive_prefix))
        return make_error(Errc::invalid_argument,
                          shown + ": an OCI archive is oci-archive:FILE[:TAG]");
    std::string_view rest = text.substr(oci_archive_prefix.size());
    ArchiveArgument out;
    std::tie(rest, out.tag) = split_path_and_tag(rest);
    if (rest.empty())
        return make_error(Errc::invalid_argument, shown + ": no file after oci-archive:");
    out.file = fs::path(std::string(rest));
    return out;
}

std::optional<std::string> layout_entry_file(std::string_view name) {
    while (name.starts_with("./"))
        name.remove_prefix(2);
    if (name == "oci-layout" || name == "index.json") return std::string(name);
    constexpr std::string_view blobs = "blobs/sha256/";
    if (!name.starts_with(blobs)) return std::nullopt;
    const std::string_view hex = name.substr(blobs.size());
    if (hex.size() != 64 || !is_lower_hex(hex)) return std::nullopt;
    return std::string(name);
}

std::string archive_image_name(const fs::path& file) {
    std::string name = file.filename().string();
    for (const std::string_view suffix : {".tar.gz", ".tar.zst", ".tar.xz", ".tgz", ".tar"}) {
        if (name.size() > suffix.size() && name.ends_with(suffix)) {
            name.resize(name.size() - suffix.size());
            break;
        }
    }
    return name;
}

Status unpack_layout_archive(const fs::path& file, const fs::path& dir, std::uint64_t max_bytes,
                             std::stop_token stop) {
    const std::string shown = escape_control(file.string(), 300);
    std::error_code ec;
    fs::create_directories(dir / "blobs" / "sha256", ec);
    if (ec) return make_error(Errc::io, dir.string() + ": " + ec.message());
    ReadArchive in(archive_read_new());
    archive_read_support_filter_all(in.get());
    archive_read_support_format_tar(in.get());
    if (archive_read_open_filename(in.get(), file.c_str(), 1 << 16) != ARCHIVE_OK)
        return make_error(Errc::io, shown + ": " + archive_message(in.get()));
    std::uint64_t total = 0;
    archive_entry* e = nullptr;
    for (;;) {
        const int r = archive_read_next_header(in.get(), &e);
        if (r == ARCHIVE_EOF) return {};
        if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
            return make_error(Errc::corrupt, shown + ": " + archive_message(in.get()));
        const char* raw = archive_entry_pathname(e);
        const auto name = layout_entry_file(raw != nullptr ? raw : "");
        if (!name) continue;
        if (archive_entry_filetype(e) != AE_IFREG || archive_entry_hardlink(e) != nullptr) {
            return make_error(Errc::corrupt,
                              shown + ": " + *name + " is not a regular file in the archive");
        }
        if (Status s = write_entry(in.get(), dir, *name, total, max_bytes, stop); !s)
            return with_context(shown, std::move(s).error());
    }
}

}  // namespace aciswarm::convert
