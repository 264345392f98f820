#include "agent/store/aci.hpp"

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
#include <nlohmann/json.hpp>
#include <vector>

#include "common/digest.hpp"
#include "common/text.hpp"

namespace aciswarm::agent::store {
namespace {

constexpr std::size_t chunk_size = 64 * 1024;
// appc manifests are shallow; a deep nesting limit keeps the JSON parser's
// recursion (value destruction) bounded on hostile input.
constexpr int max_json_depth = 64;

bool is_lower_alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

// ^[a-z0-9]+([<separators>][a-z0-9]+)*$
bool matches_ac_pattern(std::string_view s, std::string_view separators) {
    if (s.empty() || !is_lower_alnum(s.front()) || !is_lower_alnum(s.back())) return false;
    bool prev_sep = false;
    for (char c : s) {
        if (is_lower_alnum(c)) {
            prev_sep = false;
        } else if (separators.find(c) != std::string_view::npos) {
            if (prev_sep) return false;
            prev_sep = true;
        } else {
            return false;
        }
    }
    return true;
}

Status check_json_depth(std::string_view json) {
    int depth = 0;
    bool in_string = false;
    bool escaped = false;
    for (char c : json) {
        if (in_string) {
            if (escaped) {
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (c == '"') {
                in_string = false;
            }
            continue;
        }
        if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            if (++depth > max_json_depth) {
                return make_error(Errc::invalid_argument, "manifest: JSON nested deeper than " +
                                                              std::to_string(max_json_depth) +
                                                              " levels");
            }
        } else if (c == '}' || c == ']') {
            --depth;
        }
    }
    return {};
}

Error manifest_error(const std::string& why) {
    return make_error(Errc::invalid_argument, "manifest: " + why);
}

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
        p->limit_error =
            make_error(Errc::too_large, "image is over the limit of " +
                                            std::to_string(p->limits.max_blob_bytes) +
                                            " bytes (the maximum image size, --max-image-size)");
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
    p.tar.update(std::span<const std::uint8_t>(p.out_buf.data(), static_cast<std::size_t>(n)));
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

bool is_ac_identifier(std::string_view s) {
    return matches_ac_pattern(s, "-._~/");
}

bool is_ac_name(std::string_view s) {
    return matches_ac_pattern(s, "-");
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

Result<ManifestInfo> parse_manifest(std::string_view json) {
    if (json.size() > max_manifest_bytes) {
        return make_error(Errc::too_large, "manifest: " + std::to_string(json.size()) +
                                               " bytes, over the limit of " +
                                               std::to_string(max_manifest_bytes));
    }
    if (auto depth = check_json_depth(json); !depth) return std::move(depth).error();
    nlohmann::json doc = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) return manifest_error("not valid JSON");
    if (!doc.is_object()) return manifest_error("not a JSON object");

    const auto kind = doc.find("acKind");
    if (kind == doc.end()) return manifest_error("no acKind");
    if (!kind->is_string()) return manifest_error("acKind is not a string");
    if (kind->get_ref<const std::string&>() != "ImageManifest") {
        return manifest_error("acKind is " + quote_for_error(kind->get_ref<const std::string&>()) +
                              ", want 'ImageManifest'");
    }
    ManifestInfo out;
    const auto version = doc.find("acVersion");
    if (version == doc.end()) return manifest_error("no acVersion");
    if (!version->is_string() || version->get_ref<const std::string&>().empty()) {
        return manifest_error("acVersion is not a non-empty string");
    }
    out.ac_version = version->get<std::string>();

    const auto name = doc.find("name");
    if (name == doc.end()) return manifest_error("no name");
    if (!name->is_string()) return manifest_error("name is not a string");
    out.name = name->get<std::string>();
    if (!is_ac_identifier(out.name)) {
        return manifest_error("name " + quote_for_error(out.name) +
                              " is not a valid AC Identifier");
    }

    if (const auto labels = doc.find("labels"); labels != doc.end() && !labels->is_null()) {
        if (!labels->is_array()) return manifest_error("labels is not an array");
        for (const auto& label : *labels) {
            if (!label.is_object()) return manifest_error("a label is not an object");
            const auto ln = label.find("name");
            const auto lv = label.find("value");
            if (ln == label.end() || !ln->is_string()) {
                return manifest_error("a label has no string name");
            }
            const std::string& label_name = ln->get_ref<const std::string&>();
            if (lv == label.end() || !lv->is_string()) {
                return manifest_error("label " + quote_for_error(label_name) +
                                      " has no string value");
            }
            if (!is_ac_name(label_name)) {
                return manifest_error("label name " + quote_for_error(label_name) +
                                      " is not a valid AC Name");
            }
            if (!out.labels.emplace(label_name, lv->get<std::string>()).second) {
                return manifest_error("label " + quote_for_error(label_name) + " appears twice");
            }
        }
    }
    out.raw = std::string(json);
    return out;
}

Status check_expectation(const ManifestInfo& manifest, const ImageExpectation& expected) {
    if (expected.name && *expected.name != manifest.name) {
        return make_error(Errc::invalid_argument, "image name " + quote_for_error(manifest.name) +
                                                      " does not match the requested " +
                                                      quote_for_error(*expected.name));
    }
    for (const auto& [name, value] : expected.labels) {
        const auto it = manifest.labels.find(name);
        if (it == manifest.labels.end()) {
            return make_error(Errc::invalid_argument, "image has no label " +
                                                          quote_for_error(name) + " (requested " +
                                                          quote_for_error(value) + ")");
        }
        if (it->second != value) {
            return make_error(Errc::invalid_argument, "image label " + quote_for_error(name) +
                                                          " is " + quote_for_error(it->second) +
                                                          ", requested " + quote_for_error(value));
        }
    }
    return {};
}

Result<AciInfo> read_aci_stream(const ChunkReader& read, std::string_view what,
                                const AciLimits& limits) {
    const std::string where = escape_control(what);
    auto fail = [&](Errc code, const std::string& why) -> Error {
        return make_error(code, where + ": " + why);
    };
    Pass pass;
    pass.source = &read;
    pass.limits = limits;

    ArchivePtr outer(archive_read_new());
    ArchivePtr inner(archive_read_new());
    if (!outer || !inner) return fail(Errc::internal, "libarchive allocation failed");
    pass.outer = outer.get();
    archive_read_support_filter_gzip(outer.get());
    archive_read_support_filter_bzip2(outer.get());
    archive_read_support_filter_xz(outer.get());
    archive_read_support_filter_zstd(outer.get());
    archive_read_support_format_raw(outer.get());
    archive_read_support_format_tar(inner.get());

    auto outer_failure = [&](const char* stage) -> Error {
        if (pass.source_error) return with_context(where, *pass.source_error);
        if (pass.limit_error) return with_context(where, *pass.limit_error);
        const Compression c = pass.compression;
        const char* msg = archive_error_string(outer.get());
        // libarchive gives no text for some failures (a stream cut short):
        // say what we know instead of the stage name.
        const std::string detail = pass.decompress_error ? *pass.decompress_error
                                   : msg != nullptr      ? msg
                                   : pass.source_eof
                                       ? "truncated (the file ends inside the compressed data)"
                                       : std::string("unreadable (") + stage + ")";
        if (c == Compression::none) return fail(Errc::corrupt, "cannot read: " + detail);
        return fail(Errc::corrupt,
                    "corrupt " + std::string(compression_name(c)) + " data: " + detail);
    };

    const int open_rc = archive_read_open(outer.get(), &pass, nullptr, outer_read, nullptr);
    if (pass.blob_size == 0 && !pass.source_error && !pass.limit_error) {
        return fail(Errc::invalid_argument, "empty file, not a tar archive");
    }
    if (open_rc != ARCHIVE_OK) return outer_failure("open");
    if (const Compression detected = compression_of(outer.get()); detected != Compression::none) {
        pass.compression = detected;
    }
    const Compression compression = pass.compression;
    archive_entry* raw_entry = nullptr;
    const int raw_rc = archive_read_next_header(outer.get(), &raw_entry);
    if (raw_rc == ARCHIVE_EOF) return fail(Errc::invalid_argument, "empty file, not a tar archive");
    if (raw_rc != ARCHIVE_OK) return outer_failure("header");
    // A tar error in compressed data is most likely the compression's fault:
    // decompress the rest to see whether the compressed stream is damaged.
    auto blame_compression = [&]() {
        if (compression == Compression::none) return false;
        for (;;) {
            const la_ssize_t n = pull_decompressed(pass);
            if (n < 0) return true;
            if (n == 0) return false;
        }
    };

    if (archive_read_open(inner.get(), &pass, nullptr, inner_read, nullptr) != ARCHIVE_OK) {
        if (pass.source_error || pass.decompress_error || pass.limit_error)
            return outer_failure("read");
        return fail(Errc::invalid_argument, "not a tar archive");
    }
    std::optional<ManifestInfo> manifest;
    std::optional<std::string> manifest_entry;  // its name as written in the tar
    bool first = true;
    for (;;) {
        archive_entry* entry = nullptr;
        const int rc = archive_read_next_header(inner.get(), &entry);
        if (rc == ARCHIVE_EOF) break;
        if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) {
            if (pass.source_error || pass.decompress_error || pass.limit_error)
                return outer_failure("read");
            const std::string msg_copy =
                archive_error_string(inner.get()) ? archive_error_string(inner.get()) : "";
            if (blame_compression()) return outer_failure("read");
            const char* msg = msg_copy.empty() ? nullptr : msg_copy.c_str();
            if (first) {
                return fail(Errc::invalid_argument,
                            std::string("not a tar archive") +
                                (msg ? std::string(" (") + msg + ")" : std::string()));
            }
            return fail(Errc::corrupt,
                        std::string("corrupt tar archive: ") + (msg ? msg : "bad header"));
        }
        first = false;
        const char* path = archive_entry_pathname(entry);
        if (path == nullptr || !is_manifest_entry(path)) continue;
        if (manifest_entry) {
            return fail(Errc::invalid_argument,
                        "two manifest entries (" + quote_for_error(*manifest_entry) + " and " +
                            quote_for_error(path) +
                            "): readers that take the first and the last would disagree");
        }
        manifest_entry = path;
        if (archive_entry_filetype(entry) != AE_IFREG) {
            return fail(Errc::invalid_argument, "manifest is not a regular file");
        }
        if (archive_entry_size_is_set(entry) &&
            archive_entry_size(entry) > static_cast<la_int64_t>(max_manifest_bytes)) {
            return fail(Errc::too_large,
                        "manifest is " + std::to_string(archive_entry_size(entry)) +
                            " bytes, over the limit of " + std::to_string(max_manifest_bytes));
        }
        std::string text;
        char buf[16 * 1024];
        for (;;) {
            const la_ssize_t n = archive_read_data(inner.get(), buf, sizeof(buf));
            if (n < 0) {
                if (pass.source_error || pass.decompress_error || pass.limit_error)
                    return outer_failure("read");
                const char* raw_msg = archive_error_string(inner.get());
                const std::string msg = raw_msg ? raw_msg : "data";
                if (blame_compression()) return outer_failure("read");
                return fail(Errc::corrupt, "corrupt tar archive: " + msg);
            }
            if (n == 0) break;
            text.append(buf, static_cast<std::size_t>(n));
            if (text.size() > max_manifest_bytes) {
                return fail(Errc::too_large, "manifest is over the limit of " +
                                                 std::to_string(max_manifest_bytes) + " bytes");
            }
        }
        auto parsed = parse_manifest(text);
        if (!parsed) return with_context(where, std::move(parsed).error());
        manifest = std::move(*parsed);
    }
    if (first) return fail(Errc::invalid_argument, "not a tar archive (no entries)");
    // The image ID covers every decompressed byte, past the tar's end marker too.
    for (;;) {
        const la_ssize_t n = pull_decompressed(pass);
        if (n < 0) return outer_failure("read");
        if (n == 0) break;
    }
    if (!manifest) return fail(Errc::invalid_argument, "no manifest entry");
    // The blob digest covers the whole file, even bytes after the compressed stream.
    for (;;) {
        auto got = read(pass.in_buf);
        if (!got) return with_context(where, std::move(got).error());
        if (*got == 0) break;
        if (pass.blob_size + *got > limits.max_blob_bytes) {
            return fail(Errc::too_large, "image is over the limit of " +
                                             std::to_string(limits.max_blob_bytes) +
                                             " bytes (the maximum image size, --max-image-size)");
        }
        pass.note_blob(pass.in_buf.data(), *got);
    }
    if (auto bad = check_gzip_trailer(pass))
        return fail(Errc::corrupt, "corrupt gzip data: " + *bad);

