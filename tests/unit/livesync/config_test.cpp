#include <gtest/gtest.h>

#include "tests/support/temp_dir.hpp"
#include "tracker/livesync/config.hpp"

namespace aciswarm::livesync {
namespace {

using namespace std::chrono_literals;

Result<std::optional<LiveSyncConfig>> parse(std::vector<std::string> args) {
    OptionParser parser("test", option_specs());
    auto o = parser.parse(args);
    if (!o) return std::move(o).error();
    return config_from_options(*o);
}

std::string error_of(std::vector<std::string> args) {
    auto c = parse(std::move(args));
    return c ? std::string("(no error)") : c.error().message;
}

TEST(LivesyncConfig, OffUnlessConfigured) {
    auto c = parse({});
    ASSERT_TRUE(c);
    EXPECT_FALSE(c->has_value());
    EXPECT_NE(error_of({"--sync-group=224.0.42.5:9696"}).find("--sync-group needs --sync-iface"),
              std::string::npos);
}

TEST(LivesyncConfig, MulticastDefaultsToTheSeedsGroup) {
    auto c = parse({"--sync-iface=127.0.0.1", "--sync-allow=127.0.0.0/8"});
    ASSERT_TRUE(c) << c.error().message;
    ASSERT_TRUE(c->has_value());
    const auto& cfg = **c;
    EXPECT_EQ(cfg.group.to_string(), "224.0.42.5:9696");
    EXPECT_TRUE(cfg.multicast());
    EXPECT_FALSE(cfg.unicast());
    EXPECT_EQ(cfg.flush_delay, 500ms);
    EXPECT_EQ(cfg.scrape.beacon_after, 30min);
    EXPECT_EQ(cfg.scrape.beacon_interval, 5min);
}

TEST(LivesyncConfig, EveryTimingIsAnOption) {
    test::TempDir dir;
    test::write_file(dir / "key", "a-long-enough-secret-key\n");
    auto c =
        parse({"--sync-peer=127.0.0.1:1", "--sync-peer=localhost:2",
               "--sync-key=" + (dir / "key").string(), "--sync-flush-delay=50ms",
               "--sync-resync-interval=2m", "--sync-max-age=5s", "--sync-beacon-after=1s",
               "--sync-beacon-interval=200ms", "--sync-inquire-wait=300ms",
               "--sync-tell-backoff=400ms", "--sync-max-packet=512", "--sync-bind=127.0.0.1:0"});
    ASSERT_TRUE(c) << c.error().message;
    const auto& cfg = **c;
    EXPECT_EQ(cfg.peers.size(), 2u);
    EXPECT_TRUE(cfg.key.has_value());
    EXPECT_EQ(cfg.flush_delay, 50ms);
    EXPECT_EQ(cfg.resync_interval, 2min);
    EXPECT_EQ(cfg.max_age, 5s);
    EXPECT_EQ(cfg.scrape.beacon_after, 1s);
    EXPECT_EQ(cfg.scrape.beacon_interval, 200ms);
    EXPECT_EQ(cfg.scrape.inquire_wait, 300ms);
    EXPECT_EQ(cfg.scrape.tell_backoff, 400ms);
    EXPECT_EQ(cfg.max_datagram, 512u);
    EXPECT_EQ(cfg.bind.to_string(), "127.0.0.1:0");
}

TEST(LivesyncConfig, ErrorsNameTheOption) {
    EXPECT_NE(error_of({"--sync-iface=127.0.0.1"}).find("--sync-allow"), std::string::npos);
    EXPECT_NE(error_of({"--sync-iface=127.0.0.1", "--sync-allow=10.0.0.0/8",
                        "--sync-group=10.0.0.1:9696"})
                  .find("not a multicast address"),
              std::string::npos);
    EXPECT_NE(error_of({"--sync-iface=::1", "--sync-allow=::1"}).find("address family"),
              std::string::npos);
    EXPECT_NE(error_of({"--sync-peer=127.0.0.1:1", "--sync-allow=bogus"}).find("--sync-allow"),
              std::string::npos);
    EXPECT_NE(
        error_of({"--sync-peer=127.0.0.1:1", "--sync-allow=127.0.0.1", "--sync-flush-delay=soon"})
            .find("--sync-flush-delay"),
        std::string::npos);
    EXPECT_NE(
        error_of({"--sync-peer=127.0.0.1:1", "--sync-allow=127.0.0.1", "--sync-max-packet=20"})
            .find("--sync-max-packet: '20' is out of range"),
        std::string::npos);
    EXPECT_NE(error_of({"--sync-peer=127.0.0.1:1", "--sync-key=/nonexistent/key"})
                  .find("/nonexistent/key"),
              std::string::npos);
}

TEST(LivesyncConfig, IPv6GroupNeedsAnIPv6Interface) {
    auto c = parse({"--sync-group=[ff02::4242]:9696", "--sync-iface=::1", "--sync-allow=::1"});
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_TRUE((*c)->group.is_v6());
}

}  // namespace
}  // namespace aciswarm::livesync
