#include "agent/store/store.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <utility>

#include "agent/store/schema.hpp"
#include "common/digest.hpp"
#include "common/hex.hpp"

namespace aciswarm::agent::store {
namespace fs = std::filesystem;
namespace {

constexpr std::size_t copy_chunk = 64 * 1024;

// A path inside an SQLite "file:" URI: '%', '?' and '#' are percent-encoded
// (SQLite decodes %HH in the path part).
std::string uri_escape_path(std::string_view path) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (const char c : path) {
        if (c == '%' || c == '?' || c == '#') {
            out += '%';
            out += hex[(static_cast<unsigned char>(c) >> 4) & 0xf];
            out += hex[static_cast<unsigned char>(c) & 0xf];
        } else {
            out += c;
        }
    }
    return out;
}

Error errno_error(const std::string& what, int err) {
    const Errc code = err == ENOENT                     ? Errc::not_found
                      : (err == EACCES || err == EPERM) ? Errc::permission
                                                        : Errc::io;
    return make_error(code, what + ": " + std::strerror(err));
}

Status write_all(int fd, const std::uint8_t* data, std::size_t size, const fs::path& path) {
    std::size_t off = 0;
    while (off < size) {
        const ssize_t n = ::write(fd, data + off, size - off);
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno_error(path.string() + ": write", errno);
        }
        off += static_cast<std::size_t>(n);
    }
    return {};
}

Status fsync_fd(int fd, const fs::path& path) {
    if (::fsync(fd) != 0) return errno_error(path.string() + ": fsync", errno);
    return {};
}

Status fsync_dir(const fs::path& dir) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return errno_error(dir.string() + ": open", errno);
    const int rc = ::fsync(fd);
    const int err = errno;
    ::close(fd);
    if (rc != 0) return errno_error(dir.string() + ": fsync", err);
    return {};
}

std::int64_t to_unix_ms(Clock::WallTime t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
Clock::WallTime from_unix_ms(std::int64_t ms) {
    return Clock::WallTime(
        std::chrono::duration_cast<Clock::WallTime::duration>(std::chrono::milliseconds(ms)));
}

std::string labels_json(const Labels& labels) {
    nlohmann::json j = nlohmann::json::object();
    for (const auto& [k, v] : labels)
        j[k] = v;
    return j.dump();
}

Labels labels_from_json(std::string_view text) {
    Labels out;
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (!j.is_object()) return out;
    for (const auto& [k, v] : j.items()) {
        if (v.is_string()) out.emplace(k, v.get<std::string>());
    }
    return out;
}

Compression compression_from(std::string_view s) {
    for (Compression c :
         {Compression::gzip, Compression::bzip2, Compression::xz, Compression::zstd}) {
        if (compression_name(c) == s) return c;
    }
    return Compression::none;
}

bool labels_match(const Labels& have, const Labels& want) {
    return std::all_of(want.begin(), want.end(), [&](const auto& kv) {
        auto it = have.find(kv.first);
        return it != have.end() && it->second == kv.second;
    });
}

// A prepared statement; columns and parameters are 1-based for bind, 0-based for columns.
class Stmt {
  public:
    Stmt(sqlite3* db, const char* sql) : db_(db) {
        if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) stmt_ = nullptr;
    }
    ~Stmt() { sqlite3_finalize(stmt_); }
    Stmt(const Stmt&) = delete;
    Stmt& operator=(const Stmt&) = delete;

    bool ok() const { return stmt_ != nullptr; }
    Stmt& bind(int i, std::string_view s) {
        sqlite3_bind_text(stmt_, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
        return *this;
    }
    Stmt& bind_blob(int i, std::string_view s) {
        sqlite3_bind_blob(stmt_, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
        return *this;
    }
    Stmt& bind(int i, std::int64_t v) {
        sqlite3_bind_int64(stmt_, i, v);
        return *this;
    }
    Stmt& bind_null(int i) {
        sqlite3_bind_null(stmt_, i);
        return *this;
    }
    template <class T>
    Stmt& bind_opt(int i, const std::optional<T>& v) {
        if (v) return bind(i, *v);
        return bind_null(i);
    }
    // SQLITE_ROW, SQLITE_DONE or an error code.
    int step() { return sqlite3_step(stmt_); }

    bool is_null(int c) const { return sqlite3_column_type(stmt_, c) == SQLITE_NULL; }
    std::string text(int c) const {
        const auto* p = sqlite3_column_blob(stmt_, c);
        const int n = sqlite3_column_bytes(stmt_, c);
        return p == nullptr ? std::string()
                            : std::string(static_cast<const char*>(p), static_cast<std::size_t>(n));
    }
    std::int64_t int64(int c) const { return sqlite3_column_int64(stmt_, c); }
    sqlite3* db() const { return db_; }

  private:
    sqlite3* db_;
    sqlite3_stmt* stmt_ = nullptr;
};

constexpr const char* record_columns =
    "id, blob_sha512, size, compression, name, labels, info_hash_v1, info_hash_v2, torrent, "
    "url_aci, url_asc, url_torrent, url_magnet, etag, max_age, imported_at, last_used, pinned, "
    "seeding_policy, verified_by, verified_at";

std::string select_records(std::string_view where) {
    return std::string("SELECT ") + record_columns + " FROM images " + std::string(where);
}

}  // namespace

// ---------------------------------------------------------------- StagingFile

StagingFile::~StagingFile() {
    if (fd_ >= 0) {
        ::unlink(path_.c_str());
        ::close(fd_);
    }
}

StagingFile::StagingFile(StagingFile&& other) noexcept
    : path_(std::move(other.path_)), fd_(std::exchange(other.fd_, -1)) {}

StagingFile& StagingFile::operator=(StagingFile&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) {
            ::unlink(path_.c_str());
            ::close(fd_);
        }
        path_ = std::move(other.path_);
        fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
}

