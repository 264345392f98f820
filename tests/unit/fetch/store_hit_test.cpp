// The store-hit decision: an image found by name is reused without discovery
// only while its discovery page's max-age holds (ManualClock), and an image
// with the same info hash is reused without a download. Real Store, real
// files, no network: discovery pages come from a fake that counts requests and
// answers 404, and the engine provider counts whether it was asked.
#include <gtest/gtest.h>

#include "agent/fetch/fetcher.hpp"
#include "agent/fetch/plan.hpp"
#include "tests/support/aci_builder.hpp"
#include "tests/support/no_engine.hpp"
#include "tests/support/temp_dir.hpp"
#include "torrent/torrent_file.hpp"

namespace aciswarm::agent::fetch {
namespace {

using namespace std::chrono_literals;

class NotFoundPages final : public discovery::PageFetcher {
  public:
    Result<discovery::FetchResponse> get(const std::string& url) override {
        ++requests;
        discovery::FetchResponse r;
        r.url = url;
        r.status = 404;
        return r;
    }
    int requests = 0;
};

TEST(FreshByMaxAge, Window) {
    ManualClock clock;
    const auto t0 = clock.wall_now();
    EXPECT_TRUE(fresh_by_max_age(300s, t0, t0));
    EXPECT_TRUE(fresh_by_max_age(300s, t0, t0 + 299s));
    EXPECT_FALSE(fresh_by_max_age(300s, t0, t0 + 300s));
    EXPECT_FALSE(fresh_by_max_age(std::nullopt, t0, t0));
    EXPECT_FALSE(fresh_by_max_age(0s, t0, t0));
    EXPECT_FALSE(fresh_by_max_age(300s, t0, t0 - 1s));  // clock went back
}

class StoreHit : public ::testing::Test {
  protected:
    void SetUp() override {
        auto s = store::Store::open(dir_ / "store", clock_, Logger::null());
        ASSERT_TRUE(s) << s.error().message;
        store_.emplace(std::move(*s));
        const auto aci = test::write_aci(
            dir_ / "app.aci", test::simple_aci("example.test/app", "one",
                                               test::AciCompression::none, {{"version", "1.0"}}));
        store::ImportRequest req;
        req.max_age = 300s;
        req.info_hashes.v1 = InfoHash::from_hex("00112233445566778899aabbccddeeff00112233").value();
        auto rec = store_->import_file(aci, req);
        ASSERT_TRUE(rec) << rec.error().message;
        id_ = rec->id;
    }

    Fetcher fetcher(bool use_store = true) {
        FetchOptions o;
        o.use_store = use_store;
        o.discovery_pages = &pages_;
        return Fetcher(*store_, test::no_engine_provider(engine_asked_), o, Logger::null(), clock_);
    }

    test::TempDir dir_;
    ManualClock clock_;
    std::optional<store::Store> store_;
    ImageId id_;
    int engine_asked_ = 0;
    NotFoundPages pages_;
};

TEST_F(StoreHit, NameWithinMaxAgeNeedsNoNetwork) {
    auto f = fetcher();
    clock_.advance(299s);
    auto r = f.fetch("example.test/app:1.0");
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->via, FetchVia::store);
    EXPECT_EQ(r->record.id, id_);
    EXPECT_EQ(engine_asked_, 0);
    EXPECT_EQ(pages_.requests, 0);
}

TEST_F(StoreHit, NameAfterMaxAgeAsksDiscoveryAgain) {
    auto f = fetcher();
    clock_.advance(301s);
    // The fake answers 404 everywhere: the fetch must walk discovery and fail.
    auto r = f.fetch("example.test/app:1.0");
    ASSERT_FALSE(r);
    EXPECT_GT(pages_.requests, 0);
    EXPECT_NE(r.error().message.find("discovery of example.test/app"), std::string::npos)
        << r.error().message;
}

TEST_F(StoreHit, OtherLabelsAreNotAHit) {
    auto f = fetcher();
    auto r = f.fetch("example.test/app:2.0");
    ASSERT_FALSE(r);
    EXPECT_GT(pages_.requests, 0);
    EXPECT_NE(r.error().message.find("discovery"), std::string::npos) << r.error().message;
}

TEST_F(StoreHit, NoStoreForcesDiscovery) {
    auto f = fetcher(false);
    auto r = f.fetch("example.test/app:1.0");
    ASSERT_FALSE(r);
    EXPECT_GT(pages_.requests, 0);
    EXPECT_NE(r.error().message.find("discovery"), std::string::npos) << r.error().message;
}

TEST_F(StoreHit, SameInfoHashMagnetIsAHitWithoutEngine) {
    auto f = fetcher();
    clock_.advance(24h);  // max-age does not matter for an info hash
    auto r = f.fetch("magnet:?xt=urn:btih:00112233445566778899aabbccddeeff00112233");
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->via, FetchVia::store);
    EXPECT_EQ(r->record.id, id_);
    EXPECT_EQ(engine_asked_, 0);
    EXPECT_EQ(pages_.requests, 0);

    auto other = f.fetch("magnet:?xt=urn:btih:ffffffffffffffffffffffffffffffffffffffff");
    ASSERT_FALSE(other);
    EXPECT_EQ(engine_asked_, 1);  // not in the store: the engine is needed
    EXPECT_NE(other.error().message.find("test: no engine"), std::string::npos);
}

// An image stored without its .torrent (e.g. fetched over HTTPS) and then
// fetched by a .torrent of the same swarm: the store keeps that .torrent and
// the returned record carries it, so the caller can seed it right away (it
// used to come back without, and a failed set_torrent went unnoticed).
TEST_F(StoreHit, TorrentHitKeepsTheTorrentForSeeding) {
    const auto aci = test::write_aci(
        dir_ / "other.aci", test::simple_aci("example.test/other", "two",
                                             test::AciCompression::none, {{"version", "1.0"}}));
    auto created = torrent::create_torrent(aci, {});
    ASSERT_TRUE(created) << created.error().message;
    store::ImportRequest req;
    req.info_hashes = created->info_hashes;
    auto stored = store_->import_file(aci, req);
    ASSERT_TRUE(stored) << stored.error().message;
    ASSERT_TRUE(stored->torrent.empty());
    const auto torrent = dir_ / "other.torrent";
    test::write_file(torrent, created->bytes);

    auto f = fetcher();
    auto r = f.fetch(torrent.string());
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->via, FetchVia::store);
    EXPECT_EQ(engine_asked_, 0);
    EXPECT_EQ(r->record.torrent, created->bytes);
    EXPECT_TRUE(r->warnings.empty());
    auto again = store_->get(stored->id);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->torrent, created->bytes);
}

}  // namespace
}  // namespace aciswarm::agent::fetch