    AciInfo info;
    auto id = ImageId::from_bytes(pass.tar.finish());
    auto blob = BlobSha512::from_bytes(pass.blob.finish());
    if (!id || !blob) return fail(Errc::internal, "digest size");
    info.id = *id;
    info.blob_sha512 = *blob;
    info.size = pass.blob_size;
    info.compression = compression;
    info.manifest = std::move(*manifest);
    return info;
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
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return make_error(errno == ENOENT ? Errc::not_found : Errc::io,
                          escape_control(path.string()) + ": " + std::strerror(errno));
    }
    ChunkReader reader = [&](std::span<std::uint8_t> buf) -> Result<std::size_t> {
        for (;;) {
            const ssize_t n = ::read(fd, buf.data(), buf.size());
            if (n >= 0) return static_cast<std::size_t>(n);
            if (errno == EINTR) continue;
            return make_error(Errc::io, std::string("read: ") + std::strerror(errno));
        }
    };
    auto out = read_aci_stream(reader, path.string(), limits);
    ::close(fd);
    return out;
}

Result<AciInfo> validate_aci(const std::filesystem::path& path, const ImageExpectation& expected) {
    auto info = read_aci_file(path);
    if (!info) return info;
    if (auto ok = check_expectation(info->manifest, expected); !ok) {
        return with_context(escape_control(path.string()), std::move(ok).error());
    }
    return info;
}

}  // namespace aciswarm::agent::store
