// The store in-process: import (copy and move), one entry per image, lookups
// (prefix, info hash, name + labels), metadata updates, gc with a manual
// clock, verify + quarantine, export, staging and orphan recovery.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <thread>

#include "agent/store/store.hpp"
#include "common/clock.hpp"
#include "common/digest.hpp"
#include "common/hex.hpp"
#include "tests/support/aci_builder.hpp"
#include "tests/support/temp_dir.hpp"

namespace aciswarm::agent::store {
namespace {

using namespace std::chrono_literals;
using test::AciCompression;
namespace fs = std::filesystem;

std::size_t count_files(const fs::path& dir) {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir))
        ++n;
    return n;
}

class StoreTest : public ::testing::Test {
  protected:
    void SetUp() override { reopen(); }
    void reopen() {
        store_.reset();
        auto s = Store::open(root(), clock_, Logger::null());
        ASSERT_TRUE(s) << s.error().message;
        store_.emplace(std::move(*s));
    }
    fs::path root() const { return dir_ / "store"; }
    fs::path aci(const std::string& name, const std::string& salt = "",
                 AciCompression c = AciCompression::gzip,
                 const std::map<std::string, std::string>& labels = {}) {
        return test::write_aci(dir_ / (name.substr(name.find('/') + 1) + salt + ".aci"),
                               test::simple_aci(name, salt, c, labels));
    }
    ImageRecord import(const fs::path& p, const ImportRequest& req = {}) {
        auto r = store_->import_file(p, req);
        EXPECT_TRUE(r) << r.error().message;
        return r ? *r : ImageRecord{};
    }

    test::TempDir dir_;
    ManualClock clock_;
    std::optional<Store> store_;
};

TEST_F(StoreTest, OpenCreatesLayout) {
    EXPECT_TRUE(fs::is_directory(root() / "blobs"));
    EXPECT_TRUE(fs::is_directory(root() / "staging"));
    EXPECT_TRUE(fs::is_directory(root() / "quarantine"));
    EXPECT_TRUE(fs::exists(root() / "index.db"));
    EXPECT_EQ(store_->staging_dir(), root() / "staging");
}

TEST_F(StoreTest, ImportKeepsBlobByteForByteAndRecordsEverything) {
    const fs::path src = aci("example.com/app", "1", AciCompression::gzip, {{"version", "1.0"}});
    ImportRequest req;
    req.expected = {std::string("example.com/app"), {{"version", "1.0"}}};
    req.urls = {"https://r.example/app.aci", "https://r.example/app.aci.asc",
                "https://r.example/app.torrent", "magnet:?xt=urn:btih:00"};
    req.torrent = "d4:infod4:name3:appee";
    req.info_hashes.v1 = *InfoHash::from_hex(std::string(40, 'a'));
    req.info_hashes.v2 = *InfoHashV2::from_hex(std::string(64, 'b'));
    req.etag = "\"abc\"";
    req.max_age = 3600s;
    req.seeding_policy = "always";
    req.signature = "-----BEGIN PGP SIGNATURE-----\n";
    const ImageRecord r = import(src, req);

    const std::string original = test::read_file(src);
    EXPECT_EQ(test::read_file(store_->blob_path(r.id)), original);
    EXPECT_EQ(store_->blob_path(r.id), root() / "blobs" / (r.id.key() + ".aci"));
    EXPECT_EQ(r.blob_sha512.hex(), to_hex(Digest::of(Digest::Algorithm::sha512, original)));
    EXPECT_EQ(r.size, original.size());
    EXPECT_EQ(r.compression, Compression::gzip);
    EXPECT_EQ(r.name, "example.com/app");
    EXPECT_EQ(r.labels.at("version"), "1.0");
    EXPECT_EQ(r.urls.aci, req.urls.aci);
    EXPECT_EQ(r.urls.magnet, req.urls.magnet);
    EXPECT_EQ(r.torrent, req.torrent);
    EXPECT_EQ(r.info_hashes.v1, req.info_hashes.v1);
    EXPECT_EQ(r.info_hashes.v2, req.info_hashes.v2);
    EXPECT_EQ(r.etag, req.etag);
    EXPECT_EQ(r.max_age, 3600s);
    EXPECT_EQ(r.seeding_policy, "always");
    EXPECT_TRUE(r.seeding());
    EXPECT_TRUE(r.has_signature);
    EXPECT_EQ(test::read_file(store_->signature_path(r.id)), *req.signature);
    EXPECT_EQ(r.imported_at, clock_.wall_now());
    EXPECT_EQ(r.last_used, clock_.wall_now());
    EXPECT_TRUE(fs::exists(src)) << "a copy import leaves the source";
    EXPECT_EQ(count_files(root() / "staging"), 0u);
    auto manifest = store_->manifest(r.id);
    ASSERT_TRUE(manifest);
    EXPECT_NE(manifest->find("\"example.com/app\""), std::string::npos);
}

