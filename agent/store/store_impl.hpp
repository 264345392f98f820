// Store's private half, shared by the store_<concern>.cpp files (store.hpp is
// the contract; this header is not included outside agent/store/):
//   store_open.cpp     open, read-only open, recovery of orphans after kill -9
//   store_staging.cpp  StagingFile, staging files and the staging cleaner (flocks)
//   store_import.cpp   import: one streaming pass, then the commit transaction
//   store_records.cpp  the index's rows: lookups and metadata updates
//   store_gc.cpp       remove, gc, verify (quarantine), disk usage, export
// (errno, write and fsync helpers: common/system_error.hpp, common/fd.hpp)
//
// Thread ownership and crash safety are store.hpp's: one Store (one SQLite
// connection, one Impl) belongs to one thread.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/store/store.hpp"
#include "common/fd.hpp"
#include "common/system_error.hpp"

namespace aciswarm::agent::store {

// ---------------------------------------------------------------- rows (store_records.cpp)

std::int64_t to_unix_ms(Clock::WallTime t);
Clock::WallTime from_unix_ms(std::int64_t ms);
std::string labels_json(const Labels& labels);
// "SELECT <every ImageRecord column> FROM images <where>".
std::string select_records(std::string_view where);
// The info hash columns' values: lowercase hex, NULL when absent.
struct HashColumns {
    std::optional<std::string> v1;
    std::optional<std::string> v2;
};
HashColumns info_hash_columns(const InfoHashes& hashes);

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

// ---------------------------------------------------------------- Store::Impl

struct Store::Impl {
    std::filesystem::path root;
    std::filesystem::path blobs;
    std::filesystem::path staging;
    std::filesystem::path quarantine;
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

    std::filesystem::path blob_path(const ImageId& id) const { return blobs / (id.key() + ".aci"); }
    std::filesystem::path signature_path(const ImageId& id) const {
        return blobs / (id.key() + ".aci.asc");
    }

    // store_records.cpp
    Result<ImageRecord> record_from(const Stmt& s) const;
    Result<std::vector<ImageRecord>> query(const std::string& sql,
                                           const std::function<void(Stmt&)>& bind) const;
    Result<ImageRecord> get(const ImageId& id) const;
    // Runs an UPDATE on one image's row; not_found when no row changed.
    Status update_one(const ImageId& id, const char* sql, const std::function<void(Stmt&)>& bind);
    // Deletes one image's row inside the caller's transaction (rolled back on error).
    Status delete_row(const ImageId& id);

    // store_staging.cpp
    void clean_staging() const;
    Result<StagingFile> create_staging_file(std::string_view hint) const;

    // store_open.cpp
    Status open_index(const std::string& name, int flags);
    Status recover();

    // store_import.cpp (commit's steps in the order it takes them)
    Result<std::optional<StagingFile>> stage_signature(const ImportRequest& req) const;
    bool replaces_blob(const AciInfo& info, ImportRequest& req) const;
    Result<bool> place_files(StagingFile& staged, std::optional<StagingFile>& sig,
                             const ImageId& id, bool write_blob) const;
    Status write_row(bool exists, bool renamed, const AciInfo& info, const ImportRequest& req,
                     const std::string& verified_by);
    std::optional<AciInfo> early_result(const StagingFile& staged, const ImportRequest& req,
                                        const std::string& what) const;
    Result<ImageRecord> import_staged(StagingFile staged, const ImportRequest& req,
                                      const std::string& what);
    Result<ImageRecord> finish_import(StagingFile staged, const AciInfo& info,
                                      const ImportRequest& req, const std::string& what);
    Result<ImageRecord> commit(StagingFile staged, const AciInfo& info,
                               const ImportRequest& request, const std::string& verified_by);
};

}  // namespace aciswarm::agent::store