Status StagingFile::write(std::span<const std::uint8_t> bytes) {
    return write_all(fd_, bytes.data(), bytes.size(), path_);
}

Status StagingFile::write(std::string_view bytes) {
    return write_all(fd_, reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(), path_);
}

Status StagingFile::sync() {
    return fsync_fd(fd_, path_);
}

void StagingFile::release() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

// ---------------------------------------------------------------- defaults

Result<fs::path> default_store_root(uid_t uid, const char* xdg_data_home, const char* home) {
    if (uid == 0) return fs::path("/var/lib/aciswarm");
    if (xdg_data_home != nullptr && xdg_data_home[0] == '/') {
        return fs::path(xdg_data_home) / "aciswarm";
    }
    if (home != nullptr && home[0] == '/') return fs::path(home) / ".local/share/aciswarm";
    return make_error(Errc::invalid_argument,
                      "no default store for uid " + std::to_string(uid) +
                          " (neither XDG_DATA_HOME nor HOME is set): pass --store=DIR");
}

// ---------------------------------------------------------------- Store

struct Store::Impl {
    fs::path root;
    fs::path blobs;
    fs::path staging;
    fs::path quarantine;
    const Clock* clock = nullptr;
    Logger* log = nullptr;
    StoreOptions options;
    sqlite3* db = nullptr;

    ~Impl() {
        if (db != nullptr) sqlite3_close_v2(db);
    }