TEST_F(StoreTest, SameImageTwiceIsOneEntryWithMergedMetadata) {
    const fs::path src = aci("example.com/twice");
    const ImageRecord first = import(src);
    clock_.advance(1h);
    ImportRequest req;
    req.etag = "\"v2\"";
    req.urls.torrent = "https://r.example/t.torrent";
    const ImageRecord second = import(src, req);
    EXPECT_EQ(first.id, second.id);
    EXPECT_EQ(second.etag, "\"v2\"");
    EXPECT_EQ(second.urls.torrent, "https://r.example/t.torrent");
    EXPECT_EQ(second.imported_at, first.imported_at);
    EXPECT_EQ(second.last_used, clock_.wall_now());
    auto all = store_->list();
    ASSERT_TRUE(all);
    EXPECT_EQ(all->size(), 1u);
    EXPECT_EQ(count_files(root() / "blobs"), 1u);
    EXPECT_EQ(count_files(root() / "staging"), 0u);

    // The same tar compressed differently is the same image: still one entry,
    // and the first blob (the one being seeded) stays.
    const fs::path xz = dir_ / "twice.xz.aci";
    auto spec = test::simple_aci("example.com/twice", "", AciCompression::xz);
    test::write_aci(xz, spec);
    const ImageRecord third = import(xz);
    EXPECT_EQ(third.id, first.id);
    EXPECT_EQ(third.compression, Compression::gzip);
    EXPECT_EQ(test::read_file(store_->blob_path(first.id)), test::read_file(src));
}

// Issue 13 item 8: a tar imported, then the gzip torrent's download of the same
// image: the record must not pair the gzip torrent with the tar blob (seeding
// would serve nothing). The copy the torrent describes replaces a blob without
// torrent; a blob with its own torrent keeps it.
TEST_F(StoreTest, ARecordsTorrentAlwaysDescribesItsBlob) {
    const fs::path tar = aci("example.com/pair", "", AciCompression::none);
    const ImageRecord plain = import(tar);
    ASSERT_EQ(plain.compression, Compression::none);
    EXPECT_TRUE(plain.torrent.empty());

    const fs::path gz = aci("example.com/pair", "-gz", AciCompression::gzip);
    // Same tar bytes under gzip: the same image.
    test::write_aci(gz, test::simple_aci("example.com/pair", "", AciCompression::gzip));
    ImportRequest with_torrent;
    with_torrent.torrent = "torrent describing the gzip bytes";
    with_torrent.info_hashes.v1 = InfoHash::from_hex(std::string(40, 'a')).value();
    const ImageRecord swapped = import(gz, with_torrent);
    EXPECT_EQ(swapped.id, plain.id);
    EXPECT_EQ(swapped.compression, Compression::gzip);
    EXPECT_EQ(swapped.torrent, with_torrent.torrent);
    EXPECT_EQ(test::read_file(store_->blob_path(plain.id)), test::read_file(gz));
    EXPECT_EQ(swapped.size, fs::file_size(gz));
    EXPECT_EQ(count_files(root() / "blobs"), 1u);
    EXPECT_EQ(count_files(root() / "staging"), 0u);

    // Now the blob has its own torrent: an xz copy with another torrent is not kept.
    const fs::path xz = dir_ / "pair.xz.aci";
    test::write_aci(xz, test::simple_aci("example.com/pair", "", AciCompression::xz));
    ImportRequest other;
    other.torrent = "torrent describing the xz bytes";
    other.info_hashes.v1 = InfoHash::from_hex(std::string(40, 'b')).value();
    const ImageRecord kept = import(xz, other);
    EXPECT_EQ(kept.compression, Compression::gzip);
    EXPECT_EQ(kept.torrent, with_torrent.torrent);
    EXPECT_EQ(kept.info_hashes.v1, with_torrent.info_hashes.v1);
    EXPECT_EQ(test::read_file(store_->blob_path(plain.id)), test::read_file(gz));
    EXPECT_EQ(count_files(root() / "staging"), 0u);
}

