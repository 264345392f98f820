// Importing an image: one streaming pass validates the .aci while it is staged,
// then commit() makes it visible in one write transaction. The blob is
// fsynced in staging/, renamed into blobs/ under the write lock and the
// directory fsynced before the row commits, so kill -9 at any point leaves
// either the old state or the whole image (recovery removes the rest).
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "agent/store/early_pass.hpp"
#include "agent/store/store_impl.hpp"

namespace aciswarm::agent::store {
namespace fs = std::filesystem;
namespace {

// Both statements number their parameters alike, so bind_row serves both:
// ?1 key, ?2 id, ?3 blob_sha512, ?4 size, ?5 compression, ?6 name, ?7 labels,
// ?8 manifest, ?9 info_hash_v1, ?10 info_hash_v2, ?11 torrent, ?12-?15 URLs
// (aci, asc, torrent, magnet), ?16 etag, ?17 max_age, ?18 now, ?19 pinned,
// ?20 seeding_policy, ?21 verified_by. The UPDATE leaves ?2 and ?6-?8 unused.
constexpr const char* insert_row_sql =
    "INSERT INTO images (key, id, blob_sha512, size, compression, name, labels, "
    "manifest, info_hash_v1, info_hash_v2, torrent, url_aci, url_asc, "
    "url_torrent, url_magnet, etag, max_age, imported_at, last_used, pinned, "
    "seeding_policy, verified_by, verified_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
    "?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?18, ?19, ?20, ?21, "
    "CASE WHEN ?21 = '' THEN NULL ELSE ?18 END)";

// Same image again: keep one entry, refresh what the request knows.
constexpr const char* update_row_sql =
    "UPDATE images SET blob_sha512 = ?3, size = ?4, compression = ?5, "
    "info_hash_v1 = COALESCE(?9, info_hash_v1), "
    "info_hash_v2 = COALESCE(?10, info_hash_v2), "
    "torrent = COALESCE(?11, torrent), "
    "url_aci = CASE WHEN ?12 = '' THEN url_aci ELSE ?12 END, "
    "url_asc = CASE WHEN ?13 = '' THEN url_asc ELSE ?13 END, "
    "url_torrent = CASE WHEN ?14 = '' THEN url_torrent ELSE ?14 END, "
    "url_magnet = CASE WHEN ?15 = '' THEN url_magnet ELSE ?15 END, "
    "etag = COALESCE(?16, etag), max_age = COALESCE(?17, max_age), "
    "last_used = ?18, pinned = MAX(pinned, ?19), "
    "seeding_policy = CASE WHEN ?20 = '' THEN seeding_policy ELSE ?20 END, "
    "verified_at = CASE WHEN ?21 = '' THEN verified_at ELSE ?18 END, "
    "verified_by = CASE WHEN ?21 = '' THEN verified_by ELSE ?21 END "
    "WHERE key = ?1";

// The blob a row describes: the imported one, or the one already stored.
struct BlobColumns {
    std::string sha512_hex;
    std::int64_t size = 0;
    std::string compression;
};

void bind_row(Stmt& s, const AciInfo& info, const BlobColumns& blob, const ImportRequest& req,
              const std::string& verified_by, std::int64_t now) {
    const HashColumns hashes = info_hash_columns(req.info_hashes);
    s.bind(1, info.id.key())
        .bind(2, info.id.full())
        .bind(3, blob.sha512_hex)
        .bind(4, blob.size)
        .bind(5, blob.compression)
        .bind(6, info.manifest.name)
        .bind(7, labels_json(info.manifest.labels))
        .bind_blob(8, info.manifest.raw)
        .bind_opt(9, hashes.v1)
        .bind_opt(10, hashes.v2);
    if (req.torrent.empty()) {
        s.bind_null(11);
    } else {
        s.bind_blob(11, req.torrent);
    }
    s.bind(12, req.urls.aci)
        .bind(13, req.urls.asc)
        .bind(14, req.urls.torrent)
        .bind(15, req.urls.magnet)
        .bind_opt(16, req.etag)
        .bind(18, now)
        .bind(19, std::int64_t{req.pinned ? 1 : 0})
        .bind(20, req.seeding_policy)
        .bind(21, verified_by);
    // -1 stands for "not given" (GCC misreads an optional<int64_t> here).
    const std::int64_t max_age = req.max_age ? req.max_age->count() : -1;
    if (max_age >= 0) {
        s.bind(17, max_age);
    } else {
        s.bind_null(17);
    }
}

// For -v: how long a step of an import took (docs/benchmarks.md, "fetch: 1 GiB").
std::int64_t ms_since(const Clock& clock, Clock::SteadyTime start) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(clock.now() - start).count();
}

}  // namespace

