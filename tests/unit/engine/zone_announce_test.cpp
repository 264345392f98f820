#include <gtest/gtest.h>

#include "agent/engine/engine_options.hpp"
#include "agent/engine/zone_announce.hpp"

using namespace aciswarm;
using namespace aciswarm::engine;

namespace {

TEST(ZoneAnnounce, ZoneBlindUrlsStayAsTheyAre) {
    const ZoneSettings none;
    EXPECT_EQ(with_zone_keys("http://t:6969/announce", none), "http://t:6969/announce");
}

TEST(ZoneAnnounce, KeysAreAppendedToHttpTrackers) {
    ZoneSettings z;
    z.zone = "rack-a";
    EXPECT_EQ(with_zone_keys("http://t:6969/announce", z),
              "http://t:6969/announce?zone=rack-a&leader=none");
    z.leader_candidate = true;
    z.upload_capacity = 2'500'000;
    z.download_capacity = 10'000;
    EXPECT_EQ(with_zone_keys("https://t/announce?key=1", z),
              "https://t/announce?key=1&zone=rack-a&leader=candidate&up=2500000&down=10000");
    EXPECT_EQ(with_zone_keys("http://t/announce?", z),
              "http://t/announce?zone=rack-a&leader=candidate&up=2500000&down=10000");
    EXPECT_EQ(with_zone_keys("http://t/announce#x", z),
              "http://t/announce?zone=rack-a&leader=candidate&up=2500000&down=10000#x");
    // UDP announces stay zone-blind (BEP 15 has no place for the reply's role).
    EXPECT_EQ(with_zone_keys("udp://t:6969", z), "udp://t:6969");
    // A candidate without a zone: the tracker's CIDRs place it.
    ZoneSettings candidate;
    candidate.leader_candidate = true;
    EXPECT_EQ(with_zone_keys("http://t/announce", candidate), "http://t/announce?leader=candidate");
    EXPECT_FALSE(candidate.follower());
    EXPECT_FALSE(z.follower());
    z.leader_candidate = false;
    EXPECT_TRUE(z.follower());
}

TEST(ZoneAnnounce, OptionsParseAndNameTheBadInput) {
    EngineConfig c;
    const auto set = [&](std::string_view name, std::string value) {
        return engine_option(name).set(c, "--" + std::string(name),
                                       std::span<const std::string>(&value, 1));
    };
    ASSERT_TRUE(set("zone", "rack-a"));
    ASSERT_TRUE(set("leader-candidate", "true"));
    ASSERT_TRUE(set("upload-capacity", "20M"));
    ASSERT_TRUE(set("download-capacity", "1000"));
    EXPECT_EQ(c.zone.zone, "rack-a");
    EXPECT_TRUE(c.zone.leader_candidate);
    EXPECT_EQ(c.zone.upload_capacity, 20u << 20);
    EXPECT_EQ(c.zone.download_capacity, 1000u);
    const auto bad = set("zone", "rack a");
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().message.rfind("--zone: 'rack a'", 0), 0u) << bad.error().message;
    EXPECT_FALSE(set("zone", std::string(33, 'a')));
    EXPECT_FALSE(set("upload-capacity", "fast"));
    EXPECT_EQ(c.zone.zone, "rack-a");  // a refused value changes nothing
}

}  // namespace