TEST_F(StoreTest, MaxImageSizeBoundsImports) {
    store_.reset();
    StoreOptions o;
    o.max_image_size = 2048;
    auto s = Store::open(root(), clock_, Logger::null(), o);
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(s->max_image_size(), 2048u);
    const fs::path big = aci("example.com/over", "", AciCompression::gzip);
    auto r = s->import_file(big, {});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::too_large);
    EXPECT_NE(r.error().message.find("over the limit of 2048 bytes"), std::string::npos)
        << r.error().message;
    EXPECT_EQ(count_files(root() / "staging"), 0u);
    EXPECT_EQ(count_files(root() / "blobs"), 0u);
}

TEST_F(StoreTest, MoveImportRenamesTheFileIn) {
    auto staged = store_->create_staging_file("download");
    ASSERT_TRUE(staged) << staged.error().message;
    const fs::path staged_path = staged->path();
    EXPECT_EQ(staged_path.parent_path(), root() / "staging");
    const std::string bytes = test::build_aci(test::simple_aci("example.com/moved"));
    ASSERT_TRUE(staged->write(bytes));
    auto rec = store_->import_staged(std::move(*staged), {});
    ASSERT_TRUE(rec) << rec.error().message;
    EXPECT_FALSE(fs::exists(staged_path));
    EXPECT_EQ(test::read_file(store_->blob_path(rec->id)), bytes);

    // import_file with move: the source file is gone afterwards.
    const fs::path src = aci("example.com/moved2");
    ImportRequest req;
    req.move = true;
    const ImageRecord r2 = import(src, req);
    EXPECT_FALSE(fs::exists(src));
    EXPECT_TRUE(fs::exists(store_->blob_path(r2.id)));
    EXPECT_EQ(count_files(root() / "staging"), 0u);
}

TEST_F(StoreTest, RejectedImportLeavesStoreAsBefore) {
    import(aci("example.com/existing"));
    const fs::path src = aci("example.com/app", "", AciCompression::zstd, {{"version", "1"}});
    ImportRequest wrong_name;
    wrong_name.expected.name = "example.com/other";
    auto r = store_->import_file(src, wrong_name);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find(src.string() + ": image name 'example.com/app' does not "
                                                    "match the requested 'example.com/other'"),
              std::string::npos)
        << r.error().message;
    ImportRequest wrong_label;
    wrong_label.expected.labels = {{"version", "2"}};
    EXPECT_FALSE(store_->import_file(src, wrong_label));

    const fs::path junk = dir_ / "junk.aci";
    test::write_file(junk, "junk junk junk");
    auto j = store_->import_file(junk, {});
    ASSERT_FALSE(j);
    EXPECT_NE(j.error().message.find(junk.string() + ": not a tar archive"), std::string::npos)
        << j.error().message;
    auto missing = store_->import_file(dir_ / "missing.aci", {});
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().message.find("missing.aci"), std::string::npos);

    EXPECT_EQ(store_->list()->size(), 1u);
    EXPECT_EQ(count_files(root() / "blobs"), 1u);
    EXPECT_EQ(count_files(root() / "staging"), 0u);
}

