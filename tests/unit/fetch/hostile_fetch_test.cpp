// Issue 13, fetch side without network: every web seed goes through one scheme
// policy, an image torrent's shape (one file, at most the maximum image size)
// is refused before any engine starts, discovery that found only refused
// schemes says so, and the plain-download message names the real transport.
#include <gtest/gtest.h>

#include "agent/fetch/fetcher.hpp"
#include "agent/fetch/plan.hpp"
#include "tests/support/aci_builder.hpp"
#include "tests/support/no_engine.hpp"
#include "tests/support/temp_dir.hpp"
#include "torrent/torrent_file.hpp"

namespace aciswarm::agent::fetch {
namespace {

std::uintmax_t fs_size(const std::filesystem::path& p) {
    return std::filesystem::file_size(p);
}

TEST(WebSeedPolicy, SameRuleWhateverTheOrigin) {
    EXPECT_TRUE(web_seed_allowed("https://r.example/app.aci", false));
    EXPECT_FALSE(web_seed_allowed("http://r.example/app.aci", false));
    EXPECT_TRUE(web_seed_allowed("http://r.example/app.aci", true));
    EXPECT_FALSE(web_seed_allowed("ftp://r.example/app.aci", true));
    EXPECT_EQ(web_seed_refusal("http://r.example/app.aci"),
              "plain http:// is refused (--insecure-options=http allows it)");
}

TEST(ImageTorrentShape, OneFileWithinTheMaximum) {
    EXPECT_TRUE(check_image_torrent(1, 1000, 1000));
    auto files = check_image_torrent(2, 10, 1000);
    ASSERT_FALSE(files);
    EXPECT_EQ(files.error().message, "has 2 files; an image torrent has exactly one");
    auto big = check_image_torrent(1, 1001, 1000);
    ASSERT_FALSE(big);
    EXPECT_EQ(big.error().code, Errc::too_large);
    EXPECT_EQ(big.error().message,
              "declares 1001 bytes, over the maximum image size of 1000 (--max-image-size)");
}

TEST(PlainDownload, NamesTheTransport) {
    EXPECT_EQ(plain_download_name("http://r.example/app.aci"), "HTTP");
    EXPECT_EQ(plain_download_name("https://r.example/app.aci"), "HTTPS");
}

// Answers every discovery page with templates that are all plain http://.
class HttpOnlyPages final : public discovery::PageFetcher {
  public:
    Result<discovery::FetchResponse> get(const std::string& url) override {
        discovery::FetchResponse r;
        r.url = url;
        r.status = 200;
        r.body =
            "<html><head><meta name=\"ac-discovery\" content=\"example.test "
            "http://example.test/{name}-{version}.{ext}\"></head></html>";
        return r;
    }
};

class HostileFetch : public ::testing::Test {
  protected:
    void open(std::uint64_t max_image_size) {
        store::StoreOptions o;
        o.max_image_size = max_image_size;
        auto s = store::Store::open(dir_ / "store", clock_, Logger::null(), o);
        ASSERT_TRUE(s) << s.error().message;
        store_.emplace(std::move(*s));
    }
    Fetcher fetcher() {
        FetchOptions o;
        o.discovery_pages = &pages_;
        o.cwd = dir_.path().string();
        return Fetcher(*store_, test::no_engine_provider(engine_asked_), o, Logger::null(), clock_);
    }
    test::TempDir dir_;
    ManualClock clock_;
    std::optional<store::Store> store_;
    HttpOnlyPages pages_;
    int engine_asked_ = 0;
};

TEST_F(HostileFetch, OnlyRefusedSchemesSaysSo) {
    open(store::default_max_image_size);
    auto f = fetcher();
    auto r = f.fetch("example.test/app:1.0");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message,
              "discovery of example.test/app,version=1.0 found no image URL (the templates gave 3 "
              "URL(s), "
              "all plain http:// or another scheme that is refused; --insecure-options=http "
              "allows http)");
}

TEST_F(HostileFetch, TorrentOverTheMaximumIsRefusedBeforeAnyEngine) {
    open(64 * 1024);
    const auto aci = test::write_aci(dir_ / "big.aci", [] {
        auto spec = test::simple_aci("example.test/big");
        spec.files.push_back({"rootfs/blob", std::string(200 * 1024, 'x')});
        return spec;
    }());
    auto t = torrent::create_torrent(aci, {});
    ASSERT_TRUE(t) << t.error().message;
    test::write_file(dir_ / "big.torrent", t->bytes);
    auto f = fetcher();
    auto r = f.fetch("./big.torrent");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::too_large);
    EXPECT_NE(r.error().message.find("torrent ./big.torrent: declares "), std::string::npos)
        << r.error().message;
    EXPECT_NE(r.error().message.find("over the maximum image size of 65536 (--max-image-size)"),
              std::string::npos)
        << r.error().message;
    EXPECT_EQ(engine_asked_, 0);
}

