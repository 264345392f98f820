#include "appc/aci_reader.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "common/digest.hpp"
#include "common/fd.hpp"
#include "common/system_error.hpp"
#include "common/text.hpp"

namespace aciswarm::appc {
namespace {

constexpr std::size_t chunk_size = 64 * 1024;

std::string quote_for_error(std::string_view s) {
    // Bounded, so a huge hostile value does not flood an error line.
    return "'" + escape_control(s, 128) + "'";
}

struct ArchiveDeleter {
    void operator()(archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveDeleter>;

// State shared by the two chained libarchive readers: `outer` decompresses the
// blob (format raw), `inner` reads the decompressed bytes as tar. Every byte
// handed to the outer reader feeds the blob digest; every decompressed byte
// feeds the image ID digest.
struct Pass {
    const ChunkReader* source = nullptr;
    AciLimits limits;
    std::optional<Error> limit_error;  // a limit of AciLimits was crossed
    bool source_eof = false;           // the ChunkReader returned 0
    Digest blob{Digest::Algorithm::sha512};
    Digest tar{Digest::Algorithm::sha512};
    std::uint64_t blob_size = 0;
    std::vector<std::uint8_t> in_buf = std::vector<std::uint8_t>(chunk_size);
    std::vector<std::uint8_t> out_buf = std::vector<std::uint8_t>(chunk_size);
    archive* outer = nullptr;
    bool outer_eof = false;
    // No decompression filter: the outer reader hands the blob's bytes through
    // unchanged, so the tar is the blob and the image ID is the blob digest
    // (one SHA-512 pass over the file instead of two).
    bool identity = false;
    std::optional<Error> source_error;  // from the ChunkReader (I/O, disk full)
    std::optional<std::string> decompress_error;
    Compression compression = Compression::none;
    // libarchive 3.6 does not check gzip's CRC-32 and length trailer; we do
    // (for a single-member stream, see check_gzip_trailer).
    std::uint64_t tar_size = 0;
    uLong tar_crc = crc32(0L, Z_NULL, 0);
    std::array<std::uint8_t, 8> blob_tail{};
    std::size_t blob_tail_len = 0;

    void note_blob(const std::uint8_t* data, std::size_t n) {
        blob.update(std::span<const std::uint8_t>(data, n));
        blob_size += n;
        if (n >= blob_tail.size()) {
            std::memcpy(blob_tail.data(), data + n - blob_tail.size(), blob_tail.size());
            blob_tail_len = blob_tail.size();
            return;
        }
        for (std::size_t i = 0; i < n; ++i) {
            if (blob_tail_len == blob_tail.size()) {
                std::memmove(blob_tail.data(), blob_tail.data() + 1, blob_tail.size() - 1);
                --blob_tail_len;
            }
            blob_tail[blob_tail_len++] = data[i];
        }
    }
};

std::uint32_t le32(const std::uint8_t* p) {
    return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
           (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}

// A gzip file ends with CRC-32 and length (mod 2^32) of its last member. When
// that length equals everything decompressed, the file is one member and its
// CRC must match; otherwise (several members, padding after the stream) the
// trailer says nothing about the whole and is not checked.
std::optional<std::string> check_gzip_trailer(const Pass& p) {
    if (p.compression != Compression::gzip || p.blob_tail_len < 8) return std::nullopt;
    const std::uint32_t crc = le32(p.blob_tail.data());
    const std::uint32_t isize = le32(p.blob_tail.data() + 4);
    if (isize != static_cast<std::uint32_t>(p.tar_size)) return std::nullopt;
    if (crc == static_cast<std::uint32_t>(p.tar_crc)) return std::nullopt;
    char buf[96];
    std::snprintf(buf, sizeof(buf), "CRC-32 mismatch (trailer %08x, data %08x)", crc,
                  static_cast<std::uint32_t>(p.tar_crc));
    return std::string(buf);
}

// By magic number, the way libarchive's bidders decide (they are only asked
// for gzip, bzip2, xz and zstd, so anything else reads as uncompressed).
Compression sniff_compression(std::span<const std::uint8_t> b) {
    auto starts = [&](std::initializer_list<std::uint8_t> magic) {
        return b.size() >= magic.size() && std::equal(magic.begin(), magic.end(), b.begin());
    };
    if (starts({0x1f, 0x8b, 0x08})) return Compression::gzip;
    if (starts({'B', 'Z', 'h'})) return Compression::bzip2;
    if (starts({0xfd, '7', 'z', 'X', 'Z', 0x00})) return Compression::xz;
    if (starts({0x28, 0xb5, 0x2f, 0xfd})) return Compression::zstd;
    return Compression::none;
}

Error blob_limit_error(const AciLimits& limits) {
    return make_error(Errc::too_large, "image is over the limit of " +
                                           std::to_string(limits.max_blob_bytes) +
                                           " bytes (the maximum image size, --max-image-size)");
}

la_ssize_t outer_read(archive*, void* client, const void** buffer) {
    auto* p = static_cast<Pass*>(client);
    auto got = (*p->source)(p->in_buf);
    if (!got) {
        p->source_error = std::move(got).error();
        return -1;
    }
    const std::size_t n = *got;
    if (n == 0) p->source_eof = true;
    if (p->blob_size == 0) p->compression = sniff_compression({p->in_buf.data(), n});
    if (p->blob_size + n > p->limits.max_blob_bytes) {
        p->limit_error = blob_limit_error(p->limits);
        return -1;
    }
    p->note_blob(p->in_buf.data(), n);
    *buffer = p->in_buf.data();
    return static_cast<la_ssize_t>(n);
}

// Pulls the next block of decompressed bytes; 0 at end, -1 on error.
la_ssize_t pull_decompressed(Pass& p) {
    if (p.outer_eof) return 0;
    if (p.limit_error) return -1;
    const la_ssize_t n = archive_read_data(p.outer, p.out_buf.data(), p.out_buf.size());
    if (n < 0) {
        if (!p.source_error) {
            const char* msg = archive_error_string(p.outer);
            p.decompress_error = msg != nullptr ? msg : "read error";
        }
        return -1;
    }
    if (n == 0) {
        p.outer_eof = true;
        return 0;
    }
    if (p.tar_size + static_cast<std::uint64_t>(n) > p.limits.max_uncompressed_bytes) {
        // A compression bomb stops here: no more CPU spent on it.
        p.limit_error =
            make_error(Errc::too_large, "uncompressed image is over the limit of " +
                                            std::to_string(p.limits.max_uncompressed_bytes) +
                                            " bytes (the maximum image size, --max-image-size)");
        return -1;
    }
    if (!p.identity) {
        p.tar.update(std::span<const std::uint8_t>(p.out_buf.data(), static_cast<std::size_t>(n)));
    }
    p.tar_size += static_cast<std::uint64_t>(n);
    if (p.compression == Compression::gzip) {
        p.tar_crc = crc32(p.tar_crc, p.out_buf.data(), static_cast<uInt>(n));
    }
    return n;
}

la_ssize_t inner_read(archive*, void* client, const void** buffer) {
    auto* p = static_cast<Pass*>(client);
    const la_ssize_t n = pull_decompressed(*p);
    *buffer = p->out_buf.data();
    return n;
}

Compression compression_of(archive* a) {
    const int count = archive_filter_count(a);
    for (int i = 0; i < count; ++i) {
        switch (archive_filter_code(a, i)) {
            case ARCHIVE_FILTER_GZIP:
                return Compression::gzip;
            case ARCHIVE_FILTER_BZIP2:
                return Compression::bzip2;
            case ARCHIVE_FILTER_XZ:
                return Compression::xz;
            case ARCHIVE_FILTER_ZSTD:
                return Compression::zstd;
            default:
                break;
        }
    }
    return Compression::none;
}

}  // namespace

std::string clean_archive_path(std::string_view path) {
    if (path.empty()) return ".";
    const bool rooted = path.front() == '/';
    std::vector<std::string_view> parts;
    std::size_t i = 0;
    while (i < path.size()) {
        std::size_t j = path.find('/', i);
        if (j == std::string_view::npos) j = path.size();
        const std::string_view part = path.substr(i, j - i);
        i = j + 1;
        if (part.empty() || part == ".") continue;
        if (part == "..") {
            if (!parts.empty() && parts.back() != "..") {
                parts.pop_back();
            } else if (!rooted) {
                parts.push_back(part);  // a leading ".." stays; above "/" it goes
            }
            continue;
        }
        parts.push_back(part);
    }
    std::string out = rooted ? "/" : "";
    for (std::size_t k = 0; k < parts.size(); ++k) {
        if (k > 0) out += '/';
        out.append(parts[k]);
    }
    return out.empty() ? "." : out;
}

bool is_manifest_entry(std::string_view entry_name) {
    const std::string clean = clean_archive_path(entry_name);
    return clean == "manifest" || clean == "/manifest";
}

Status check_aci_magic(std::span<const std::uint8_t> head) {
    if (sniff_compression(head) != Compression::none) return {};
    static constexpr std::string_view ustar = "ustar";
    if (head.size() >= 257 + ustar.size() &&
        std::equal(ustar.begin(), ustar.end(), head.begin() + 257)) {
        return {};
    }
    std::string shown;
    for (std::size_t k = 0; k < head.size() && k < 16; ++k) {
        const char c = static_cast<char>(head[k]);
        shown += (head[k] >= 0x20 && head[k] < 0x7f) ? c : '.';
    }
    return make_error(Errc::invalid_argument, head.empty()
                                                  ? std::string("empty, not an image archive")
                                                  : "not an image archive (starts with '" + shown +
                                                        "'; want gzip, bzip2, xz, zstd or tar)");
}

std::string_view compression_name(Compression c) {
    switch (c) {
        case Compression::none:
            return "none";
        case Compression::gzip:
            return "gzip";
        case Compression::bzip2:
            return "bzip2";
        case Compression::xz:
            return "xz";
        case Compression::zstd:
            return "zstd";
    }
    return "?";
}

namespace {

// One read_aci_stream call: the two chained libarchive readers over a Pass,
// and the error wording that names the input (`where`).
class AciPass {
  public:
    AciPass(const ChunkReader& read, std::string_view what, const AciLimits& limits)
        : where_(escape_control(what)) {
        pass_.source = &read;
        pass_.limits = limits;
    }

    Status open();
    Result<ManifestInfo> find_manifest();
    Status finish_digests();
    Result<AciInfo> info(ManifestInfo manifest);

  private:
    Error fail(Errc code, const std::string& why) const {
        return make_error(code, where_ + ": " + why);
    }
    bool pass_failed() const {
        return pass_.source_error || pass_.decompress_error || pass_.limit_error;
    }
    Error outer_failure(const char* stage) const;
    bool blame_compression();
    Error tar_failure(const std::string& message, bool first_entry);
    Result<std::string> read_manifest_data(archive_entry* entry);

    std::string where_;
    Pass pass_;
    ArchivePtr outer_{archive_read_new()};
    ArchivePtr inner_{archive_read_new()};
};

Error AciPass::outer_failure(const char* stage) const {
    if (pass_.source_error) return with_context(where_, *pass_.source_error);
    if (pass_.limit_error) return with_context(where_, *pass_.limit_error);
    const Compression c = pass_.compression;
    const char* msg = archive_error_string(outer_.get());
    // libarchive gives no text for some failures (a stream cut short):
    // say what we know instead of the stage name.
    const std::string detail = pass_.decompress_error ? *pass_.decompress_error
                               : msg != nullptr       ? msg
                               : pass_.source_eof
                                   ? "truncated (the file ends inside the compressed data)"
                                   : std::string("unreadable (") + stage + ")";
    if (c == Compression::none) return fail(Errc::corrupt, "cannot read: " + detail);
    return fail(Errc::corrupt, "corrupt " + std::string(compression_name(c)) + " data: " + detail);
}

// A tar error in compressed data is most likely the compression's fault:
// decompress the rest to see whether the compressed stream is damaged.
bool AciPass::blame_compression() {
    if (pass_.compression == Compression::none) return false;
    for (;;) {
        const la_ssize_t n = pull_decompressed(pass_);
        if (n < 0) return true;
        if (n == 0) return false;
    }
}

// Opens the outer (decompressing) reader, reads its one raw entry, and opens
// the inner tar reader over it.
Status AciPass::open() {
    if (!outer_ || !inner_) return fail(Errc::internal, "libarchive allocation failed");
    archive* outer = outer_.get();
    pass_.outer = outer;
    archive_read_support_filter_gzip(outer);
    archive_read_support_filter_bzip2(outer);
    archive_read_support_filter_xz(outer);
    archive_read_support_filter_zstd(outer);
    archive_read_support_format_raw(outer);
    archive_read_support_format_tar(inner_.get());

    const int open_rc = archive_read_open(outer, &pass_, nullptr, outer_read, nullptr);
    if (pass_.blob_size == 0 && !pass_.source_error && !pass_.limit_error) {
        return fail(Errc::invalid_argument, "empty file, not a tar archive");
    }
    if (open_rc != ARCHIVE_OK) return outer_failure("open");
    const Compression detected = compression_of(outer);
    if (detected != Compression::none) pass_.compression = detected;
    pass_.identity = detected == Compression::none && pass_.compression == Compression::none;
    archive_entry* raw_entry = nullptr;
    const int raw_rc = archive_read_next_header(outer, &raw_entry);
    if (raw_rc == ARCHIVE_EOF) return fail(Errc::invalid_argument, "empty file, not a tar archive");
    if (raw_rc != ARCHIVE_OK) return outer_failure("header");
    if (archive_read_open(inner_.get(), &pass_, nullptr, inner_read, nullptr) != ARCHIVE_OK) {
        if (pass_failed()) return outer_failure("read");
        return fail(Errc::invalid_argument, "not a tar archive");
    }
    return {};
}

// A bad tar header: the decompressor's fault if it has one, else "not a tar"
// at the first entry and "corrupt" after it.
Error AciPass::tar_failure(const std::string& message, bool first_entry) {
    if (pass_failed() || blame_compression()) return outer_failure("read");
    if (first_entry) {
        return fail(Errc::invalid_argument,
                    "not a tar archive" + (message.empty() ? "" : " (" + message + ")"));
    }
    return fail(Errc::corrupt,
                "corrupt tar archive: " + (message.empty() ? "bad header" : message));
}

// The manifest entry's bytes, at most max_manifest_bytes.
Result<std::string> AciPass::read_manifest_data(archive_entry* entry) {
    if (archive_entry_filetype(entry) != AE_IFREG) {
        return fail(Errc::invalid_argument, "manifest is not a regular file");
    }
    if (archive_entry_size_is_set(entry) &&
        archive_entry_size(entry) > static_cast<la_int64_t>(max_manifest_bytes)) {
        return fail(Errc::too_large, "manifest is " + std::to_string(archive_entry_size(entry)) +
                                         " bytes, over the limit of " +
                                         std::to_string(max_manifest_bytes));
    }
    std::string text;
    char buf[16 * 1024];
    for (;;) {
        const la_ssize_t n = archive_read_data(inner_.get(), buf, sizeof(buf));
        if (n < 0) {
            if (pass_failed()) return outer_failure("read");
            const char* raw_msg = archive_error_string(inner_.get());
            const std::string msg = raw_msg ? raw_msg : "data";
            if (blame_compression()) return outer_failure("read");
            return fail(Errc::corrupt, "corrupt tar archive: " + msg);
        }
        if (n == 0) return text;
        text.append(buf, static_cast<std::size_t>(n));
        if (text.size() > max_manifest_bytes) {
            return fail(Errc::too_large, "manifest is over the limit of " +
                                             std::to_string(max_manifest_bytes) + " bytes");
        }
    }
}

// Reads every tar entry; exactly one may be the manifest (is_manifest_entry).
Result<ManifestInfo> AciPass::find_manifest() {
    std::optional<ManifestInfo> manifest;
    std::optional<std::string> manifest_entry;  // its name as written in the tar
    bool first = true;
    for (;; first = false) {
        archive_entry* entry = nullptr;
        const int rc = archive_read_next_header(inner_.get(), &entry);
        if (rc == ARCHIVE_EOF) break;
        if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) {
            const char* msg = archive_error_string(inner_.get());
            return tar_failure(msg != nullptr ? msg : "", first);
        }
        const char* path = archive_entry_pathname(entry);
        if (path == nullptr || !is_manifest_entry(path)) continue;
        if (manifest_entry) {
            return fail(Errc::invalid_argument,
                        "two manifest entries (" + quote_for_error(*manifest_entry) + " and " +
                            quote_for_error(path) +
                            "): readers that take the first and the last would disagree");
        }
        manifest_entry = path;
        auto text = read_manifest_data(entry);
        if (!text) return std::move(text).error();
        auto parsed = parse_manifest(*text);
        if (!parsed) return with_context(where_, std::move(parsed).error());
        manifest = std::move(*parsed);
    }
    if (first) return fail(Errc::invalid_argument, "not a tar archive (no entries)");
    // The image ID covers every decompressed byte, past the tar's end marker too.
    for (;;) {
        const la_ssize_t n = pull_decompressed(pass_);
        if (n < 0) return outer_failure("read");
        if (n == 0) break;
    }
    if (!manifest) return fail(Errc::invalid_argument, "no manifest entry");
    return std::move(*manifest);
}

// The blob digest covers the whole file, even bytes after the compressed
// stream; then the gzip trailer is checked against what was decompressed.
Status AciPass::finish_digests() {
    for (;;) {
        auto got = (*pass_.source)(pass_.in_buf);
        if (!got) return with_context(where_, std::move(got).error());
        if (*got == 0) break;
        if (pass_.blob_size + *got > pass_.limits.max_blob_bytes) {
            return with_context(where_, blob_limit_error(pass_.limits));
        }
        pass_.note_blob(pass_.in_buf.data(), *got);
    }
    if (auto bad = check_gzip_trailer(pass_)) {
        return fail(Errc::corrupt, "corrupt gzip data: " + *bad);
    }
    return {};
}

Result<AciInfo> AciPass::info(ManifestInfo manifest) {
    AciInfo info;
    const auto blob_digest = pass_.blob.finish();
    if (pass_.identity && pass_.tar_size != pass_.blob_size) {
        return fail(Errc::internal, "uncompressed, yet " + std::to_string(pass_.tar_size) +
                                        " tar bytes of " + std::to_string(pass_.blob_size));
    }
    auto id = ImageId::from_bytes(pass_.identity ? blob_digest : pass_.tar.finish());
    auto blob = BlobSha512::from_bytes(blob_digest);
    if (!id || !blob) return fail(Errc::internal, "digest size");
    info.id = *id;
    info.blob_sha512 = *blob;
    info.size = pass_.blob_size;
    info.compression = pass_.compression;
    info.manifest = std::move(manifest);
    return info;
}

}  // namespace

Result<AciInfo> read_aci_stream(const ChunkReader& read, std::string_view what,
                                const AciLimits& limits) {
    AciPass pass(read, what, limits);
    if (auto ok = pass.open(); !ok) return std::move(ok).error();
    auto manifest = pass.find_manifest();
    if (!manifest) return std::move(manifest).error();
    if (auto ok = pass.finish_digests(); !ok) return std::move(ok).error();
    return pass.info(std::move(*manifest));
}

Result<AciInfo> read_aci_bytes(std::span<const std::uint8_t> bytes, std::string_view what,
                               const AciLimits& limits) {
    std::size_t offset = 0;
    ChunkReader reader = [&](std::span<std::uint8_t> buf) -> Result<std::size_t> {
        const std::size_t n = std::min(buf.size(), bytes.size() - offset);
        std::memcpy(buf.data(), bytes.data() + offset, n);
        offset += n;
        return n;
    };
    return read_aci_stream(reader, what, limits);
}

Result<AciInfo> read_aci_file(const std::filesystem::path& path, const AciLimits& limits) {
    const UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return errno_error("", escape_control(path.string()), errno);
    ChunkReader reader = [&](std::span<std::uint8_t> buf) -> Result<std::size_t> {
        for (;;) {
            const ssize_t n = ::read(fd.get(), buf.data(), buf.size());
            if (n >= 0) return static_cast<std::size_t>(n);
            if (errno == EINTR) continue;
            // read_aci_stream puts the path in front of this message.
            return errno_error("", "read", errno);
        }
    };
    return read_aci_stream(reader, path.string(), limits);
}

Result<AciInfo> validate_aci(const std::filesystem::path& path, const ImageExpectation& expected) {
    auto info = read_aci_file(path);
    if (!info) return info;
    if (auto ok = check_expectation(info->manifest, expected); !ok) {
        return with_context(escape_control(path.string()), std::move(ok).error());
    }
    return info;
}

}  // namespace aciswarm::appc