TEST_F(StoreTest, PrefixLookupUniqueAmbiguousAndMissing) {
    // Seventeen images: two share a first hex digit (pigeonhole).
    std::map<char, std::vector<ImageId>> by_first;
    for (int i = 0; i < 17; ++i) {
        const ImageRecord r = import(aci("example.com/p", std::to_string(i)));
        by_first[r.id.hex()[0]].push_back(r.id);
    }
    auto shared = std::find_if(by_first.begin(), by_first.end(),
                               [](const auto& kv) { return kv.second.size() > 1; });
    ASSERT_NE(shared, by_first.end());
    const ImageId a = shared->second[0];
    const ImageId b = shared->second[1];

    auto amb = store_->find(std::string(1, shared->first));
    ASSERT_FALSE(amb);
    EXPECT_EQ(amb.error().code, Errc::ambiguous);
    EXPECT_NE(amb.error().message.find(a.display()), std::string::npos) << amb.error().message;
    EXPECT_NE(amb.error().message.find(b.display()), std::string::npos) << amb.error().message;

    for (const std::string& form : {a.display(), a.key(), a.full(), a.hex().substr(0, 12),
                                    "SHA512-" + a.hex().substr(0, 20)}) {
        std::string f = form;
        if (f.starts_with("SHA512-")) f = "sha512-" + f.substr(7);
        auto found = store_->find(f);
        ASSERT_TRUE(found) << f << ": " << found.error().message;
        EXPECT_EQ(found->id, a);
    }
    // A full id that differs only past the key's 64 digits is not a match.
    std::string other = a.full();
    other.back() = other.back() == '0' ? '1' : '0';
    auto nf = store_->find(other);
    ASSERT_FALSE(nf);
    EXPECT_EQ(nf.error().code, Errc::not_found);
    auto bad = store_->find("xyz");
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, Errc::invalid_argument);
}

