#include <gtest/gtest.h>

#include "agent/daemon/metrics.hpp"
#include "agent/daemon/web_source.hpp"

namespace aciswarm::agent {
namespace {

using std::chrono::seconds;

FetchState ended(FetchState::State state, std::int64_t peers, std::int64_t everseed,
                 std::int64_t web_seeds) {
    FetchState f;
    f.state = state;
    f.progress.from_peers = peers;
    f.progress.from_everseed = everseed;
    f.progress.from_web_seeds = web_seeds;
    f.progress.hash_failures = 1;
    f.uploaded = 10;
    return f;
}

TEST(FetchLedger, CountsEachEndedFetchOnceWithItsDurationAndSources) {
    ManualClock clock;
    FetchLedger ledger;
    ledger.started(1, "example.com/app", clock.now());
    ledger.started(2, "https://x/y.aci", clock.now());
    clock.advance(seconds(4));
    const auto done = ended(FetchState::State::done, 1000, 300, 50);
    ledger.ended(1, done, clock.now());
    ledger.ended(1, done, clock.now());  // the same fetch seen again: no change
    ledger.ended(9, done, clock.now());  // never started: no change
    auto a = ledger.activity({}, clock.now());
    EXPECT_EQ(a.totals.fetches_done, 1u);
    EXPECT_EQ(a.totals.from_agents, 700u);
    EXPECT_EQ(a.totals.from_everseed, 300u);
    EXPECT_EQ(a.totals.from_web_seeds, 50u);
    EXPECT_EQ(a.totals.hash_failures, 1u);
    EXPECT_EQ(a.totals.uploaded, 10u);
    EXPECT_EQ(a.totals.fetch_seconds.count, 1u);
    EXPECT_DOUBLE_EQ(a.totals.fetch_seconds.sum, 4.0);
    ASSERT_EQ(a.running.size(), 1u);
    EXPECT_EQ(a.running[0].id, 2u);
    EXPECT_EQ(a.running[0].source, "https://x/y.aci");
    EXPECT_DOUBLE_EQ(a.running[0].age_seconds, 4.0);

    // A failed fetch: its bytes count, its duration does not.
    clock.advance(seconds(6));
    ledger.ended(2, ended(FetchState::State::failed, 0, 0, 20), clock.now());
    a = ledger.activity({}, clock.now());
    EXPECT_EQ(a.totals.fetches_failed, 1u);
    EXPECT_EQ(a.totals.from_web_seeds, 70u);
    EXPECT_EQ(a.totals.fetch_seconds.count, 1u);
    EXPECT_TRUE(a.running.empty());
}

TEST(FetchLedger, RunningFetchesShowTheirProgress) {
    ManualClock clock;
    FetchLedger ledger;
    ledger.started(3, "example.com/app", clock.now());
    FetchState p;  // running
    p.progress.done = 5;
    p.progress.total = 10;
    p.progress.rate = -1;  // never shown negative
    p.progress.peers = 2;
    ledger.ended(3, p, clock.now());  // not an end: still running
    const auto a = ledger.activity({{3, p}}, clock.now());
    ASSERT_EQ(a.running.size(), 1u);
    EXPECT_EQ(a.running[0].done_bytes, 5u);
    EXPECT_EQ(a.running[0].total_bytes, 10u);
    EXPECT_EQ(a.running[0].download_rate, 0u);
    EXPECT_EQ(a.running[0].peers, 2u);
}

TEST(WebSource, ImageRowCarriesNameLabelsSignerAndSeeding) {
    std::array<std::uint8_t, 64> bytes{};
    bytes.fill(0xab);
    ImageSeedStatus s;
    s.image.id = *ImageId::from_bytes(bytes);
    s.image.name = "example.com/app:1.2.0";
    s.image.manifest_name = "example.com/app";
    s.image.version = "1.2.0";
    s.image.os = "linux";
    s.image.arch = "arm64";
    s.image.size = 100;
    s.image.verified_by = "ABCD";
    s.policy = SeedPolicy::forever();
    s.state = "seeding";
    s.swarm.peers = 4;
    s.swarm.upload_rate = 7;
    s.uploaded = 250;
    s.ratio = 2.5;
    const web::ImageRow row = image_row(s);
    EXPECT_EQ(row.id, s.image.id.full());
    EXPECT_EQ(row.name, "example.com/app");
    EXPECT_EQ(row.version, "1.2.0");
    EXPECT_EQ(row.arch, "arm64");
    EXPECT_EQ(row.verified_by, "ABCD");
    EXPECT_EQ(row.policy, "forever");
    EXPECT_TRUE(row.seeding);
    EXPECT_EQ(row.peers, 4u);
    EXPECT_EQ(row.upload_rate, 7u);
    EXPECT_DOUBLE_EQ(row.ratio, 2.5);
}

}  // namespace
}  // namespace aciswarm::agent
