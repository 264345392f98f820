// RegistryMirrorSource and agent/blobs over the in-memory registry
// (tests/support/fake_registry): manifests always from upstream, blobs fetched
// once into the cache and verified, a bounded wait, private repositories 404.
#include "agent/mirror/registry_source.hpp"

#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "tests/support/fake_registry.hpp"
#include "tests/support/temp_dir.hpp"

namespace aciswarm::agent::mirror {
namespace {

using namespace std::chrono_literals;
using test::FakeRegistry;

Logger quiet("test", LogLevel::off);

// A source that holds each fetch until released, then delegates.
class GatedSource final : public blobs::BlobSource {
  public:
    explicit GatedSource(std::shared_ptr<blobs::BlobSource> inner) : inner_(std::move(inner)) {}
    std::promise<void> open;
    std::shared_future<void> opened{open.get_future().share()};
    std::atomic<int> calls{0};
    std::string_view name() const override { return "gated"; }
    Result<std::uint64_t> fetch(const blobs::BlobKey& key, const std::filesystem::path& path,
                                std::stop_token stop, blobs::BlobProgress& progress) override {
        ++calls;
        opened.wait();
        return inner_->fetch(key, path, stop, progress);
    }

  private:
    std::shared_ptr<blobs::BlobSource> inner_;
};

// A source that delivers slowly but steadily: `ticks` bumps of its progress,
// `tick` apart (a swarm moving at a cold start), then delegates.
class TrickleSource final : public blobs::BlobSource {
  public:
    TrickleSource(std::shared_ptr<blobs::BlobSource> inner, int ticks,
                  std::chrono::milliseconds tick)
        : inner_(std::move(inner)), ticks_(ticks), tick_(tick) {}
    std::string_view name() const override { return "trickle"; }
    Result<std::uint64_t> fetch(const blobs::BlobKey& key, const std::filesystem::path& path,
                                std::stop_token stop, blobs::BlobProgress& progress) override {
        for (int i = 0; i < ticks_ && !stop.stop_requested(); ++i) {
            std::this_thread::sleep_for(tick_);  // the slow transfer being simulated
            progress += 1;
        }
        return inner_->fetch(key, path, stop, progress);
    }

  private:
    std::shared_ptr<blobs::BlobSource> inner_;
    int ticks_;
    std::chrono::milliseconds tick_;
};

struct Fixture {
    test::TempDir tmp;
    std::shared_ptr<FakeRegistry> upstream = std::make_shared<FakeRegistry>("registry.test");
    std::shared_ptr<blobs::RegistryPool> pool =
        std::make_shared<blobs::RegistryPool>([this](std::string_view name) {
            if (name != "registry.test")
                return Result<std::shared_ptr<oci::Registry>>(
                    make_error(Errc::not_found, std::string(name) + ": not mirrored"));
            return Result<std::shared_ptr<oci::Registry>>(upstream);
        });

