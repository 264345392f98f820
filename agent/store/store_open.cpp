// Opening a store: directories, the index (WAL, FULL sync, migrations), the
// staging cleaner and recovery, which removes what kill -9 can leave behind
// (blobs without a row, rows without a blob). Read-only opens skip all writes.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>

#include "agent/store/schema.hpp"
#include "agent/store/store_impl.hpp"

namespace aciswarm::agent::store {
namespace fs = std::filesystem;
namespace {

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

}  // namespace

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

// Opens (or reopens) the index connection; errors name index.db.
Status Store::Impl::open_index(const std::string& name, int flags) {
    if (db != nullptr) sqlite3_close_v2(db);
    db = nullptr;
    if (sqlite3_open_v2(name.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
        return make_error(Errc::io, "store index " + (root / "index.db").string() + ": " +
                                        (db ? sqlite3_errmsg(db) : "cannot open"));
    }
    sqlite3_busy_timeout(db, static_cast<int>(options.busy_timeout.count()));
    return {};
}

// Removes blobs without a row and rows without a blob. Runs inside a write
// transaction: an importer renames its blob into blobs/ only while holding
// the write lock, so a blob seen here without a row is truly orphaned.
Status Store::Impl::recover() {
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
    // Closing it (when this function returns) also releases the flock.
    const UniqueFd open_lock(::open(open_lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (!open_lock) return errno_error("open", open_lock_path.string(), errno);
    if (::flock(open_lock.get(), LOCK_EX) != 0)
        return errno_error("flock", open_lock_path.string(), errno);
    if (auto ok = impl->open_index((root / "index.db").string(),
                                   SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
        !ok) {
        return std::move(ok).error();
    }
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
        const std::string uri =
            "file:" + uri_escape_path(db_path.string()) + (immutable ? "?immutable=1" : "?mode=ro");
        if (auto ok = impl->open_index(uri, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI); !ok) {
            return ok;
        }
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

}  // namespace aciswarm::agent::store