TEST_F(StoreTest, FindByInfoHashAndByNameAndLabels) {
    ImportRequest req;
    req.info_hashes.v2 =
        *InfoHashV2::from_hex("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
    const ImageRecord v1 = import(
        aci("example.com/app", "a", AciCompression::gzip, {{"version", "1"}, {"os", "linux"}}),
        req);
    clock_.advance(1s);
    const ImageRecord v2 = import(
        aci("example.com/app", "b", AciCompression::gzip, {{"version", "2"}, {"os", "linux"}}));
    ASSERT_TRUE(store_->set_torrent(v2.id, "d4:infodee",
                                    {*InfoHash::from_hex(std::string(40, 'c')), std::nullopt}));

    auto by_v2 = store_->find_by_info_hash_v2(*req.info_hashes.v2);
    ASSERT_TRUE(by_v2);
    EXPECT_EQ(by_v2->id, v1.id);
    auto by_trunc = store_->find_by_info_hash(req.info_hashes.v2->truncated());
    ASSERT_TRUE(by_trunc);
    EXPECT_EQ(by_trunc->id, v1.id);
    auto by_v1 = store_->find_by_info_hash(*InfoHash::from_hex(std::string(40, 'c')));
    ASSERT_TRUE(by_v1);
    EXPECT_EQ(by_v1->id, v2.id);
    EXPECT_EQ(by_v1->torrent, "d4:infodee");
    EXPECT_EQ(store_->find_by_info_hash(*InfoHash::from_hex(std::string(40, 'd'))).error().code,
              Errc::not_found);

    EXPECT_EQ(store_->find_by_name("example.com/app")->id, v2.id) << "newest first";
    EXPECT_EQ(store_->find_by_name("example.com/app", {{"version", "1"}})->id, v1.id);
    EXPECT_EQ(store_->find_by_name("example.com/app", {{"os", "linux"}})->id, v2.id);
    auto none = store_->find_by_name("example.com/app", {{"version", "3"}});
    ASSERT_FALSE(none);
    EXPECT_NE(none.error().message.find("version=3"), std::string::npos);
    EXPECT_FALSE(store_->find_by_name("example.com/nope"));
}

TEST_F(StoreTest, GcRemovesOnlyUnusedUnpinnedNotSeeding) {
    const ImageRecord old_plain = import(aci("example.com/old"));
    const ImageRecord old_pinned = import(aci("example.com/pinned"));
    const ImageRecord old_seeding = import(aci("example.com/seeding"));
    const ImageRecord old_kept = import(aci("example.com/kept"));
    const ImageRecord touched = import(aci("example.com/touched"));
    ASSERT_TRUE(store_->set_pinned(old_pinned.id, true));
    ASSERT_TRUE(store_->set_seeding_policy(old_seeding.id, "always"));
    clock_.advance(48h);
    ASSERT_TRUE(store_->touch(touched.id));
    const ImageRecord fresh = import(aci("example.com/fresh"));

    GcOptions opts;
    opts.older_than = 24h;
    opts.dry_run = true;
    opts.keep = [&](const ImageRecord& r) { return r.id == old_kept.id; };
    auto dry = store_->gc(opts);
    ASSERT_TRUE(dry);
    ASSERT_EQ(dry->size(), 1u);
    EXPECT_EQ(dry->front().id, old_plain.id);
    EXPECT_TRUE(store_->get(old_plain.id)) << "dry run removes nothing";

    opts.dry_run = false;
    auto removed = store_->gc(opts);
    ASSERT_TRUE(removed);
    ASSERT_EQ(removed->size(), 1u);
    EXPECT_EQ(store_->get(old_plain.id).error().code, Errc::not_found);
    EXPECT_FALSE(fs::exists(store_->blob_path(old_plain.id)));
    for (const auto& id : {old_pinned.id, old_seeding.id, old_kept.id, touched.id, fresh.id})
        EXPECT_TRUE(store_->get(id)) << id.display();

    ASSERT_TRUE(store_->set_seeding_policy(old_seeding.id, "none"));
    opts.keep = nullptr;
    removed = store_->gc(opts);
    ASSERT_TRUE(removed);
    EXPECT_EQ(removed->size(), 2u);  // seeding (now "none") and kept
}

TEST_F(StoreTest, RemoveDeletesRowBlobAndSignature) {
    ImportRequest req;
    req.signature = "sig";
    const ImageRecord r = import(aci("example.com/rm"), req);
    ASSERT_TRUE(store_->remove(r.id));
    EXPECT_FALSE(fs::exists(store_->blob_path(r.id)));
    EXPECT_FALSE(fs::exists(store_->signature_path(r.id)));
    EXPECT_EQ(store_->remove(r.id).error().code, Errc::not_found);
    EXPECT_EQ(store_->touch(r.id).error().code, Errc::not_found);
    EXPECT_EQ(store_->set_pinned(r.id, true).error().code, Errc::not_found);
    EXPECT_EQ(store_->attach_signature(r.id, "x").error().code, Errc::not_found);
    EXPECT_EQ(count_files(root() / "staging"), 0u);
}

TEST_F(StoreTest, AttachSignatureLater) {
    const ImageRecord r = import(aci("example.com/sig"));
    EXPECT_FALSE(r.has_signature);
    ASSERT_TRUE(store_->attach_signature(r.id, "armored"));
    EXPECT_TRUE(store_->get(r.id)->has_signature);
    EXPECT_EQ(test::read_file(store_->signature_path(r.id)), "armored");
}

TEST_F(StoreTest, VerifyQuarantinesCorruptAndDropsMissing) {
    const ImageRecord good = import(aci("example.com/good"));
    const ImageRecord bad = import(aci("example.com/bad"));
    const ImageRecord gone = import(aci("example.com/gone"));
    {
        std::string bytes = test::read_file(store_->blob_path(bad.id));
        bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 1);
        test::write_file(store_->blob_path(bad.id), bytes);
    }
    fs::remove(store_->blob_path(gone.id));
    auto report = store_->verify();
    ASSERT_TRUE(report) << report.error().message;
    EXPECT_EQ(report->checked, 3u);
    ASSERT_EQ(report->ok.size(), 1u);
    EXPECT_EQ(report->ok.front(), good.id);
    ASSERT_EQ(report->corrupt.size(), 1u);
    EXPECT_EQ(report->corrupt.front().first, bad.id);
    ASSERT_EQ(report->missing.size(), 1u);
    EXPECT_EQ(report->missing.front(), gone.id);
    EXPECT_FALSE(store_->get(bad.id));
    EXPECT_FALSE(store_->get(gone.id));
    EXPECT_FALSE(fs::exists(store_->blob_path(bad.id)));
    EXPECT_EQ(count_files(root() / "quarantine"), 1u);
    // Importing the good original again works after quarantine.
    EXPECT_EQ(import(dir_ / "bad.aci").id, bad.id);
    auto again = store_->verify();
    ASSERT_TRUE(again);
    EXPECT_EQ(again->ok.size(), 2u);
    EXPECT_TRUE(again->corrupt.empty());
}