// The signature is staged (written + fsynced) before the write lock is taken.
Result<std::optional<StagingFile>> Store::Impl::stage_signature(const ImportRequest& req) const {
    if (!req.signature) return std::optional<StagingFile>();
    auto s = create_staging_file("signature");
    if (!s) return std::move(s).error();
    if (auto ok = s->write(*req.signature); !ok) return std::move(ok).error();
    if (auto ok = s->sync(); !ok) return std::move(ok).error();
    return std::optional<StagingFile>(std::move(*s));
}

// A record's torrent always describes its blob byte for byte (seeding serves
// the blob with it). The same image in other bytes (another compression) with
// a torrent: it replaces a stored blob that has no torrent (true); a blob that
// has its own torrent stays, and the request's torrent is dropped.
bool Store::Impl::replaces_blob(const AciInfo& info, ImportRequest& req) const {
    auto current = get(info.id);
    if (!current || current->blob_sha512 == info.blob_sha512 || req.torrent.empty()) return false;
    if (current->torrent.empty()) {
        log->info("store: ", info.id.display(), " was stored as ",
                  compression_name(current->compression), " without a torrent; ", "keeping the ",
                  compression_name(info.compression), " copy its torrent describes instead");
        return true;
    }
    log->info("store: ", info.id.display(), " is already stored as ",
              compression_name(current->compression), " with its own torrent; the ",
              compression_name(info.compression), " copy and its torrent are not kept");
    req.torrent.clear();
    req.info_hashes = {};
    return false;
}

// Under the write lock: renames the blob (when write_blob) and the signature
// into blobs/ and fsyncs the directory. Returns whether the blob was renamed;
// on an error nothing new is left in blobs/ and the caller rolls back.
Result<bool> Store::Impl::place_files(StagingFile& staged, std::optional<StagingFile>& sig,
                                      const ImageId& id, bool write_blob) const {
    const fs::path blob = blob_path(id);
    bool renamed = false;
    if (write_blob) {
        if (::rename(staged.path().c_str(), blob.c_str()) != 0) {
            return errno_error("rename to " + blob.string(), staged.path().string(), errno);
        }
        staged.release();
        renamed = true;
    }
    if (sig) {
        if (::rename(sig->path().c_str(), signature_path(id).c_str()) != 0) {
            const Error e =
                errno_error("rename into " + blobs.string(), sig->path().string(), errno);
            if (renamed) ::unlink(blob.c_str());
            return e;
        }
        sig->release();
    }
    if (renamed || sig) {
        if (auto ok = fsync_directory(blobs.string()); !ok) {
            if (renamed) ::unlink(blob.c_str());
            return std::move(ok).error();
        }
        point("renamed");
    }
    return renamed;
}

// Inserts the row, or updates it when the image is already there (its stored
// blob's columns stay unless the blob was just replaced).
Status Store::Impl::write_row(bool exists, bool renamed, const AciInfo& info,
                              const ImportRequest& req, const std::string& verified_by) {
    Stmt s(db, exists ? update_row_sql : insert_row_sql);
    if (!s.ok()) return sql_error(exists ? "prepare update" : "prepare insert");
    BlobColumns blob{info.blob_sha512.hex(), static_cast<std::int64_t>(info.size),
                     std::string(compression_name(info.compression))};
    if (exists && !renamed) {
        if (auto current = get(info.id)) {
            blob = BlobColumns{current->blob_sha512.hex(), static_cast<std::int64_t>(current->size),
                               std::string(compression_name(current->compression))};
        }
    }
    bind_row(s, info, blob, req, verified_by, to_unix_ms(clock->wall_now()));
    if (s.step() != SQLITE_DONE) return sql_error("record " + info.id.display());
    return {};
}

