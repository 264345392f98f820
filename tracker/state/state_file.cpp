#include "tracker/state/state_file.hpp"

#include <sqlite3.h>

#include <string>
#include <system_error>

namespace aciswarm::tracker::state {
namespace fs = std::filesystem;

namespace {

struct StatementDeleter {
    void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using Statement = std::unique_ptr<sqlite3_stmt, StatementDeleter>;

constexpr const char* kCreateSchema = R"sql(
CREATE TABLE IF NOT EXISTS torrents (
  info_hash  BLOB PRIMARY KEY,   -- 20 bytes (v1, or the truncated v2 hash)
  completed  INTEGER NOT NULL,   -- completions counted, once per peer
  first_seen INTEGER NOT NULL,   -- unix seconds, 0 = unknown
  last_seen  INTEGER NOT NULL    -- unix seconds, 0 = unknown
) WITHOUT ROWID;
PRAGMA user_version = 1;
)sql";

// The upsert applies journal.hpp's merge rule inside the database.
constexpr const char* kUpsert = R"sql(
INSERT INTO torrents (info_hash, completed, first_seen, last_seen) VALUES (?1, ?2, ?3, ?4)
ON CONFLICT (info_hash) DO UPDATE SET
  completed  = max(completed, excluded.completed),
  first_seen = CASE WHEN first_seen = 0 OR (excluded.first_seen != 0
                    AND excluded.first_seen < first_seen) THEN excluded.first_seen
               ELSE first_seen END,
  last_seen  = max(last_seen, excluded.last_seen)
)sql";

}  // namespace

struct StateFile::Impl {
    fs::path path;
    sqlite3* db = nullptr;

    ~Impl() {
        if (db != nullptr) sqlite3_close_v2(db);
    }

    Error error(const std::string& what) const {
        return make_error(Errc::io, "state file " + path.string() + ": " + what + ": " +
                                        (db ? sqlite3_errmsg(db) : "cannot open"));
    }
    Status exec(const char* sql, const std::string& what) const {
        if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) return error(what);
        return {};
    }
    Result<Statement> prepare(const char* sql, const std::string& what) const {
        sqlite3_stmt* raw = nullptr;
        if (sqlite3_prepare_v2(db, sql, -1, &raw, nullptr) != SQLITE_OK) return error(what);
        return Statement(raw);
    }
    // The single integer a PRAGMA returns, or its text for quick_check.
    Result<std::string> pragma(const char* sql) const {
        auto stmt = prepare(sql, "read header");
        if (!stmt) return std::move(stmt).error();
        if (sqlite3_step(stmt->get()) != SQLITE_ROW) return error("read header");
        const auto* text = sqlite3_column_text(stmt->get(), 0);
        return std::string(text ? reinterpret_cast<const char*>(text) : "");
    }

    Status open() {
        const int rc = sqlite3_open_v2(
            path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
            nullptr);
        if (rc != SQLITE_OK) return error("open");
        sqlite3_busy_timeout(db, 2000);
        return {};
    }

    // Refuses what this program cannot use; creates the schema in a new file.
    Status check_and_prepare() {
        // The first read of the header: a file that is not a database fails here.
        auto version = pragma("PRAGMA user_version");
        if (!version) return std::move(version).error();
        const int v = std::stoi(*version);
        if (v > kSchemaVersion) {
            return make_error(Errc::unsupported,
                              "state file " + path.string() + ": schema version " + *version +
                                  " is newer than this aciswarm-tracker understands (" +
                                  std::to_string(kSchemaVersion) + ")");
        }
        auto check = pragma("PRAGMA quick_check");
        if (!check) return std::move(check).error();
        if (*check != "ok") {
            return make_error(Errc::corrupt,
                              "state file " + path.string() + ": integrity check: " + *check);
        }
        if (auto ok = exec("PRAGMA journal_mode = WAL", "enable WAL"); !ok) return ok;
        // NORMAL in WAL mode: a commit survives a process crash (kill -9), and
        // costs no fsync per batch.
        if (auto ok = exec("PRAGMA synchronous = NORMAL", "set synchronous"); !ok) return ok;
        if (v == 0) return exec(kCreateSchema, "create schema");
        return {};
    }
};

