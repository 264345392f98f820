#include "tracker/state/state_file.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>

#include "tests/support/temp_dir.hpp"

namespace aciswarm::tracker::state {
namespace {

using test::TempDir;

InfoHash hash_of(std::uint8_t b) {
    std::array<std::uint8_t, 20> bytes{};
    bytes.fill(b);
    return InfoHash(bytes);
}

std::vector<TorrentState> load(const std::filesystem::path& path) {
    auto file = StateFile::open(path, OpenMode::keep);
    EXPECT_TRUE(file) << (file ? "" : file.error().message);
    if (!file) return {};
    auto rows = file->load();
    EXPECT_TRUE(rows) << (rows ? "" : rows.error().message);
    return rows ? *rows : std::vector<TorrentState>{};
}

void set_user_version(const std::filesystem::path& path, int version) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    const std::string sql = "PRAGMA user_version = " + std::to_string(version);
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
}

TEST(StateFile, RoundTripKeeps64BitCountsAndTimes) {
    TempDir dir;
    const auto path = dir / "tracker.state";
    const std::uint64_t big = (std::uint64_t{1} << 40) + 7;  // past 32 bits
    {
        auto file = StateFile::open(path, OpenMode::keep);
        ASSERT_TRUE(file) << file.error().message;
        EXPECT_TRUE(file->load()->empty());
        const std::vector<TorrentState> batch{{hash_of(2), big, 1'700'000'000, 1'700'000'100},
                                              {hash_of(1), 3, 1'700'000'050, 1'700'000'060}};
        ASSERT_TRUE(file->write(batch));
    }
    const auto rows = load(path);
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0], (TorrentState{hash_of(1), 3, 1'700'000'050, 1'700'000'060}));
    EXPECT_EQ(rows[1], (TorrentState{hash_of(2), big, 1'700'000'000, 1'700'000'100}));
}

TEST(StateFile, WritesMergeByMaxAndKeepTheFirstSeen) {
    TempDir dir;
    const auto path = dir / "tracker.state";
    auto file = StateFile::open(path, OpenMode::keep);
    ASSERT_TRUE(file) << file.error().message;
    const std::vector<TorrentState> first{{hash_of(1), 10, 100, 200}};
    const std::vector<TorrentState> older{{hash_of(1), 4, 150, 150}};  // replayed, stale
    const std::vector<TorrentState> newer{{hash_of(1), 11, 0, 300}};
    ASSERT_TRUE(file->write(first));
    ASSERT_TRUE(file->write(older));
    ASSERT_TRUE(file->write(newer));
    const auto rows = file->load();
    ASSERT_TRUE(rows);
    ASSERT_EQ(rows->size(), 1u);
    EXPECT_EQ((*rows)[0], (TorrentState{hash_of(1), 11, 100, 300}));
}

TEST(StateFile, CorruptFileIsRefusedNamingItUnlessReset) {
    TempDir dir;
    const auto path = dir / "tracker.state";
    test::write_file(path, std::string(4096, 'x'));
    auto refused = StateFile::open(path, OpenMode::keep);
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find(path.string()), std::string::npos)
        << refused.error().message;
    EXPECT_NE(refused.error().message.find("--state-reset"), std::string::npos);
    EXPECT_EQ(test::read_file(path), std::string(4096, 'x'));  // refusing changes nothing

    auto reset = StateFile::open(path, OpenMode::reset);
    ASSERT_TRUE(reset) << reset.error().message;
    EXPECT_TRUE(reset->load()->empty());
}