Result<ImageRecord> Store::Impl::commit(StagingFile staged, const AciInfo& info,
                                        const ImportRequest& request,
                                        const std::string& verified_by) {
    const ImageId& id = info.id;
    ImportRequest req = request;  // the torrent may be dropped by replaces_blob
    auto sig = stage_signature(req);
    if (!sig) return std::move(sig).error();
    if (auto ok = exec("BEGIN IMMEDIATE", "begin import"); !ok) return std::move(ok).error();
    auto fail = [&](Error e) -> Error {
        rollback();
        return e;
    };
    bool exists = false;
    {
        Stmt s(db, "SELECT 1 FROM images WHERE key = ?1");
        if (!s.ok()) return fail(sql_error("prepare lookup"));
        s.bind(1, id.key());
        exists = s.step() == SQLITE_ROW;
    }
    std::error_code ec;
    bool write_blob = !exists || !fs::exists(blob_path(id), ec);
    if (!write_blob) write_blob = replaces_blob(info, req);
    auto renamed = place_files(staged, *sig, id, write_blob);
    if (!renamed) return fail(std::move(renamed).error());
    Status written = write_row(exists, *renamed, info, req, verified_by);
    if (written) written = exec("COMMIT", "commit import of " + id.display());
    if (!written) {
        if (*renamed) ::unlink(blob_path(id).c_str());
        return fail(std::move(written).error());
    }
    point("committed");
    if (exists) {
        log->debug("store: ", id.display(), " was already stored; metadata updated");
    } else {
        log->info("store: imported ", id.display(), " ", info.manifest.name);
    }
    return get(id);
    // `staged` (when not renamed) is deleted here, after the commit.
}

// The part of every import after the one pass: the manifest meets the
// request's expectation, the staged blob is fsynced, the verify hook runs.
Result<ImageRecord> Store::Impl::finish_import(StagingFile staged, const AciInfo& info,
                                               const ImportRequest& req, const std::string& what) {
    if (auto ok = check_expectation(info.manifest, req.expected); !ok) {
        return with_context(what, std::move(ok).error());
    }
    point("staged");
    const auto sync_start = clock->now();
    if (auto ok = staged.sync(); !ok) return std::move(ok).error();
    log->debug("store: ", what, ": fsync took ", ms_since(*clock, sync_start), " ms");
    point("synced");
    std::string verified_by;  // "" when there is no verify hook
    if (req.verify) {
        auto verified = req.verify(staged.path(), info.manifest.name);
        if (!verified) return std::move(verified).error();
        verified_by = std::move(*verified);
    }
    const auto commit_start = clock->now();
    auto committed = commit(std::move(staged), info, req, verified_by);
    log->debug("store: ", what, ": commit took ", ms_since(*clock, commit_start), " ms");
    return committed;
}

// The early pass's result when it read exactly this file (same inode, same
// size, early_pass.hpp); nullopt (logged) when the import must read it itself.
std::optional<AciInfo> Store::Impl::early_result(const StagingFile& staged,
                                                 const ImportRequest& req,
                                                 const std::string& what) const {
    if (req.early_pass == nullptr) return std::nullopt;
    const auto wait_start = clock->now();
    auto early = req.early_pass->result();
    if (!early) {
        log->debug("store: ", what, ": reading it again (", early.error().message, ")");
        return std::nullopt;
    }
    struct stat st {};
    if (::fstat(staged.fd(), &st) != 0 || st.st_dev != early->device || st.st_ino != early->inode ||
        static_cast<std::uint64_t>(st.st_size) != early->info.size) {
        log->debug("store: ", what, ": reading it again (the early pass read another file)");
        return std::nullopt;
    }
    log->debug("store: ", what, ": one pass over ", early->info.size,
               " bytes while it was written; ", ms_since(*clock, wait_start),
               " ms after the last byte");
    return std::move(early->info);
}

