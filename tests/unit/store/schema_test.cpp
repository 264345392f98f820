// Schema migrations: each step keeps existing rows, a newer database is
// refused, and the store opens an old database by migrating it.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "agent/store/schema.hpp"
#include "agent/store/store.hpp"
#include "common/clock.hpp"
#include "tests/support/aci_builder.hpp"
#include "tests/support/temp_dir.hpp"

namespace aciswarm::agent::store {
namespace {

struct Db {
    sqlite3* db = nullptr;
    explicit Db(const std::filesystem::path& p) { sqlite3_open(p.c_str(), &db); }
    ~Db() { sqlite3_close(db); }
    void exec(const std::string& sql) {
        char* err = nullptr;
        ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK)
            << (err ? err : "");
    }
    std::string one(const std::string& sql) {
        sqlite3_stmt* s = nullptr;
        sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr);
        std::string out = "<none>";
        if (sqlite3_step(s) == SQLITE_ROW) {
            const auto* t = sqlite3_column_text(s, 0);
            out = t ? reinterpret_cast<const char*>(t) : "<null>";
        }
        sqlite3_finalize(s);
        return out;
    }
};

TEST(Schema, NewDatabaseMigratesToCurrent) {
    test::TempDir dir;
    Db db(dir / "index.db");
    EXPECT_EQ(*schema::version(db.db), 0);
    ASSERT_TRUE(schema::migrate(db.db));
    EXPECT_EQ(*schema::version(db.db), schema::current_version);
    // Idempotent.
    ASSERT_TRUE(schema::migrate(db.db));
    EXPECT_EQ(*schema::version(db.db), schema::current_version);
}

TEST(Schema, V1RowsSurviveMigrationToV2) {
    test::TempDir dir;
    Db db(dir / "index.db");
    ASSERT_TRUE(schema::migrate(db.db, 1));
    EXPECT_EQ(*schema::version(db.db), 1);
    db.exec(
        "INSERT INTO images (key, id, blob_sha512, size, compression, name, labels, manifest, "
        "imported_at, last_used) VALUES ('sha512-aa', 'sha512-aaaa', 'bb', 5, 'gzip', "
        "'example.com/old', '{}', '{}', 1, 2)");
    // v1 has no seeding_policy column.
    EXPECT_EQ(db.one("SELECT count(*) FROM pragma_table_info('images') WHERE name = "
                     "'seeding_policy'"),
              "0");
    ASSERT_TRUE(schema::migrate(db.db, 2));
    EXPECT_EQ(*schema::version(db.db), 2);
    EXPECT_EQ(db.one("SELECT name FROM images WHERE key = 'sha512-aa'"), "example.com/old");
    EXPECT_EQ(db.one("SELECT seeding_policy FROM images WHERE key = 'sha512-aa'"), "");
    EXPECT_EQ(db.one("SELECT etag FROM images WHERE key = 'sha512-aa'"), "<null>");
}

TEST(Schema, V2RowsSurviveMigrationToV3AsUnverified) {
    test::TempDir dir;
    Db db(dir / "index.db");
    ASSERT_TRUE(schema::migrate(db.db, 2));
    db.exec(
        "INSERT INTO images (key, id, blob_sha512, size, compression, name, labels, manifest, "
        "imported_at, last_used) VALUES ('sha512-aa', 'sha512-aaaa', 'bb', 5, 'gzip', "
        "'example.com/old', '{}', '{}', 1, 2)");
    EXPECT_EQ(db.one("SELECT count(*) FROM pragma_table_info('images') WHERE name = "
                     "'verified_by'"),
              "0");
    ASSERT_TRUE(schema::migrate(db.db));
    EXPECT_EQ(*schema::version(db.db), 3);
    EXPECT_EQ(db.one("SELECT name FROM images WHERE key = 'sha512-aa'"), "example.com/old");
    EXPECT_EQ(db.one("SELECT verified_by FROM images WHERE key = 'sha512-aa'"), "");
    EXPECT_EQ(db.one("SELECT verified_at FROM images WHERE key = 'sha512-aa'"), "<null>");
}

TEST(Schema, NewerDatabaseIsRefusedWithBothVersions) {
    test::TempDir dir;
    {
        Db db(dir / "index.db");
        db.exec("PRAGMA user_version = 99");
        auto r = schema::migrate(db.db);
        ASSERT_FALSE(r);
        EXPECT_NE(r.error().message.find("schema version 99 is newer than this aciswarm "
                                         "understands (" +
                                         std::to_string(schema::current_version) + ")"),
                  std::string::npos)
            << r.error().message;
        EXPECT_EQ(*schema::version(db.db), 99);
    }
    ManualClock clock;
    auto store = Store::open(dir.path(), clock, Logger::null());
    ASSERT_FALSE(store);
    EXPECT_EQ(store.error().code, Errc::unsupported);
}

TEST(Schema, StoreOpensAV1StoreAndKeepsItsImage) {
    test::TempDir dir;
    ManualClock clock;
    ImageId id;
    {
        auto store = Store::open(dir.path(), clock, Logger::null());
        ASSERT_TRUE(store);
        auto path = test::write_aci(dir / "a.aci", test::simple_aci("example.com/keep"));
        auto rec = store->import_file(path, {});
        ASSERT_TRUE(rec) << rec.error().message;
        id = rec->id;
    }
    {
        // Roll the database back to v1 by hand, as an old aciswarm left it.
        Db db(dir / "index.db");
        db.exec("ALTER TABLE images DROP COLUMN etag");
        db.exec("ALTER TABLE images DROP COLUMN max_age");
        db.exec("ALTER TABLE images DROP COLUMN seeding_policy");
        db.exec("ALTER TABLE images DROP COLUMN verified_by");
        db.exec("ALTER TABLE images DROP COLUMN verified_at");
        db.exec("PRAGMA user_version = 1");
    }
    auto store = Store::open(dir.path(), clock, Logger::null());
    ASSERT_TRUE(store) << store.error().message;
    auto rec = store->get(id);
    ASSERT_TRUE(rec) << rec.error().message;
    EXPECT_EQ(rec->name, "example.com/keep");
    EXPECT_TRUE(store->set_seeding_policy(id, "always"));
}

}  // namespace
}  // namespace aciswarm::agent::store