// Issue 13 item 8: a record whose torrent describes another copy of the image
// (a store written before records were kept consistent) seeded 0 bytes with no
// error. Seeding it is now refused with the reason, before the engine is asked.
TEST_F(HostileFetch, SeedingATorrentThatDoesNotDescribeTheBlobIsAnError) {
    open(store::default_max_image_size);
    const auto spec = test::simple_aci("example.test/pair");
    const auto tar = test::write_aci(dir_ / "pair.aci", spec);
    auto gz_spec = spec;
    gz_spec.compression = test::AciCompression::gzip;
    const auto gz = test::write_aci(dir_ / "gz" / "pair.aci", gz_spec);
    auto rec = store_->import_file(tar, {});
    ASSERT_TRUE(rec) << rec.error().message;
    auto t = torrent::create_torrent(gz, {});
    ASSERT_TRUE(t) << t.error().message;
    ASSERT_TRUE(store_->set_torrent(rec->id, t->bytes, t->info_hashes));
    auto stale = store_->get(rec->id);
    ASSERT_TRUE(stale);
    engine::EngineConfig config;
    config.listen_interfaces = {};  // no sockets: nothing is served in this test
    config.local_service_discovery = false;
    auto eng = engine::Engine::create(config, Logger::null(), clock_);
    ASSERT_TRUE(eng) << eng.error().message;
    auto seed = StoreSeed::start(*store_, **eng, *stale);
    ASSERT_FALSE(seed);
    EXPECT_EQ(seed.error().code, Errc::corrupt);
    EXPECT_NE(
        seed.error().message.find("its stored torrent describes " + std::to_string(fs_size(gz)) +
                                  " bytes but the blob (none) has " + std::to_string(fs_size(tar))),
        std::string::npos)
        << seed.error().message;
    EXPECT_TRUE((*eng)->status_all().empty());
}

// The one seeding path (issue 15): a seed holds a locked directory in staging with a
// link to the blob, refuses a swarm the engine already has, and leaves nothing behind.
TEST_F(HostileFetch, StoreSeedHoldsOneLinkAndRefusesASwarmAlreadyInTheEngine) {
    open(store::default_max_image_size);
    const auto aci = test::write_aci(dir_ / "app.aci", test::simple_aci("example.test/app"));
    auto t = torrent::create_torrent(aci, {});
    ASSERT_TRUE(t) << t.error().message;
    store::ImportRequest req;
    req.torrent = t->bytes;
    req.info_hashes = t->info_hashes;
    auto rec = store_->import_file(aci, req);
    ASSERT_TRUE(rec) << rec.error().message;
    engine::EngineConfig config;
    config.listen_interfaces = {};  // no sockets: nothing is served in this test
    config.local_service_discovery = false;
    auto eng = engine::Engine::create(config, Logger::null(), clock_);
    ASSERT_TRUE(eng) << eng.error().message;
    const auto seed_dirs = [&] {
        std::vector<std::filesystem::path> found;
        for (const auto& e : std::filesystem::directory_iterator(store_->staging_dir())) {
            if (e.path().filename().string().starts_with("seed.")) found.push_back(e.path());
        }
        return found;
    };
    {
        auto seed = StoreSeed::start(*store_, **eng, *rec);
        ASSERT_TRUE(seed) << seed.error().message;
        const auto dirs = seed_dirs();
        ASSERT_EQ(dirs.size(), 1U);
        EXPECT_EQ(std::filesystem::hard_link_count(dirs.front() / "app.aci"), 2U)
            << "a hard link to the blob, named like the torrent's file";
        auto again = StoreSeed::start(*store_, **eng, *rec);
        ASSERT_FALSE(again);
        EXPECT_EQ(again.error().code, Errc::already_exists);
        EXPECT_EQ(seed_dirs().size(), 1U) << "a refused seed leaves no directory";
        // Another handle's staging cleaner (Store::open) leaves a held seed alone.
        auto other = store::Store::open(dir_ / "store", clock_, Logger::null());
        ASSERT_TRUE(other) << other.error().message;
        EXPECT_EQ(seed_dirs().size(), 1U);
        EXPECT_EQ((*eng)->status_all().size(), 1U);
    }
    EXPECT_TRUE(seed_dirs().empty()) << "stopping removes the directory";
    EXPECT_TRUE((*eng)->status_all().empty()) << "and the torrent";
    auto after = StoreSeed::start(*store_, **eng, *rec);
    EXPECT_TRUE(after) << after.error().message;
}

}  // namespace
}  // namespace aciswarm::agent::fetch