    void point(std::string_view name) const {
        if (options.on_point) options.on_point(name);
    }
    AciLimits limits() const { return AciLimits{options.max_image_size, options.max_image_size}; }
    Error sql_error(const std::string& what) const {
        return make_error(Errc::io, "store index " + (root / "index.db").string() + ": " + what +
                                        ": " + sqlite3_errmsg(db));
    }
    Status exec(const char* sql, const std::string& what) const {
        if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
            return sql_error(what);
        }
        return {};
    }
    void rollback() const { sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr); }

    fs::path blob_path(const ImageId& id) const { return blobs / (id.key() + ".aci"); }
    fs::path signature_path(const ImageId& id) const { return blobs / (id.key() + ".aci.asc"); }

    Result<ImageRecord> record_from(const Stmt& s) const {
        ImageRecord r;
        auto id = ImageId::parse(s.text(0));
        if (!id) return with_context("store index", std::move(id).error());
        r.id = *id;
        auto blob = BlobSha512::from_hex(s.text(1));
        if (!blob) return with_context("store index", std::move(blob).error());
        r.blob_sha512 = *blob;
        r.size = static_cast<std::uint64_t>(s.int64(2));
        r.compression = compression_from(s.text(3));
        r.name = s.text(4);
        r.labels = labels_from_json(s.text(5));
        if (!s.is_null(6)) {
            if (auto h = InfoHash::from_hex(s.text(6))) r.info_hashes.v1 = *h;
        }
        if (!s.is_null(7)) {
            if (auto h = InfoHashV2::from_hex(s.text(7))) r.info_hashes.v2 = *h;
        }
        r.torrent = s.text(8);
        r.urls = SourceUrls{s.text(9), s.text(10), s.text(11), s.text(12)};
        if (!s.is_null(13)) r.etag = s.text(13);
        if (!s.is_null(14)) r.max_age = std::chrono::seconds(s.int64(14));
        r.imported_at = from_unix_ms(s.int64(15));
        r.last_used = from_unix_ms(s.int64(16));
        r.pinned = s.int64(17) != 0;
        r.seeding_policy = s.text(18);
        r.verified_by = s.text(19);
        if (!s.is_null(20)) r.verified_at = from_unix_ms(s.int64(20));
        std::error_code ec;
        r.has_signature = fs::exists(signature_path(r.id), ec);
        return r;
    }

    Result<std::vector<ImageRecord>> query(const std::string& sql,
                                           const std::function<void(Stmt&)>& bind) const {
        Stmt s(db, sql.c_str());
        if (!s.ok()) return sql_error("prepare query");
        if (bind) bind(s);
        std::vector<ImageRecord> out;
        for (;;) {
            const int rc = s.step();
            if (rc == SQLITE_DONE) break;
            if (rc != SQLITE_ROW) return sql_error("query");
            auto r = record_from(s);
            if (!r) return std::move(r).error();
            out.push_back(std::move(*r));
        }
        return out;
    }

    Result<ImageRecord> get(const ImageId& id) const {
        auto rows = query(select_records("WHERE key = ?1"), [&](Stmt& s) { s.bind(1, id.key()); });
        if (!rows) return std::move(rows).error();
        if (rows->empty()) return make_error(Errc::not_found, "no image " + id.display());
        return std::move(rows->front());
    }

    // Runs an UPDATE on one image's row; not_found when no row changed.
    Status update_one(const ImageId& id, const char* sql, const std::function<void(Stmt&)>& bind) {
        Stmt s(db, sql);
        if (!s.ok()) return sql_error("prepare update");
        bind(s);
        if (s.step() != SQLITE_DONE) return sql_error("update " + id.display());
        if (sqlite3_changes(db) == 0) {
            return make_error(Errc::not_found, "no image " + id.display());
        }
        return {};
    }

    // An interrupted swarm download (agent/fetch: staging/partial-<info hash>
    // with libtorrent's resume data) that the next fetch of the same torrent
    // resumes. Kept for partial_max_age after its last save, then cleaned.
    static bool resumable_partial(const fs::path& dir) {
        static constexpr auto partial_max_age = std::chrono::hours(24 * 7);
        if (!dir.filename().string().starts_with("partial-")) return false;
        std::error_code ec;
        const auto saved = fs::last_write_time(dir / "resume", ec);
        if (ec) return false;
        return fs::file_time_type::clock::now() - saved < partial_max_age;
    }

    // Cleans staging/: removes every file no live process holds an flock on
    // (resumable partial downloads stay).
    void clean_staging() const {
        std::error_code ec;
        for (const auto& entry : fs::directory_iterator(staging, ec)) {
            const fs::path p = entry.path();
            if (entry.is_directory(ec)) {
                // A download in progress (agent/fetch) holds an flock on DIR/.lock.
                const int lock_fd =
                    ::open((p / ".lock").c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
                const bool held = lock_fd >= 0 && ::flock(lock_fd, LOCK_EX | LOCK_NB) != 0;
                if (lock_fd >= 0) ::close(lock_fd);
                if (!held && !resumable_partial(p)) fs::remove_all(p, ec);
                continue;
            }
            const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
            if (fd < 0) {
                ::unlink(p.c_str());
                continue;
            }
            if (::flock(fd, LOCK_EX | LOCK_NB) == 0) {
                log->info("store: removing abandoned staging file ", p.string());
                ::unlink(p.c_str());
            }
            ::close(fd);
        }
    }

    // Removes blobs without a row and rows without a blob. Runs inside a write
    // transaction: an importer renames its blob into blobs/ only while holding
    // the write lock, so a blob seen here without a row is truly orphaned.
    Status recover() {
        if (auto ok = exec("BEGIN IMMEDIATE", "begin recovery"); !ok) return ok;
        std::vector<std::string> keys;
        {
            Stmt s(db, "SELECT key FROM images");
            if (!s.ok()) {
                rollback();
                return sql_error("prepare recovery");
            }
            while (s.step() == SQLITE_ROW)
                keys.push_back(s.text(0));
        }
        std::sort(keys.begin(), keys.end());
        std::error_code ec;
        for (const auto& entry : fs::directory_iterator(blobs, ec)) {
            const std::string file = entry.path().filename().string();
            const std::size_t dot = file.find('.');
            const std::string key = file.substr(0, dot);
            const std::string ext = dot == std::string::npos ? "" : file.substr(dot);
            const bool known = (ext == ".aci" || ext == ".aci.asc") &&
                               std::binary_search(keys.begin(), keys.end(), key);
            if (!known) {
                log->warn("store: removing orphan file ", entry.path().string());
                fs::remove_all(entry.path(), ec);
            }
        }
        for (const auto& key : keys) {
            if (fs::exists(blobs / (key + ".aci"), ec)) continue;
            log->warn("store: removing index row of ", key, ": its blob is missing");
            Stmt del(db, "DELETE FROM images WHERE key = ?1");
            del.bind(1, key);
            if (del.step() != SQLITE_DONE) {
                rollback();
                return sql_error("remove orphan row " + key);
            }
        }
        return exec("COMMIT", "commit recovery");
    }

    Result<StagingFile> create_staging_file(std::string_view hint) const {
        std::string safe;
        for (char c : hint.substr(0, 64)) {
            safe.push_back(
                std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ? c : '_');
        }
        if (safe.empty()) safe = "file";
        // A cleaner in another process may remove the file between mkstemp and
        // flock; then the path no longer names our inode and we try again.
        for (int attempt = 0; attempt < 8; ++attempt) {
            std::string tmpl = (staging / (safe + ".XXXXXX")).string();
            const int fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
            if (fd < 0) return errno_error(staging.string() + ": create staging file", errno);
            if (::flock(fd, LOCK_EX) != 0) {
                const int err = errno;
                ::close(fd);
                return errno_error(tmpl + ": flock", err);
            }
            struct stat by_fd {};
            struct stat by_path {};
            if (::fstat(fd, &by_fd) == 0 && ::stat(tmpl.c_str(), &by_path) == 0 &&
                by_fd.st_ino == by_path.st_ino && by_fd.st_dev == by_path.st_dev) {
                return StagingFile(tmpl, fd);
            }
            ::close(fd);
        }
        return make_error(Errc::io, staging.string() + ": staging file keeps disappearing");
    }

    // The write half of an import: `staged` holds a validated, fsynced blob.
    // Runs the request's verify hook over the staged blob; "" when there is none.
    Result<std::string> verify(const StagingFile& staged, const AciInfo& info,
                               const ImportRequest& req) const {
        if (!req.verify) return std::string();
        return req.verify(staged.path(), info.manifest.name);
    }

    Result<ImageRecord> commit(StagingFile staged, const AciInfo& info,
                               const ImportRequest& request, const std::string& verified_by) {
        const ImageId& id = info.id;
        ImportRequest req = request;  // the torrent may be dropped below
        const fs::path blob = blob_path(id);
        // The signature is staged (written + fsynced) before taking the lock.
        std::optional<StagingFile> sig;
        if (req.signature) {
            auto s = create_staging_file("signature");
            if (!s) return std::move(s).error();
            if (auto ok = s->write(*req.signature); !ok) return std::move(ok).error();
            if (auto ok = s->sync(); !ok) return std::move(ok).error();
            sig = std::move(*s);
        }
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
        const bool blob_present = fs::exists(blob, ec);
        // A record's torrent always describes its blob byte for byte (seeding
        // serves the blob with it). The same image in other bytes (another
        // compression) with a torrent: it replaces a blob that has no torrent;
        // a blob that has its own torrent stays, and the new torrent is dropped.
        bool replace_blob = false;
        if (exists && blob_present) {
            auto current = get(id);
            if (current && current->blob_sha512 != info.blob_sha512 && !req.torrent.empty()) {
                if (current->torrent.empty()) {
                    replace_blob = true;
                    log->info("store: ", id.display(), " was stored as ",
                              compression_name(current->compression), " without a torrent; ",
                              "keeping the ", compression_name(info.compression),
                              " copy its torrent describes instead");
                } else {
                    log->info("store: ", id.display(), " is already stored as ",
                              compression_name(current->compression), " with its own torrent; the ",
                              compression_name(info.compression),
                              " copy and its torrent are not kept");
                    req.torrent.clear();
                    req.info_hashes = {};
                }
            }
        }
        bool renamed = false;
        if (!exists || !blob_present || replace_blob) {
            if (::rename(staged.path().c_str(), blob.c_str()) != 0) {
                return fail(errno_error("rename " + staged.path().string() + " to " + blob.string(),
                                        errno));
            }
            staged.release();
            renamed = true;
        }
        if (sig) {
            if (::rename(sig->path().c_str(), signature_path(id).c_str()) != 0) {
                const Error e = errno_error("rename signature into " + blobs.string(), errno);
                if (renamed) ::unlink(blob.c_str());
                return fail(e);
            }
            sig->release();
        }
        if (renamed || sig) {
            if (auto ok = fsync_dir(blobs); !ok) {
                if (renamed) ::unlink(blob.c_str());
                return fail(std::move(ok).error());
            }
            point("renamed");
        }
        const std::int64_t now = to_unix_ms(clock->wall_now());
        const std::optional<std::string> v1 =
            req.info_hashes.v1 ? std::optional(req.info_hashes.v1->hex()) : std::nullopt;
        const std::optional<std::string> v2 =
            req.info_hashes.v2 ? std::optional(req.info_hashes.v2->hex()) : std::nullopt;
        // -1 stands for "not given" (GCC misreads an optional<int64_t> here).
        const std::int64_t max_age = req.max_age ? req.max_age->count() : -1;
        auto bind_max_age = [&](Stmt& st, int i) {
            if (max_age >= 0) {
                st.bind(i, max_age);
            } else {
                st.bind_null(i);
            }
        };
        int rc = SQLITE_ERROR;
        if (!exists) {
            Stmt s(db,
                   "INSERT INTO images (key, id, blob_sha512, size, compression, name, labels, "
                   "manifest, info_hash_v1, info_hash_v2, torrent, url_aci, url_asc, "
                   "url_torrent, url_magnet, etag, max_age, imported_at, last_used, pinned, "
                   "seeding_policy, verified_by, verified_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
                   "?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?18, ?19, ?20, ?21, "
                   "CASE WHEN ?21 = '' THEN NULL ELSE ?18 END)");
            if (!s.ok()) return fail(sql_error("prepare insert"));
            s.bind(1, id.key())
                .bind(2, id.full())
                .bind(3, info.blob_sha512.hex())
                .bind(4, static_cast<std::int64_t>(info.size))
                .bind(5, compression_name(info.compression))
                .bind(6, info.manifest.name)
                .bind(7, labels_json(info.manifest.labels))
                .bind_blob(8, info.manifest.raw)
                .bind_opt(9, v1)
                .bind_opt(10, v2);
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
            bind_max_age(s, 17);
            rc = s.step();
        } else {
            // Same image again: keep one entry, refresh what the request knows.
            Stmt s(db,
                   "UPDATE images SET blob_sha512 = ?2, size = ?3, compression = ?4, "
                   "info_hash_v1 = COALESCE(?5, info_hash_v1), "
                   "info_hash_v2 = COALESCE(?6, info_hash_v2), "
                   "torrent = COALESCE(?7, torrent), "
                   "url_aci = CASE WHEN ?8 = '' THEN url_aci ELSE ?8 END, "
                   "url_asc = CASE WHEN ?9 = '' THEN url_asc ELSE ?9 END, "
                   "url_torrent = CASE WHEN ?10 = '' THEN url_torrent ELSE ?10 END, "
                   "url_magnet = CASE WHEN ?11 = '' THEN url_magnet ELSE ?11 END, "
                   "etag = COALESCE(?12, etag), max_age = COALESCE(?13, max_age), "
                   "last_used = ?14, pinned = MAX(pinned, ?15), "
                   "seeding_policy = CASE WHEN ?16 = '' THEN seeding_policy ELSE ?16 END, "
                   "verified_at = CASE WHEN ?17 = '' THEN verified_at ELSE ?14 END, "
                   "verified_by = CASE WHEN ?17 = '' THEN verified_by ELSE ?17 END "
                   "WHERE key = ?1");
            if (!s.ok()) return fail(sql_error("prepare update"));
            // A blob replaced above (it was missing) may differ in compression.
            const bool replaced = renamed;
            auto current = get(id);
            s.bind(1, id.key())
                .bind(2, replaced || !current ? info.blob_sha512.hex() : current->blob_sha512.hex())
                .bind(3,
                      static_cast<std::int64_t>(replaced || !current ? info.size : current->size))
                .bind(4, compression_name(replaced || !current ? info.compression
                                                               : current->compression))
                .bind_opt(5, v1)
                .bind_opt(6, v2);
            if (req.torrent.empty()) {
                s.bind_null(7);
            } else {
                s.bind_blob(7, req.torrent);
            }
            s.bind(8, req.urls.aci)
                .bind(9, req.urls.asc)
                .bind(10, req.urls.torrent)
                .bind(11, req.urls.magnet)
                .bind_opt(12, req.etag)
                .bind(14, now)
                .bind(15, std::int64_t{req.pinned ? 1 : 0})
                .bind(16, req.seeding_policy)
                .bind(17, verified_by);
            bind_max_age(s, 13);
            rc = s.step();
        }
        if (rc != SQLITE_DONE) {
            Error e = sql_error("record " + id.display());
            if (renamed) ::unlink(blob.c_str());
            return fail(std::move(e));
        }
        if (sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
            Error e = sql_error("commit import of " + id.display());
            if (renamed) ::unlink(blob.c_str());
            return fail(std::move(e));
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

    // The read half: one pass over the staging file (already holding the bytes).
    Result<ImageRecord> import_staged(StagingFile staged, const ImportRequest& req,
                                      const std::string& what) {
        if (::lseek(staged.fd(), 0, SEEK_SET) < 0) {
            return errno_error(staged.path().string() + ": seek", errno);
        }
        const int fd = staged.fd();
        ChunkReader reader = [fd](std::span<std::uint8_t> buf) -> Result<std::size_t> {
            for (;;) {
                const ssize_t n = ::read(fd, buf.data(), buf.size());
                if (n >= 0) return static_cast<std::size_t>(n);
                if (errno == EINTR) continue;
                return make_error(Errc::io, std::string("read: ") + std::strerror(errno));
            }
        };
        auto info = read_aci_stream(reader, what, limits());
        if (!info) return std::move(info).error();
        if (auto ok = check_expectation(info->manifest, req.expected); !ok) {
            return with_context(what, std::move(ok).error());
        }
        point("staged");
        if (auto ok = staged.sync(); !ok) return std::move(ok).error();
        point("synced");
        auto verified = verify(staged, *info, req);
        if (!verified) return std::move(verified).error();
        return commit(std::move(staged), *info, req, *verified);
    }
};

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;
Store::Store(Store&&) noexcept = default;
Store& Store::operator=(Store&&) noexcept = default;

Result<Store> Store::open(const fs::path& root, const Clock& clock, Logger& log,
                          StoreOptions options) {
    auto impl = std::make_unique<Impl>();
    impl->root = root;
    impl->blobs = root / "blobs";
    impl->staging = root / "staging";
    impl->quarantine = root / "quarantine";
    impl->clock = &clock;
    impl->log = &log;
    impl->options = std::move(options);
    if (impl->options.read_only) {
        std::error_code ec;
        if (fs::exists(root / "index.db", ec)) return open_read_only(std::move(impl));
        impl->options.read_only = false;  // nothing there yet: create it as before
    }
    for (const fs::path& dir : {impl->root, impl->blobs, impl->staging, impl->quarantine}) {
        std::error_code ec;
        fs::create_directories(dir, ec);
        if (ec) {
            return make_error(ec == std::errc::permission_denied ? Errc::permission : Errc::io,
                              "store " + dir.string() + ": " + ec.message() +
                                  " (choose another with --store=DIR)");
        }
    }
    // Opening is serialised between processes: switching a new database to WAL
    // needs an exclusive lock, and SQLite returns "database is locked" at once
    // (without its busy handler) when two processes open a new store together.
    const fs::path open_lock_path = root / "open.lock";
    const int open_lock = ::open(open_lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (open_lock < 0) return errno_error(open_lock_path.string(), errno);
    struct CloseOnExit {
        int fd;
        ~CloseOnExit() { ::close(fd); }  // also releases the flock
    } open_lock_guard{open_lock};
    if (::flock(open_lock, LOCK_EX) != 0)
        return errno_error(open_lock_path.string() + ": flock", errno);
    const fs::path db_path = root / "index.db";
    const int rc =
        sqlite3_open_v2(db_path.c_str(), &impl->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
        return make_error(Errc::io, "store index " + db_path.string() + ": " +
                                        (impl->db ? sqlite3_errmsg(impl->db) : "cannot open"));
    }
    sqlite3_busy_timeout(impl->db, static_cast<int>(impl->options.busy_timeout.count()));
    if (auto ok = impl->exec("PRAGMA journal_mode = WAL", "enable WAL"); !ok) {
        return std::move(ok).error();
    }
    // FULL: a committed import survives power loss, not only a crash.
    if (auto ok = impl->exec("PRAGMA synchronous = FULL", "set synchronous"); !ok) {
        return std::move(ok).error();
    }
    if (auto ok = schema::migrate(impl->db); !ok) return std::move(ok).error();
    impl->clean_staging();
    if (auto ok = impl->recover(); !ok) return std::move(ok).error();
    return Store(std::move(impl));
}

Result<Store> Store::open_read_only(std::unique_ptr<Impl> impl) {
    const fs::path db_path = impl->root / "index.db";
    auto try_open = [&](bool immutable) -> Status {
        if (impl->db != nullptr) sqlite3_close_v2(impl->db);
        impl->db = nullptr;
        const std::string uri =
            "file:" + uri_escape_path(db_path.string()) + (immutable ? "?immutable=1" : "?mode=ro");
        const int rc =
            sqlite3_open_v2(uri.c_str(), &impl->db,
                            SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, nullptr);
        if (rc != SQLITE_OK) {
            return make_error(Errc::io, "store index " + db_path.string() + ": " +
                                            (impl->db ? sqlite3_errmsg(impl->db) : "cannot open"));
        }
        sqlite3_busy_timeout(impl->db, static_cast<int>(impl->options.busy_timeout.count()));
        // The first read maps the WAL index (-shm): it fails here, not at open.
        auto v = schema::version(impl->db);
        if (!v) return std::move(v).error();
        return {};
    };
    auto ok = try_open(false);
    std::error_code ec;
    if (!ok && !fs::exists(db_path.string() + "-wal", ec)) {
        // No -wal file: no connection has the database open and every
        // transaction is checkpointed into index.db, so reading it as
        // immutable (no -shm needed) sees the committed state.
        ok = try_open(true);
    }
    if (!ok) {
        return make_error(ok.error().code,
                          ok.error().message + " (read-only open; is the store readable?)");
    }
    auto version = schema::version(impl->db);
    if (!version) return std::move(version).error();
    if (*version != schema::current_version) {
        return make_error(Errc::unsupported,
                          "store index " + db_path.string() + ": schema version " +
                              std::to_string(*version) + ", this program reads version " +
                              std::to_string(schema::current_version) +
                              (*version < schema::current_version
                                   ? " (a command that writes the store, run by its owner, "
                                     "upgrades it)"
                                   : ""));
    }
    return Store(std::move(impl));
}

const fs::path& Store::root() const {
    return impl_->root;
}

std::uint64_t Store::max_image_size() const {
    return impl_->options.max_image_size;
}

fs::path Store::staging_dir() const {
    return impl_->staging;
}

Result<StagingFile> Store::create_staging_file(std::string_view hint) {
    return impl_->create_staging_file(hint);
}

Result<ImageRecord> Store::import_file(const fs::path& path, const ImportRequest& request) {
    const std::string what = path.string();
    if (request.move) {
        // Lock first, then rename: the lock follows the inode into staging/,
        // so no cleaner can take the file away in between.
        const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
        if (fd < 0) return errno_error(what, errno);
        if (::flock(fd, LOCK_EX) != 0) {
            const int err = errno;
            ::close(fd);
            return errno_error(what + ": flock", err);
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
        if (err != EXDEV) return errno_error("move " + what + " into " + target, err);
        // Another file system: copy, then remove the original after success.
        ImportRequest copy = request;
        copy.move = false;
        auto r = import_file(path, copy);
        if (r) ::unlink(path.c_str());
        return r;
    }
    const int src = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (src < 0) return errno_error(what, errno);
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
        if (n < 0) return make_error(Errc::io, std::string("read: ") + std::strerror(errno));
        if (auto ok = write_all(dst, buf.data(), static_cast<std::size_t>(n), dst_path); !ok) {
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
    if (auto ok = check_expectation(info->manifest, request.expected); !ok) {
        return with_context(what, std::move(ok).error());
    }
    impl_->point("staged");
    if (auto ok = staged->sync(); !ok) return std::move(ok).error();
    impl_->point("synced");
    auto verified = impl_->verify(*staged, *info, request);
    if (!verified) return std::move(verified).error();
    return impl_->commit(std::move(*staged), *info, request, *verified);
}

Result<ImageRecord> Store::import_staged(StagingFile file, const ImportRequest& request) {
    const std::string what = file.path().string();
    return impl_->import_staged(std::move(file), request, what);
}

Result<ImageRecord> Store::get(const ImageId& id) const {
    return impl_->get(id);
}

Result<ImageRecord> Store::find(std::string_view id_prefix) const {
    auto digits = normalize_image_id_prefix(id_prefix);
    if (!digits) return std::move(digits).error();
    std::vector<ImageId> candidates;
    {
        // Keys hold 64 hex digits; longer prefixes are checked by the resolver.
        Stmt s(impl_->db, "SELECT id FROM images WHERE substr(key, 8, ?2) = ?1");
        if (!s.ok()) return impl_->sql_error("prepare find");
        const std::string key_part = digits->substr(0, ImageId::key_hex_digits);
        s.bind(1, key_part).bind(2, static_cast<std::int64_t>(key_part.size()));
        for (;;) {
            const int rc = s.step();
            if (rc == SQLITE_DONE) break;
            if (rc != SQLITE_ROW) return impl_->sql_error("find");
            if (auto id = ImageId::parse(s.text(0))) candidates.push_back(*id);
        }
    }
    auto id = resolve_image_id_prefix(id_prefix, candidates);
    if (!id) return std::move(id).error();
    return impl_->get(*id);
}

Result<ImageRecord> Store::find_by_info_hash(const InfoHash& hash) const {
    auto rows =
        impl_->query(select_records("WHERE info_hash_v1 = ?1 OR substr(info_hash_v2, 1, 40) = ?1 "
                                    "ORDER BY imported_at DESC LIMIT 1"),
                     [&](Stmt& s) { s.bind(1, hash.hex()); });
    if (!rows) return std::move(rows).error();
    if (rows->empty()) return make_error(Errc::not_found, "no image with info hash " + hash.hex());
    return std::move(rows->front());
}

Result<ImageRecord> Store::find_by_info_hash_v2(const InfoHashV2& hash) const {
    auto rows =
        impl_->query(select_records("WHERE info_hash_v2 = ?1 ORDER BY imported_at DESC LIMIT 1"),
                     [&](Stmt& s) { s.bind(1, hash.hex()); });
    if (!rows) return std::move(rows).error();
    if (rows->empty()) {
        return make_error(Errc::not_found, "no image with v2 info hash " + hash.hex());
    }
    return std::move(rows->front());
}

Result<ImageRecord> Store::find_by_name(std::string_view name, const Labels& labels) const {
    auto rows = impl_->query(select_records("WHERE name = ?1 ORDER BY imported_at DESC, key"),
                             [&](Stmt& s) { s.bind(1, name); });
    if (!rows) return std::move(rows).error();
    for (auto& r : *rows) {
        if (labels_match(r.labels, labels)) return std::move(r);
    }
    std::string what = "no image named '" + std::string(name) + "'";
    for (const auto& [k, v] : labels)
        what += " " + k + "=" + v;
    return make_error(Errc::not_found, what);
}

Result<std::vector<ImageRecord>> Store::list() const {
    return impl_->query(select_records("ORDER BY imported_at DESC, key"), nullptr);
}

Result<std::string> Store::manifest(const ImageId& id) const {
    Stmt s(impl_->db, "SELECT manifest FROM images WHERE key = ?1");
    if (!s.ok()) return impl_->sql_error("prepare manifest");
    s.bind(1, id.key());
    if (s.step() != SQLITE_ROW) return make_error(Errc::not_found, "no image " + id.display());
    return s.text(0);
}

fs::path Store::blob_path(const ImageId& id) const {
    return impl_->blob_path(id);
}

fs::path Store::signature_path(const ImageId& id) const {
    return impl_->signature_path(id);
}

Status Store::attach_signature(const ImageId& id, std::string_view bytes) {
    auto sig = impl_->create_staging_file("signature");
    if (!sig) return std::move(sig).error();
    if (auto ok = sig->write(bytes); !ok) return ok;
    if (auto ok = sig->sync(); !ok) return ok;
    // Under the write lock, so recovery never sees the signature without its row.
    if (auto ok = impl_->exec("BEGIN IMMEDIATE", "begin attach signature"); !ok) return ok;
    if (auto r = impl_->get(id); !r) {
        impl_->rollback();
        return std::move(r).error();
    }
    if (::rename(sig->path().c_str(), signature_path(id).c_str()) != 0) {
        const int err = errno;
        impl_->rollback();
        return errno_error("store signature of " + id.display(), err);
    }
    sig->release();
    if (auto ok = fsync_dir(impl_->blobs); !ok) {
        impl_->rollback();
        return ok;
    }
    return impl_->exec("COMMIT", "commit attach signature");
}

Status Store::set_torrent(const ImageId& id, std::string_view torrent, const InfoHashes& hashes) {
    const std::optional<std::string> v1 =
        hashes.v1 ? std::optional(hashes.v1->hex()) : std::nullopt;
    const std::optional<std::string> v2 =
        hashes.v2 ? std::optional(hashes.v2->hex()) : std::nullopt;
    return impl_->update_one(
        id, "UPDATE images SET torrent = ?2, info_hash_v1 = ?3, info_hash_v2 = ?4 WHERE key = ?1",
        [&](Stmt& s) {
            s.bind(1, id.key()).bind_blob(2, torrent).bind_opt(3, v1).bind_opt(4, v2);
        });
}

Status Store::touch(const ImageId& id) {
    const std::int64_t now = to_unix_ms(impl_->clock->wall_now());
    return impl_->update_one(id, "UPDATE images SET last_used = ?2 WHERE key = ?1",
                             [&](Stmt& s) { s.bind(1, id.key()).bind(2, now); });
}

Status Store::set_pinned(const ImageId& id, bool pinned) {
    return impl_->update_one(id, "UPDATE images SET pinned = ?2 WHERE key = ?1", [&](Stmt& s) {
        s.bind(1, id.key()).bind(2, std::int64_t{pinned ? 1 : 0});
    });
}

Status Store::set_seeding_policy(const ImageId& id, std::string_view policy) {
    return impl_->update_one(id, "UPDATE images SET seeding_policy = ?2 WHERE key = ?1",
                             [&](Stmt& s) { s.bind(1, id.key()).bind(2, policy); });
}

Status Store::export_to(const ImageId& id, const fs::path& dest) const {
    auto rec = impl_->get(id);
    if (!rec) return std::move(rec).error();
    const fs::path src_path = impl_->blob_path(id);
    const int src = ::open(src_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (src < 0) return errno_error(src_path.string(), errno);
    const fs::path dir = dest.has_parent_path() ? dest.parent_path() : fs::path(".");
    std::string tmpl = (dir / ("." + dest.filename().string() + ".XXXXXX")).string();
    const int dst = ::mkostemp(tmpl.data(), O_CLOEXEC);
    if (dst < 0) {
        const int err = errno;
        ::close(src);
        return errno_error(dest.string(), err);
    }
    auto cleanup = [&](Error e) -> Status {
        ::close(src);
        ::close(dst);
        ::unlink(tmpl.c_str());
        return e;
    };
    Digest digest(Digest::Algorithm::sha512);
    std::vector<std::uint8_t> buf(copy_chunk);
    for (;;) {
        const ssize_t n = ::read(src, buf.data(), buf.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return cleanup(errno_error(src_path.string() + ": read", errno));
        }
        if (n == 0) break;
        digest.update(std::span<const std::uint8_t>(buf.data(), static_cast<std::size_t>(n)));
        if (auto ok = write_all(dst, buf.data(), static_cast<std::size_t>(n), dest); !ok) {
            return cleanup(std::move(ok).error());
        }
    }
    auto got = BlobSha512::from_bytes(digest.finish());
    if (!got || *got != rec->blob_sha512) {
        return cleanup(make_error(Errc::corrupt, src_path.string() +
                                                     ": blob does not match its recorded "
                                                     "digest (run `aciswarm image verify`)"));
    }
    if (::fchmod(dst, 0644) != 0 || ::fsync(dst) != 0) {
        return cleanup(errno_error(dest.string(), errno));
    }
    if (::rename(tmpl.c_str(), dest.c_str()) != 0) {
        return cleanup(errno_error("rename to " + dest.string(), errno));
    }
    ::close(src);
    ::close(dst);
    return {};
}

Status Store::remove(const ImageId& id) {
    if (auto ok = impl_->exec("BEGIN IMMEDIATE", "begin remove"); !ok) return ok;
    Stmt s(impl_->db, "DELETE FROM images WHERE key = ?1");
    if (!s.ok()) {
        impl_->rollback();
        return impl_->sql_error("prepare remove");
    }
    s.bind(1, id.key());
    if (s.step() != SQLITE_DONE) {
        impl_->rollback();
        return impl_->sql_error("remove " + id.display());
    }
    if (sqlite3_changes(impl_->db) == 0) {
        impl_->rollback();
        return make_error(Errc::not_found, "no image " + id.display());
    }
    impl_->point("row-deleted");
    // Files go before the commit: a crash in between leaves a row without a
    // blob, which the next open() removes; never a blob that looks valid.
    ::unlink(impl_->signature_path(id).c_str());
    if (::unlink(impl_->blob_path(id).c_str()) != 0 && errno != ENOENT) {
        const int err = errno;
        impl_->rollback();
        return errno_error("remove " + impl_->blob_path(id).string(), err);
    }
    if (auto ok = impl_->exec("COMMIT", "commit remove"); !ok) return ok;
    impl_->log->info("store: removed ", id.display());
    return {};
}

Result<std::vector<ImageRecord>> Store::gc(const GcOptions& options) {
    auto all = list();
    if (!all) return all;
    const auto cutoff = impl_->clock->wall_now() - options.older_than;
    std::vector<ImageRecord> out;
    for (auto& r : *all) {
        if (r.last_used > cutoff || r.pinned || r.seeding()) continue;
        if (options.keep && options.keep(r)) continue;
        if (!options.dry_run) {
            if (auto ok = remove(r.id); !ok) {
                if (ok.error().code == Errc::not_found) continue;  // removed meanwhile
                return std::move(ok).error();
            }
        }
        out.push_back(std::move(r));
    }
    return out;
}

Result<VerifyReport> Store::verify() {
    auto all = list();
    if (!all) return std::move(all).error();
    VerifyReport report;
    for (const auto& r : *all) {
        ++report.checked;
        const fs::path blob = impl_->blob_path(r.id);
        std::error_code ec;
        std::optional<std::string> problem;
        bool missing = false;
        if (!fs::exists(blob, ec)) {
            missing = true;
        } else {
            // Stored blobs passed the limit of whoever imported them.
            auto info = read_aci_file(blob, AciLimits{std::numeric_limits<std::uint64_t>::max(),
                                                      std::numeric_limits<std::uint64_t>::max()});
            if (!info) {
                problem = info.error().message;
            } else if (info->blob_sha512 != r.blob_sha512) {
                problem = "blob SHA-512 " + info->blob_sha512.hex().substr(0, 16) +
                          "... differs from the recorded " + r.blob_sha512.hex().substr(0, 16) +
                          "...";
            } else if (info->id != r.id) {
                problem = "image ID is now " + info->id.display();
            }
        }
        if (!missing && !problem) {
            report.ok.push_back(r.id);
            continue;
        }
        if (auto ok = impl_->exec("BEGIN IMMEDIATE", "begin quarantine"); !ok) {
            return std::move(ok).error();
        }
        if (!missing) {
            const std::string stamp = std::to_string(to_unix_ms(impl_->clock->wall_now()));
            const fs::path dest = impl_->quarantine / (r.key() + "." + stamp + ".aci");
            if (::rename(blob.c_str(), dest.c_str()) != 0) {
                const int err = errno;
                impl_->rollback();
                return errno_error("quarantine " + blob.string(), err);
            }
            ::unlink(impl_->signature_path(r.id).c_str());
        }
        Stmt del(impl_->db, "DELETE FROM images WHERE key = ?1");
        del.bind(1, r.key());
        if (del.step() != SQLITE_DONE) {
            impl_->rollback();
            return impl_->sql_error("remove " + r.id.display());
        }
        if (auto ok = impl_->exec("COMMIT", "commit quarantine"); !ok) return std::move(ok).error();
        if (missing) {
            impl_->log->warn("store: ", r.id.display(), ": blob missing, index row removed");
            report.missing.push_back(r.id);
        } else {
            impl_->log->warn("store: ", r.id.display(), " is corrupt (", *problem, "), moved to ",
                             impl_->quarantine.string());
            report.corrupt.emplace_back(r.id, *problem);
        }
    }
    return report;
}

Result<DiskUsage> Store::disk_usage() const {
    DiskUsage du;
    std::error_code ec;
    auto sum_dir = [&](const fs::path& dir) {
        std::uint64_t total = 0;
        for (const auto& e : fs::recursive_directory_iterator(dir, ec)) {
            if (e.is_regular_file(ec)) total += e.file_size(ec);
        }
        return total;
    };
    for (const auto& e : fs::directory_iterator(impl_->blobs, ec)) {
        if (!e.is_regular_file(ec)) continue;
        const std::string name = e.path().filename().string();
        if (name.ends_with(".aci.asc")) {
            du.signature_bytes += e.file_size(ec);
        } else if (name.ends_with(".aci")) {
            du.blob_bytes += e.file_size(ec);
            ++du.images;
        }
    }
    for (const char* f : {"index.db", "index.db-wal", "index.db-shm"}) {
        const fs::path p = impl_->root / f;
        if (fs::exists(p, ec)) du.index_bytes += fs::file_size(p, ec);
    }
    du.staging_bytes = sum_dir(impl_->staging);
    du.quarantine_bytes = sum_dir(impl_->quarantine);
    return du;
}

}  // namespace aciswarm::agent::store