// The read half: one pass over the staging file (already holding the bytes),
// unless an early pass read it while it was written.
Result<ImageRecord> Store::Impl::import_staged(StagingFile staged, const ImportRequest& req,
                                               const std::string& what) {
    if (auto early = early_result(staged, req, what)) {
        return finish_import(std::move(staged), *early, req, what);
    }
    if (::lseek(staged.fd(), 0, SEEK_SET) < 0) {
        return errno_error("seek", staged.path().string(), errno);
    }
    const int fd = staged.fd();
    const std::string staged_path = staged.path().string();
    ChunkReader reader = [fd, &staged_path](std::span<std::uint8_t> buf) -> Result<std::size_t> {
        for (;;) {
            const ssize_t n = ::read(fd, buf.data(), buf.size());
            if (n >= 0) return static_cast<std::size_t>(n);
            if (errno == EINTR) continue;
            return errno_error("read", staged_path, errno);
        }
    };
    const auto pass_start = clock->now();
    auto info = read_aci_stream(reader, what, limits());
    if (!info) return std::move(info).error();
    log->debug("store: ", what, ": one pass over ", info->size, " bytes took ",
               ms_since(*clock, pass_start), " ms");
    return finish_import(std::move(staged), *info, req, what);
}

Result<ImageRecord> Store::import_file(const fs::path& path, const ImportRequest& request) {
    const std::string what = path.string();
    if (request.move) {
        // Lock first, then rename: the lock follows the inode into staging/,
        // so no cleaner can take the file away in between.
        const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
        if (fd < 0) return errno_error("", what, errno);
        if (::flock(fd, LOCK_EX) != 0) {
            const int err = errno;
            ::close(fd);
            return errno_error("flock", what, err);
        }
        std::string target = (impl_->staging / "import.XXXXXX").string();
        const int placeholder = ::mkostemp(target.data(), O_CLOEXEC);
        if (placeholder >= 0) ::close(placeholder);
        if (placeholder >= 0 && ::rename(path.c_str(), target.c_str()) == 0) {
            return impl_->import_staged(StagingFile(target, fd), request, what);
        }
        const int err = errno;
        if (placeholder >= 0) ::unlink(target.c_str());
        ::close(fd);
        if (err != EXDEV) return errno_error("move into " + target, what, err);
        // Another file system: copy, then remove the original after success.
        ImportRequest copy = request;
        copy.move = false;
        auto r = import_file(path, copy);
        if (r) ::unlink(path.c_str());
        return r;
    }
    const int src = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (src < 0) return errno_error("", what, errno);
    auto staged = impl_->create_staging_file("import");
    if (!staged) {
        ::close(src);
        return std::move(staged).error();
    }
    // The copy happens inside the one streaming pass: each chunk read from the
    // source is written to staging/ before libarchive sees it.
    const int dst = staged->fd();
    const fs::path dst_path = staged->path();
    bool first_chunk = true;
    Impl* impl = impl_.get();
    ChunkReader reader = [&](std::span<std::uint8_t> buf) -> Result<std::size_t> {
        ssize_t n;
        do {
            n = ::read(src, buf.data(), buf.size());
        } while (n < 0 && errno == EINTR);
        // read_aci_stream puts `what` (the source) in front of this message.
        if (n < 0) return errno_error("", "read", errno);
        const std::string_view chunk(reinterpret_cast<const char*>(buf.data()),
                                     static_cast<std::size_t>(n));
        if (auto ok = write_all(dst, chunk, dst_path.string()); !ok) {
            return std::move(ok).error();
        }
        if (first_chunk && n > 0) {
            first_chunk = false;
            impl->point("copying");
        }
        return static_cast<std::size_t>(n);
    };
    auto info = read_aci_stream(reader, what, impl_->limits());
    ::close(src);
    if (!info) return std::move(info).error();
    return impl_->finish_import(std::move(*staged), *info, request, what);
}

Result<ImageRecord> Store::import_staged(StagingFile file, const ImportRequest& request) {
    const std::string what = file.path().string();
    return impl_->import_staged(std::move(file), request, what);
}

}  // namespace aciswarm::agent::store
