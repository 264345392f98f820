// The store index's SQLite schema and its migrations. PRAGMA user_version is
// the schema version; each migration moves it up by one inside one write
// transaction, so a crash mid-migration leaves the previous version intact and
// two processes opening the same store migrate it once.
//
//   v1  images(key, id, blob_sha512, size, compression, name, labels, manifest,
//              info hashes, torrent, source URLs, imported_at, last_used, pinned)
//   v2  + etag, max_age (HTTP caching), seeding_policy
//   v3  + verified_by (fingerprint of the trusted key that verified the signature), verified_at
#pragma once

#include "common/result.hpp"

struct sqlite3;

namespace aciswarm::agent::store::schema {

inline constexpr int current_version = 3;

// The database's schema version (0 for a new, empty database).
Result<int> version(sqlite3* db);

// Applies the migrations from the database's version up to `target`. Fails,
// naming both versions, when the database is newer than this program.
Status migrate(sqlite3* db, int target = current_version);

}  // namespace aciswarm::agent::store::schema
