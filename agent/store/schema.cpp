#include "agent/store/schema.hpp"

#include <sqlite3.h>

#include <string>

namespace aciswarm::agent::store::schema {
namespace {

// migrations[i] moves the schema from version i to i + 1. Append only: a
// released migration never changes.
constexpr const char* migrations[] = {
    // 0 -> 1
    R"sql(
CREATE TABLE images (
  key          TEXT PRIMARY KEY,          -- sha512-<64 hex>, rkt's store key
  id           TEXT NOT NULL UNIQUE,      -- sha512-<128 hex>
  blob_sha512  TEXT NOT NULL,             -- hex, of the blob as stored
  size         INTEGER NOT NULL,
  compression  TEXT NOT NULL,
  name         TEXT NOT NULL,
  labels       TEXT NOT NULL,             -- JSON object name -> value
  manifest     BLOB NOT NULL,
  info_hash_v1 TEXT,                      -- hex, 20 bytes
  info_hash_v2 TEXT,                      -- hex, 32 bytes
  torrent      BLOB,
  url_aci      TEXT NOT NULL DEFAULT '',
  url_asc      TEXT NOT NULL DEFAULT '',
  url_torrent  TEXT NOT NULL DEFAULT '',
  url_magnet   TEXT NOT NULL DEFAULT '',
  imported_at  INTEGER NOT NULL,          -- unix milliseconds
  last_used    INTEGER NOT NULL,          -- unix milliseconds
  pinned       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX images_name ON images(name);
CREATE INDEX images_info_hash_v1 ON images(info_hash_v1);
CREATE INDEX images_info_hash_v2 ON images(info_hash_v2);
)sql",
    // 1 -> 2
    R"sql(
ALTER TABLE images ADD COLUMN etag TEXT;
ALTER TABLE images ADD COLUMN max_age INTEGER;
ALTER TABLE images ADD COLUMN seeding_policy TEXT NOT NULL DEFAULT '';
)sql",
    // 2 -> 3: which trusted key verified the image's signature ('' = none).
    R"sql(
ALTER TABLE images ADD COLUMN verified_by TEXT NOT NULL DEFAULT '';
ALTER TABLE images ADD COLUMN verified_at INTEGER;
)sql",
};
static_assert(std::size(migrations) == current_version);

Error sql_error(sqlite3* db, const std::string& what) {
    return make_error(Errc::io, "store index: " + what + ": " + sqlite3_errmsg(db));
}

Status exec(sqlite3* db, const char* sql, const std::string& what) {
    if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) return sql_error(db, what);
    return {};
}

}  // namespace

Result<int> version(sqlite3* db) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, nullptr) != SQLITE_OK) {
        return sql_error(db, "read schema version");
    }
    int v = -1;
    if (sqlite3_step(stmt) == SQLITE_ROW) v = sqlite3_column_int(stmt, 0);
    sqlite3_finalize(stmt);
    if (v < 0) return sql_error(db, "read schema version");
    return v;
}

Status migrate(sqlite3* db, int target) {
    if (target < 0 || target > current_version) {
        return make_error(Errc::invalid_argument,
                          "store index: no schema version " + std::to_string(target));
    }
    // IMMEDIATE: take the write lock before reading the version, so two
    // processes can't both run the same migration.
    if (auto ok = exec(db, "BEGIN IMMEDIATE", "begin migration"); !ok) return ok;
    auto rollback = [&](Error e) -> Status {
        sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
        return e;
    };
    auto v = version(db);
    if (!v) return rollback(std::move(v).error());
    if (*v > current_version) {
        return rollback(make_error(Errc::unsupported,
                                   "store index: schema version " + std::to_string(*v) +
                                       " is newer than this aciswarm understands (" +
                                       std::to_string(current_version) + "); upgrade aciswarm"));
    }
    for (int from = *v; from < target; ++from) {
        if (auto ok =
                exec(db, migrations[from],
                     "migrate schema " + std::to_string(from) + " -> " + std::to_string(from + 1));
            !ok) {
            return rollback(std::move(ok).error());
        }
        const std::string set = "PRAGMA user_version = " + std::to_string(from + 1);
        if (auto ok = exec(db, set.c_str(), "set schema version"); !ok) {
            return rollback(std::move(ok).error());
        }
    }
    return exec(db, "COMMIT", "commit migration");
}

}  // namespace aciswarm::agent::store::schema
