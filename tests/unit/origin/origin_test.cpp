#include "agent/origin/origin.hpp"

#include <gtest/gtest.h>

#include <condition_variable>
#include <filesystem>
#include <thread>

#include "tests/support/fake_registry.hpp"
#include "tests/support/temp_dir.hpp"
#include "torrent/blob_torrent.hpp"

namespace aciswarm::agent::origin {
namespace {

namespace fs = std::filesystem;

// A registry whose blob GETs wait at a gate the test opens, and say when one
// has arrived there (so a test knows a pull is in flight without sleeping).
class GatedRegistry final : public oci::Registry {
  public:
    explicit GatedRegistry(test::FakeRegistry& inner) : inner_(inner) {}
    const std::string& name() const override { return inner_.name(); }
    Result<oci::ManifestResponse> get_manifest(std::string_view r, std::string_view ref) override {
        return inner_.get_manifest(r, ref);
    }
    Result<oci::ManifestHead> head_manifest(std::string_view r, std::string_view ref) override {
        return inner_.head_manifest(r, ref);
    }
    Result<std::uint64_t> head_blob(std::string_view r, const oci::Digest& d) override {
        return inner_.head_blob(r, d);
    }
    Result<std::uint64_t> get_blob(std::string_view r, const oci::Digest& d,
                                   const http::SinkFn& sink, std::stop_token stop) override {
        std::unique_lock lock(mutex_);
        ++arrived_;
        changed_.notify_all();
        changed_.wait(lock, [&] { return open_; });
        lock.unlock();
        return inner_.get_blob(r, d, sink, stop);
    }
    void wait_arrived(int n) {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return arrived_ >= n; });
    }
    void open() {
        std::lock_guard lock(mutex_);
        open_ = true;
        changed_.notify_all();
    }

  private:
    test::FakeRegistry& inner_;
    std::mutex mutex_;
    std::condition_variable changed_;
    int arrived_ = 0;
    bool open_ = false;
};

struct World {
    test::TempDir dir;
    test::FakeRegistry registry{"registry.test"};
    Logger log{"origin-test", LogLevel::warn};
    std::mutex seeded_mutex;
    std::vector<std::string> seeded;  // torrents handed to the seeder

    OriginConfig config(std::size_t max_pulls = 8) {
        OriginConfig c;
        c.cache_dir = dir / "cache";
        c.whitelist_dir = dir / "whitelist";
        fs::create_directories(c.whitelist_dir);
        c.trackers = {"http://tracker.test/announce"};
        c.max_pulls = max_pulls;
        return c;
    }
    SeedFn seeder() {
        return [this](const std::string& torrent, const fs::path& blob_dir) -> Status {
            EXPECT_TRUE(fs::is_directory(blob_dir));
            std::lock_guard lock(seeded_mutex);
            seeded.push_back(torrent);
            return {};
        };
    }
    std::shared_ptr<Origin> origin(std::shared_ptr<oci::Registry> upstream,
                                   std::size_t max_pulls = 8) {
        auto o = std::make_shared<Origin>(
            config(max_pulls),
            std::map<std::string, std::shared_ptr<oci::Registry>>{{"registry.test", upstream}},
            seeder(), log);
        EXPECT_TRUE(o->start());
        return o;
    }
};

std::shared_ptr<oci::Registry> unowned(oci::Registry& r) {
    return std::shared_ptr<oci::Registry>(&r, [](oci::Registry*) {});
}

TEST(Origin, ConcurrentRequestsForOneDigestPullItOnce) {
    World w;
    const oci::Digest d = w.registry.add_blob("team/app", std::string(200000, 'b'));
    GatedRegistry gated(w.registry);
    auto origin = w.origin(unowned(gated));
    std::vector<OriginResponse> answers(4);
    std::vector<std::thread> threads;
    for (auto& answer : answers) {
        threads.emplace_back([&] {
            answer = origin->handle("/metainfo/" + d.to_string(), "registry.test", "team/app");
        });
    }
    gated.wait_arrived(1);
    gated.open();
    for (auto& t : threads)
        t.join();
    EXPECT_EQ(w.registry.blob_gets(d), 1u);
    EXPECT_EQ(origin->pulls(), 1u);
    for (const auto& a : answers) {
        EXPECT_EQ(a.status, 200) << a.body;
        EXPECT_EQ(a.content_type, "application/x-bittorrent");
        EXPECT_EQ(a.body, answers[0].body);
    }
    ASSERT_EQ(w.seeded.size(), 1u);
    // The torrent is the deterministic builder's, and the tracker's whitelist has it.
    auto expected = torrent::create_blob_torrent(w.dir / "cache" / "blobs" / d.hex(), {});
    ASSERT_TRUE(expected);
    auto served = torrent::parse_torrent(answers[0].body);
    ASSERT_TRUE(served);
    EXPECT_EQ(*served->info_hashes.v1, *expected->info_hashes.v1);
    EXPECT_EQ(served->trackers, std::vector<std::string>{"http://tracker.test/announce"});
    EXPECT_EQ(test::read_file(w.dir / "whitelist" / (d.hex() + ".torrent")), answers[0].body);
    // A later request comes from the cache.
    EXPECT_EQ(origin->handle("/metainfo/" + d.to_string(), "registry.test", "team/app").status,
              200);
    EXPECT_EQ(w.registry.blob_gets(d), 1u);
}

