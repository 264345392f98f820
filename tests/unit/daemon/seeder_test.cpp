// The Seeder with a scripted backend and a ManualClock: policies expire
// without waiting, state survives a restart (a new Seeder on the same file).
#include "agent/daemon/seeder.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "tests/support/temp_dir.hpp"

namespace aciswarm::agent {
namespace {

using namespace std::chrono_literals;

// Records what the Seeder asks for; tests set the swarm numbers.
class ScriptedBackend final : public DaemonBackend {
  public:
    std::vector<StoredImage> images;
    std::set<ImageId> seeding;
    std::map<ImageId, SwarmStats> stats;
    int starts = 0;

    Result<std::vector<StoredImage>> stored_images() override { return images; }
    Status start_seeding(const ImageId& id) override {
        ++starts;
        seeding.insert(id);
        return {};
    }
    void stop_seeding(const ImageId& id) override {
        seeding.erase(id);
        stats.erase(id);
    }
    std::optional<SwarmStats> swarm_stats(const ImageId& id) override {
        if (!seeding.contains(id)) return std::nullopt;
        return stats[id];
    }
    Status remove_image(const ImageId&) override { return {}; }
    Result<std::vector<RemovedImage>> gc(std::chrono::seconds, bool,
                                         const std::set<ImageId>&) override {
        return std::vector<RemovedImage>{};
    }
    Result<FetchId> start_fetch(const FetchRequest&) override {
        return make_error(Errc::unsupported, "no fetch here");
    }
    FetchState fetch_state(FetchId) override { return {}; }
    void save_resume_data() override {}
    void poll() override {}
    int listen_port() override { return 0; }
};

ImageId image_id(std::uint8_t fill) {
    std::array<std::uint8_t, 64> bytes{};
    bytes.fill(fill);
    return *ImageId::from_bytes(bytes);
}

class SeederTest : public ::testing::Test {
  protected:
    SeederTest() {
        backend.images = {{a, "example.com/a:1", 1000, true}, {b, "example.com/b:1", 500, true}};
    }
    std::unique_ptr<Seeder> make(SeedPolicy default_policy) {
        return std::make_unique<Seeder>(backend, clock, Logger::null(), default_policy,
                                        dir / "seeding.json");
    }
    test::TempDir dir;
    ManualClock clock;
    ScriptedBackend backend;
    ImageId a = image_id(0xaa);
    ImageId b = image_id(0xbb);
};

TEST_F(SeederTest, SeedsEveryStoredImageAndStopsWhenForExpires) {
    auto s = make(SeedPolicy::for_(24h));
    ASSERT_TRUE(s->load());
    s->tick();
    EXPECT_EQ(backend.seeding, (std::set<ImageId>{a, b}));
    EXPECT_EQ(s->seeding_count(), 2U);
    clock.advance(24h - 1s);
    s->tick();
    EXPECT_EQ(backend.seeding.size(), 2U);
    clock.advance(1s);
    s->tick();
    EXPECT_TRUE(backend.seeding.empty());
    const auto st = s->status();
    ASSERT_EQ(st.size(), 2U);
    EXPECT_EQ(st[0].state, "stopped");
    EXPECT_EQ(st[0].stop_reason, "seeded for 1d");
}

TEST_F(SeederTest, IdleRestartsWhenPeersDownload) {
    auto s = make(SeedPolicy::idle(10min));
    s->tick();
    clock.advance(9min);
    backend.stats[a].uploaded = 4096;  // a peer fetched from a, nobody from b
    s->tick();
    clock.advance(1min);
    s->tick();
    EXPECT_EQ(backend.seeding, (std::set<ImageId>{a}));
    clock.advance(8min);  // 18 min: 9 since a's last upload
    s->tick();
    EXPECT_EQ(backend.seeding, (std::set<ImageId>{a}));
    clock.advance(1min);
    s->tick();
    EXPECT_TRUE(backend.seeding.empty());
}

TEST_F(SeederTest, RatioCountsUploadsAgainstImageSize) {
    auto s = make(SeedPolicy::ratio_of(2));
    s->tick();
    backend.stats[a].uploaded = 1999;
    backend.stats[b].uploaded = 1000;
    s->tick();
    EXPECT_EQ(backend.seeding, (std::set<ImageId>{a}));
    backend.stats[a].uploaded = 2000;
    s->tick();
    EXPECT_TRUE(backend.seeding.empty());
    EXPECT_DOUBLE_EQ(s->status()[0].ratio, 2.0);
}

TEST_F(SeederTest, PerImagePolicyOverridesTheDefaultAndNoneStops) {
    auto s = make(SeedPolicy::for_(1h));
    s->tick();
    ASSERT_TRUE(s->set_policy(a, SeedPolicy::forever()));
    ASSERT_TRUE(s->set_policy(b, SeedPolicy::none()));
    EXPECT_EQ(backend.seeding, (std::set<ImageId>{a}));
    clock.advance(1000h);
    s->tick();
    EXPECT_EQ(backend.seeding, (std::set<ImageId>{a}));
    const auto st = s->status();
    EXPECT_FALSE(st[0].policy_is_default);
    EXPECT_EQ(st[0].policy.to_string(), "forever");
    // Seeding a stopped image again starts a fresh period.
    ASSERT_TRUE(s->set_policy(b, SeedPolicy::for_(1h)));
    EXPECT_TRUE(backend.seeding.contains(b));
    EXPECT_EQ(s->set_policy(image_id(0x11), SeedPolicy::forever()).error().code, Errc::not_found);
}

TEST_F(SeederTest, StateSurvivesARestart) {
    {
        auto s = make(SeedPolicy::for_(2h));
        s->tick();
        ASSERT_TRUE(s->set_policy(b, SeedPolicy::none()));
        backend.stats[a].uploaded = 300;
        s->tick();
        ASSERT_TRUE(s->save());
    }
    backend.seeding.clear();  // the engine starts empty after a restart
    backend.stats.clear();
    clock.advance(1h);
    auto s = make(SeedPolicy::for_(2h));
    ASSERT_TRUE(s->load());
    s->tick();
    EXPECT_EQ(backend.seeding, (std::set<ImageId>{a})) << "b stays stopped";
    EXPECT_EQ(s->status()[0].uploaded, 300U) << "uploads before the restart still count";
    clock.advance(1h);  // for=2h counts from the first start, not the restart
    s->tick();
    EXPECT_TRUE(backend.seeding.empty());
}

TEST_F(SeederTest, CorruptStateFileIsAnErrorNamingIt) {
    test::write_file(dir / "seeding.json", "{\"images\": [");
    auto s = make(SeedPolicy::forever());
    const auto st = s->load();
    ASSERT_FALSE(st);
    EXPECT_NE(st.error().message.find("seeding.json"), std::string::npos);
}

TEST_F(SeederTest, ImagesWithoutATorrentAreNotSeeded) {
    backend.images[1].seedable = false;
    auto s = make(SeedPolicy::forever());
    s->tick();
    EXPECT_EQ(backend.seeding, (std::set<ImageId>{a}));
    EXPECT_EQ(s->status()[1].state, "no-torrent");
}

TEST_F(SeederTest, ImagesRemovedFromTheStoreStopSeeding) {
    auto s = make(SeedPolicy::forever());
    s->tick();
    backend.images.pop_back();
    s->tick();
    EXPECT_EQ(backend.seeding, (std::set<ImageId>{a}));
    EXPECT_EQ(s->status().size(), 1U);
}

}  // namespace
}  // namespace aciswarm::agent