TEST(StateFile, DamagedPagesFailTheIntegrityCheck) {
    TempDir dir;
    const auto path = dir / "tracker.state";
    {
        auto file = StateFile::open(path, OpenMode::keep);
        ASSERT_TRUE(file);
        std::vector<TorrentState> batch;
        for (int i = 0; i < 2000; ++i) {
            std::array<std::uint8_t, 20> bytes{};
            bytes[0] = static_cast<std::uint8_t>(i);
            bytes[1] = static_cast<std::uint8_t>(i >> 8);
            batch.push_back({InfoHash(bytes), static_cast<std::uint64_t>(i), 1, 2});
        }
        ASSERT_TRUE(file->write(batch));
        // Checkpoint into the main file so the damage below hits the B-tree pages.
        sqlite3* db = nullptr;
        ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
        sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
        sqlite3_close(db);
    }
    std::string bytes = test::read_file(path);
    ASSERT_GT(bytes.size(), 3 * 4096u);
    for (std::size_t i = 2 * 4096 + 100; i < 3 * 4096; ++i)
        bytes[i] = static_cast<char>(0xA5);  // page 3: inside the table, past the header
    test::write_file(path, bytes);
    auto refused = StateFile::open(path, OpenMode::keep);
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find(path.string()), std::string::npos)
        << refused.error().message;
    EXPECT_TRUE(StateFile::open(path, OpenMode::reset));
}

TEST(StateFile, NewerSchemaIsRefusedUnlessReset) {
    TempDir dir;
    const auto path = dir / "tracker.state";
    ASSERT_TRUE(StateFile::open(path, OpenMode::keep));
    set_user_version(path, kSchemaVersion + 1);
    auto refused = StateFile::open(path, OpenMode::keep);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, Errc::unsupported);
    EXPECT_NE(refused.error().message.find("schema version 2 is newer"), std::string::npos)
        << refused.error().message;
    EXPECT_NE(refused.error().message.find(path.string()), std::string::npos);
    EXPECT_TRUE(StateFile::open(path, OpenMode::reset));
}

// The bound a crash obeys: what was flushed is on disk, what is still pending is not.
TEST(StateFile, FlushWritesExactlyThePendingBatch) {
    TempDir dir;
    const auto path = dir / "tracker.state";
    auto file = StateFile::open(path, OpenMode::keep);
    ASSERT_TRUE(file);
    StateJournal journal;
    for (std::uint64_t n = 1; n <= 500; ++n)
        journal.completed(hash_of(1), n, 10);
    journal.seen(hash_of(2), 11);
    auto written = flush(journal, *file);
    ASSERT_TRUE(written) << written.error().message;
    EXPECT_EQ(*written, 2u);  // one row per torrent, however many changes
    EXPECT_EQ(journal.pending(), 0u);

    journal.completed(hash_of(1), 501, 12);  // not flushed: what a kill -9 now loses
    const auto rows = load(path);
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0].completed, 500u);
    EXPECT_EQ(journal.pending(), 1u);

    ASSERT_TRUE(flush(journal, *file));
    EXPECT_EQ(load(path)[0].completed, 501u);
    EXPECT_EQ(*flush(journal, *file), 0u);  // nothing pending: an empty batch
}

TEST(StateFile, FailedFlushPutsTheBatchBack) {
    TempDir dir;
    const auto path = dir / "tracker.state";
    auto file = StateFile::open(path, OpenMode::keep);
    ASSERT_TRUE(file);
    // Another connection holds the write lock past the busy timeout.
    sqlite3* other = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &other), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
    StateJournal journal;
    journal.completed(hash_of(1), 9, 10);
    auto failed = flush(journal, *file);
    EXPECT_FALSE(failed);
    EXPECT_EQ(journal.pending(), 1u);
    sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(other);
    ASSERT_TRUE(flush(journal, *file));
    EXPECT_EQ(load(path)[0].completed, 9u);
}

// --state-reset means "start empty": a usable file is discarded as well.
TEST(StateFile, ResetDiscardsAUsableFileToo) {
    TempDir dir;
    const auto path = dir / "tracker.state";
    {
        auto file = StateFile::open(path, OpenMode::keep);
        ASSERT_TRUE(file) << file.error().message;
        const std::vector<TorrentState> batch{{hash_of(1), 5, 100, 200}};
        ASSERT_TRUE(file->write(batch));
    }
    auto kept = StateFile::open(path, OpenMode::keep);
    ASSERT_TRUE(kept);
    EXPECT_EQ(kept->load()->size(), 1u);
    auto reset = StateFile::open(path, OpenMode::reset);
    ASSERT_TRUE(reset) << reset.error().message;
    EXPECT_TRUE(reset->load()->empty());
}

}  // namespace
}  // namespace aciswarm::tracker::state