    std::shared_ptr<blobs::BlobFetcher> fetcher(std::shared_ptr<blobs::BlobSource> source) {
        auto cache = blobs::BlobCache::open(tmp / "blobs");
        EXPECT_TRUE(cache);
        return std::make_shared<blobs::BlobFetcher>(
            std::move(*cache), std::vector<std::shared_ptr<blobs::BlobSource>>{std::move(source)},
            quiet);
    }
    std::shared_ptr<blobs::BlobFetcher> fetcher() {
        return fetcher(std::make_shared<blobs::UpstreamBlobSource>(pool));
    }
};

const std::string manifest_json =
    R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",)"
    R"("config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":2,)"
    R"("digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"},)"
    R"("layers":[]})";

MirrorRoute blob_route(const oci::Digest& d, std::string repository = "team/app") {
    MirrorRoute r;
    r.kind = MirrorRoute::Kind::blob;
    r.registry = "registry.test";
    r.repository = std::move(repository);
    r.reference = d.to_string();
    r.digest = d;
    return r;
}

TEST(RegistryMirrorSource, ManifestByTagIsAskedUpstreamEveryTime) {
    Fixture f;
    const oci::Digest d = f.upstream->add_manifest("team/app", "1.0", manifest_json,
                                                   "application/vnd.oci.image.manifest.v1+json");
    RegistryMirrorSource source(f.pool, f.fetcher(), 5s);
    MirrorRoute route;
    route.kind = MirrorRoute::Kind::manifest;
    route.registry = "registry.test";
    route.repository = "team/app";
    route.reference = "1.0";
    for (int i = 0; i < 2; ++i) {
        auto m = source.manifest(route, {});
        ASSERT_TRUE(m) << m.error().message;
        EXPECT_EQ(m->digest, d);
        EXPECT_EQ(m->media_type, "application/vnd.oci.image.manifest.v1+json");
    }
    EXPECT_EQ(f.upstream->manifest_gets(), 2u);  // tags move: never cached
    route.reference = "2.0";
    auto missing = source.manifest(route, {});
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, Errc::not_found);
    route.registry = "other.test";
    EXPECT_EQ(source.manifest(route, {}).error().code, Errc::not_found);
}

TEST(RegistryMirrorSource, BlobIsFetchedOnceVerifiedAndServedFromTheCache) {
    Fixture f;
    const oci::Digest d = f.upstream->add_blob("team/app", std::string(100000, 'x'));
    RegistryMirrorSource source(f.pool, f.fetcher(), 5s);
    for (int i = 0; i < 3; ++i) {
        auto b = source.blob(blob_route(d), {});
        ASSERT_TRUE(b) << b.error().message;
        EXPECT_EQ(b->size, 100000u);
        EXPECT_EQ(test::read_file(b->path), std::string(100000, 'x'));
    }
    EXPECT_EQ(f.upstream->blob_gets(d), 1u);
}

TEST(RegistryMirrorSource, CorruptBlobIsNeverServedNorCached) {
    Fixture f;
    const oci::Digest d = f.upstream->add_blob("team/app", "good bytes");
    f.upstream->corrupt_blob("team/app", d, "evil bytes");
    auto fetcher = f.fetcher();
    RegistryMirrorSource source(f.pool, fetcher, 5s);
    auto b = source.blob(blob_route(d), {});
    ASSERT_FALSE(b);
    EXPECT_NE(b.error().code, Errc::not_found);  // a 503: containerd asks upstream itself
    EXPECT_FALSE(std::filesystem::exists(f.tmp / "blobs" / "sha256" / d.hex()));
}

TEST(RegistryMirrorSource, PrivateRepositoryIsNotFoundEvenWhenCached) {
    Fixture f;
    const oci::Digest d = f.upstream->add_blob("team/app", "layer");
    RegistryMirrorSource source(f.pool, f.fetcher(), 5s);
    ASSERT_TRUE(source.blob(blob_route(d), {}));  // public: now in the cache
    // The registry now wants credentials (the same blob in a private repository).
    f.upstream->fail_with(make_error(Errc::permission, "registry.test: 401 unauthorized"));
    auto b = source.blob(blob_route(d, "private/app"), {});
    ASSERT_FALSE(b);
    EXPECT_EQ(b.error().code, Errc::not_found);
    EXPECT_NE(b.error().message.find("needs credentials"), std::string::npos);
}

TEST(RegistryMirrorSource, SlowBlobIsATimeoutWhileTheFetchGoesOnOnce) {
    Fixture f;
    const oci::Digest d = f.upstream->add_blob("team/app", "slow layer");
    auto gated = std::make_shared<GatedSource>(std::make_shared<blobs::UpstreamBlobSource>(f.pool));
    auto fetcher = f.fetcher(gated);
    RegistryMirrorSource source(f.pool, fetcher, 50ms);
    auto first = source.blob(blob_route(d), {});
    ASSERT_FALSE(first);
    EXPECT_EQ(first.error().code, Errc::timeout);
    EXPECT_FALSE(source.blob(blob_route(d), {}));  // joins the same fetch, times out too
    gated->open.set_value();
    // The fetch went on: the next request waits for it (or finds it cached).
    auto later = fetcher->get({"registry.test", "team/app", d}, 10s);
    ASSERT_TRUE(later) << later.error().message;
    EXPECT_EQ(test::read_file(later->path), "slow layer");
    EXPECT_EQ(gated->calls.load(), 1);
    EXPECT_EQ(f.upstream->blob_gets(d), 1u);
    EXPECT_EQ(fetcher->bytes_by_source().at("gated"), 10u);
}

// A blob whose bytes keep arriving is waited for past `wait` (N nodes starting
// at once wait for the swarm instead of all falling back upstream); the wait
// is per stall, not for the whole blob.
TEST(RegistryMirrorSource, MovingBlobIsWaitedForPastTheStallBound) {
    Fixture f;
    const oci::Digest d = f.upstream->add_blob("team/app", "trickled layer");
    auto fetcher = f.fetcher(std::make_shared<TrickleSource>(
        std::make_shared<blobs::UpstreamBlobSource>(f.pool), 100, 10ms));
    // The trickle takes at least 100 x 10 ms, twice the bound.
    RegistryMirrorSource source(f.pool, fetcher, 500ms);
    auto b = source.blob(blob_route(d), {});
    ASSERT_TRUE(b) << b.error().message;
    EXPECT_EQ(test::read_file(b->path), "trickled layer");
}

}  // namespace
}  // namespace aciswarm::agent::mirror