TEST(Origin, UnknownRegistryIs404WithoutAskingUpstream) {
    World w;
    const oci::Digest d = w.registry.add_blob("a", "x");
    auto origin = w.origin(unowned(w.registry));
    const OriginResponse r = origin->handle("/metainfo/" + d.to_string(), "other.test", "a");
    EXPECT_EQ(r.status, 404);
    EXPECT_NE(r.body.find("other.test"), std::string::npos);
    EXPECT_EQ(w.registry.blob_gets(d), 0u);
}

TEST(Origin, BadRequests) {
    World w;
    auto origin = w.origin(unowned(w.registry));
    EXPECT_EQ(origin->handle("/other", "registry.test", "a").status, 404);
    EXPECT_EQ(origin->handle("/metainfo/sha512:00", "registry.test", "a").status, 400);
    const std::string d = oci::Digest::of("x").to_string();
    EXPECT_EQ(origin->handle("/metainfo/" + d, "", "a").status, 400);
    EXPECT_EQ(origin->handle("/metainfo/" + d, "registry.test", "").status, 400);
    EXPECT_EQ(origin->handle("/metainfo/" + d, "registry.test", "a").status, 404);  // no such blob
}

TEST(Origin, UpstreamFailureAndCorruptBlobsAre502AndLeaveNothing) {
    World w;
    const oci::Digest claimed = oci::Digest::of("real");
    w.registry.corrupt_blob("a", claimed, "tampered");
    auto origin = w.origin(unowned(w.registry));
    const OriginResponse corrupt =
        origin->handle("/metainfo/" + claimed.to_string(), "registry.test", "a");
    EXPECT_EQ(corrupt.status, 502);
    EXPECT_EQ(std::count(corrupt.body.begin(), corrupt.body.end(), '\n'), 1);
    EXPECT_TRUE(fs::is_empty(w.dir / "cache" / "blobs"));
    EXPECT_TRUE(fs::is_empty(w.dir / "cache" / "torrents"));
    EXPECT_TRUE(fs::is_empty(w.dir / "whitelist"));
    EXPECT_TRUE(w.seeded.empty());

    const oci::Digest d = w.registry.add_blob("a", "fine");
    w.registry.fail_with(make_error(Errc::network, "registry.test: HTTP 503 for blob"));
    const OriginResponse down = origin->handle("/metainfo/" + d.to_string(), "registry.test", "a");
    EXPECT_EQ(down.status, 502);
    EXPECT_NE(down.body.find("HTTP 503"), std::string::npos);
}

TEST(Origin, TooManyPullsAtOnceIs503) {
    World w;
    const oci::Digest first = w.registry.add_blob("a", "first");
    const oci::Digest second = w.registry.add_blob("a", "second");
    GatedRegistry gated(w.registry);
    auto origin = w.origin(unowned(gated), 1);
    std::thread pulling([&] {
        EXPECT_EQ(origin->handle("/metainfo/" + first.to_string(), "registry.test", "a").status,
                  200);
    });
    gated.wait_arrived(1);
    EXPECT_EQ(origin->handle("/metainfo/" + second.to_string(), "registry.test", "a").status, 503);
    gated.open();
    pulling.join();
    EXPECT_EQ(origin->handle("/metainfo/" + second.to_string(), "registry.test", "a").status, 200);
}

TEST(Origin, StartReseedsTheCache) {
    World w;
    const oci::Digest d = w.registry.add_blob("a", "kept");
    {
        auto origin = w.origin(unowned(w.registry));
        ASSERT_EQ(origin->handle("/metainfo/" + d.to_string(), "registry.test", "a").status, 200);
    }
    fs::remove(w.dir / "whitelist" / (d.hex() + ".torrent"));
    test::write_file(w.dir / "cache" / "blobs" / (d.hex() + ".partial.abc123"), "left by kill -9");
    Origin again(w.config(),
                 std::map<std::string, std::shared_ptr<oci::Registry>>{
                     {"registry.test", unowned(w.registry)}},
                 w.seeder(), w.log);
    auto seeded = again.start();
    ASSERT_TRUE(seeded) << seeded.error().message;
    EXPECT_EQ(*seeded, 1u);
    EXPECT_EQ(w.seeded.size(), 2u);
    EXPECT_TRUE(fs::exists(w.dir / "whitelist" / (d.hex() + ".torrent")));
    EXPECT_FALSE(fs::exists(w.dir / "cache" / "blobs" / (d.hex() + ".partial.abc123")));
    EXPECT_EQ(again.handle("/metainfo/" + d.to_string(), "registry.test", "a").status, 200);
    EXPECT_EQ(w.registry.blob_gets(d), 1u);
}

}  // namespace
}  // namespace aciswarm::agent::origin