namespace {

void remove_database(const fs::path& path) {
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"})
        fs::remove(path.string() + suffix, ec);
}

Result<std::unique_ptr<StateFile::Impl>> open_checked(const fs::path& path) {
    auto impl = std::make_unique<StateFile::Impl>();
    impl->path = path;
    if (auto ok = impl->open(); !ok) return std::move(ok).error();
    if (auto ok = impl->check_and_prepare(); !ok) return std::move(ok).error();
    return impl;
}

}  // namespace

Result<StateFile> StateFile::open(const fs::path& path, OpenMode mode) {
    if (mode == OpenMode::keep) {
        auto impl = open_checked(path);
        if (impl) return StateFile(std::move(*impl));
        return make_error(impl.error().code,
                          impl.error().message + " (start with --state-reset to discard it)");
    }
    remove_database(path);
    auto fresh = open_checked(path);
    if (!fresh) return std::move(fresh).error();
    return StateFile(std::move(*fresh));
}

StateFile::StateFile(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
StateFile::StateFile(StateFile&&) noexcept = default;
StateFile& StateFile::operator=(StateFile&&) noexcept = default;
StateFile::~StateFile() = default;

const fs::path& StateFile::path() const {
    return impl_->path;
}

Result<std::vector<TorrentState>> StateFile::load() const {
    auto stmt = impl_->prepare(
        "SELECT info_hash, completed, first_seen, last_seen FROM torrents ORDER BY info_hash",
        "read torrents");
    if (!stmt) return std::move(stmt).error();
    std::vector<TorrentState> out;
    int rc = SQLITE_ROW;
    while ((rc = sqlite3_step(stmt->get())) == SQLITE_ROW) {
        const auto* blob = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt->get(), 0));
        const auto size = static_cast<std::size_t>(sqlite3_column_bytes(stmt->get(), 0));
        auto hash = InfoHash::from_bytes(std::span(blob, size));
        if (!hash) {
            return make_error(Errc::corrupt, "state file " + impl_->path.string() + ": row " +
                                                 std::to_string(out.size() + 1) + ": " +
                                                 hash.error().message);
        }
        const auto completed = sqlite3_column_int64(stmt->get(), 1);
        out.push_back(TorrentState{*hash, static_cast<std::uint64_t>(completed),
                                   sqlite3_column_int64(stmt->get(), 2),
                                   sqlite3_column_int64(stmt->get(), 3)});
    }
    if (rc != SQLITE_DONE) return impl_->error("read torrents");
    return out;
}

Status StateFile::write(std::span<const TorrentState> batch) {
    if (batch.empty()) return {};
    auto stmt = impl_->prepare(kUpsert, "prepare write");
    if (!stmt) return std::move(stmt).error();
    if (auto ok = impl_->exec("BEGIN IMMEDIATE", "begin batch"); !ok) return ok;
    for (const TorrentState& t : batch) {
        sqlite3_stmt* s = stmt->get();
        sqlite3_reset(s);
        sqlite3_bind_blob(s, 1, t.info_hash.data(), InfoHash::size_bytes, SQLITE_STATIC);
        // SQLite integers are signed: counts beyond 2^63 are not reachable in practice.
        sqlite3_bind_int64(s, 2, static_cast<sqlite3_int64>(t.completed));
        sqlite3_bind_int64(s, 3, t.first_seen);
        sqlite3_bind_int64(s, 4, t.last_seen);
        if (sqlite3_step(s) != SQLITE_DONE) {
            Error e = impl_->error("write " + t.info_hash.hex());
            sqlite3_exec(impl_->db, "ROLLBACK", nullptr, nullptr, nullptr);
            return e;
        }
    }
    return impl_->exec("COMMIT", "commit batch");
}

Result<std::size_t> flush(StateJournal& journal, StateFile& file) {
    std::vector<TorrentState> batch = journal.take();
    if (auto ok = file.write(batch); !ok) {
        journal.restore(batch);
        return std::move(ok).error();
    }
    return batch.size();
}

}  // namespace aciswarm::tracker::state