TEST_F(StoreTest, ExportCopiesTheBlobAndRefusesACorruptOne) {
    const fs::path src = aci("example.com/exp", "", AciCompression::bzip2);
    const ImageRecord r = import(src);
    const fs::path out = dir_ / "out" / "exported.aci";
    fs::create_directories(out.parent_path());
    ASSERT_TRUE(store_->export_to(r.id, out));
    EXPECT_EQ(test::read_file(out), test::read_file(src));

    test::write_file(store_->blob_path(r.id), "tampered");
    const fs::path out2 = dir_ / "out" / "second.aci";
    auto e = store_->export_to(r.id, out2);
    ASSERT_FALSE(e);
    EXPECT_EQ(e.error().code, Errc::corrupt);
    EXPECT_FALSE(fs::exists(out2));
    EXPECT_EQ(count_files(dir_ / "out"), 1u) << "no temp file left behind";
}

TEST_F(StoreTest, DiskUsageCountsBlobsAndStaging) {
    const ImageRecord r = import(aci("example.com/du"));
    auto staged = store_->create_staging_file("partial");
    ASSERT_TRUE(staged);
    ASSERT_TRUE(staged->write(std::string(1000, 'x')));
    auto du = store_->disk_usage();
    ASSERT_TRUE(du);
    EXPECT_EQ(du->images, 1u);
    EXPECT_EQ(du->blob_bytes, r.size);
    EXPECT_EQ(du->staging_bytes, 1000u);
    EXPECT_GT(du->index_bytes, 0u);
    EXPECT_EQ(du->total(), du->blob_bytes + du->signature_bytes + du->index_bytes +
                               du->staging_bytes + du->quarantine_bytes);
}

TEST_F(StoreTest, OpenCleansAbandonedStagingButNotFilesInUse) {
    // Abandoned: a file nobody holds a lock on (a killed download).
    test::write_file(root() / "staging" / "download.abc123", "partial");
    // In use: a StagingFile of a live Store keeps its flock.
    auto live = store_->create_staging_file("download");
    ASSERT_TRUE(live);
    ASSERT_TRUE(live->write("in progress"));
    ManualClock other_clock;
    auto second = Store::open(root(), other_clock, Logger::null());
    ASSERT_TRUE(second) << second.error().message;
    EXPECT_FALSE(fs::exists(root() / "staging" / "download.abc123"));
    EXPECT_TRUE(fs::exists(live->path()));
    const fs::path live_path = live->path();
    live = Result<StagingFile>(StagingFile{});
    EXPECT_FALSE(fs::exists(live_path)) << "a StagingFile deletes its file when it dies";
}

TEST_F(StoreTest, OpenRemovesOrphanBlobsAndRowsWithoutBlobs) {
    const ImageRecord kept = import(aci("example.com/kept"));
    const ImageRecord lost = import(aci("example.com/lost"));
    fs::remove(store_->blob_path(lost.id));
    // A blob renamed in by an import killed before its commit.
    const fs::path orphan = root() / "blobs" / ("sha512-" + std::string(64, 'e') + ".aci");
    test::write_file(orphan, "orphan");
    reopen();
    EXPECT_FALSE(fs::exists(orphan));
    EXPECT_TRUE(store_->get(kept.id));
    EXPECT_EQ(store_->get(lost.id).error().code, Errc::not_found);
    EXPECT_EQ(store_->list()->size(), 1u);
}

TEST_F(StoreTest, PointsAreCalledInOrder) {
    std::vector<std::string> points;
    StoreOptions opts;
    opts.on_point = [&](std::string_view p) { points.emplace_back(p); };
    store_.reset();
    auto s = Store::open(root(), clock_, Logger::null(), opts);
    ASSERT_TRUE(s);
    auto r = s->import_file(aci("example.com/points"), {});
    ASSERT_TRUE(r);
    EXPECT_EQ(points,
              (std::vector<std::string>{"copying", "staged", "synced", "renamed", "committed"}));
    points.clear();
    ASSERT_TRUE(s->remove(r->id));
    EXPECT_EQ(points, (std::vector<std::string>{"row-deleted"}));
}

TEST_F(StoreTest, ThreadsWithTheirOwnStoreImportTheSameImagesAsOneEntryEach) {
    std::vector<fs::path> files;
    for (int i = 0; i < 6; ++i)
        files.push_back(aci("example.com/threads", std::to_string(i)));
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (int t = 0; t < 3; ++t) {
        threads.emplace_back([&, t] {
            auto s = Store::open(root(), clock_, Logger::null());
            if (!s) {
                ++failures;
                return;
            }
            for (std::size_t i = 0; i < files.size(); ++i) {
                // Each thread walks the files in another order.
                const fs::path& f = files[(i + static_cast<std::size_t>(t) * 2) % files.size()];
                if (!s->import_file(f, {})) ++failures;
            }
        });
    }
    for (auto& th : threads)
        th.join();
    EXPECT_EQ(failures.load(), 0);
    EXPECT_EQ(store_->list()->size(), files.size());
    EXPECT_EQ(count_files(root() / "blobs"), files.size());
    EXPECT_EQ(count_files(root() / "staging"), 0u);
}

TEST(StoreDefaults, DefaultRootDependsOnUser) {
    EXPECT_EQ(*default_store_root(0, "/x", "/home/a"), fs::path("/var/lib/aciswarm"));
    EXPECT_EQ(*default_store_root(1000, "/data", "/home/a"), fs::path("/data/aciswarm"));
    EXPECT_EQ(*default_store_root(1000, nullptr, "/home/a"),
              fs::path("/home/a/.local/share/aciswarm"));
    EXPECT_EQ(*default_store_root(1000, "relative", "/home/a"),
              fs::path("/home/a/.local/share/aciswarm"));
    auto none = default_store_root(1000, nullptr, nullptr);
    ASSERT_FALSE(none);
    EXPECT_NE(none.error().message.find("--store"), std::string::npos);
}

TEST(StoreOpen, UnwritableRootNamesTheOption) {
    test::TempDir dir;
    test::write_file(dir / "file", "x");
    ManualClock clock;
    auto s = Store::open(dir / "file" / "store", clock, Logger::null());
    ASSERT_FALSE(s);
    EXPECT_NE(s.error().message.find("--store"), std::string::npos) << s.error().message;
}

TEST_F(StoreTest, VerifyHookRefusalStoresNothing) {
    const fs::path src = aci("example.com/signed");
    ImportRequest req;
    fs::path seen;
    std::string seen_name;
    req.verify = [&](const fs::path& blob, std::string_view name) -> Result<std::string> {
        seen = blob;
        seen_name = name;
        EXPECT_TRUE(fs::exists(blob)) << "the hook sees the staged bytes";
        return make_error(Errc::untrusted, "image example.com/signed: no signature");
    };
    auto r = store_->import_file(src, req);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::untrusted);
    EXPECT_EQ(seen_name, "example.com/signed");
    EXPECT_EQ(seen.parent_path(), root() / "staging") << "checked before it became visible";
    EXPECT_TRUE(store_->list()->empty());
    EXPECT_EQ(count_files(root() / "blobs"), 0u);
    EXPECT_EQ(count_files(root() / "staging"), 0u);
}

TEST_F(StoreTest, VerifyHookRecordsTheKeyAndKeepsItOnInsecureReimport) {
    const fs::path src = aci("example.com/signed");
    ImportRequest req;
    req.verify = [](const fs::path&, std::string_view) -> Result<std::string> {
        return std::string("0123456789abcdef0123456789abcdef01234567");
    };
    const ImageRecord rec = import(src, req);
    EXPECT_EQ(rec.verified_by, "0123456789abcdef0123456789abcdef01234567");
    EXPECT_TRUE(rec.verified_at.has_value());
    const ImageRecord again = import(src);  // no hook: --insecure-options=image
    EXPECT_EQ(again.verified_by, rec.verified_by);
    const ImageRecord plain = import(aci("example.com/plain"));
    EXPECT_EQ(plain.verified_by, "");
    EXPECT_FALSE(plain.verified_at.has_value());
}

}  // namespace
}  // namespace aciswarm::agent::store
