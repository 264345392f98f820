#include "agent/cli/progress_line.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace aciswarm::agent {
namespace {

using namespace std::chrono_literals;
using fetch::FetchPhase;
using fetch::FetchProgress;

FetchProgress busy_download() {
    FetchProgress p;
    p.phase = FetchPhase::downloading;
    p.done = 987'654'321;
    p.total = 4'000'000'000;
    p.peers = 123;
    p.from_peers = 900'000'000;
    p.from_everseed = 300'000'000;
    p.from_web_seeds = 87'654'321;
    p.hash_failures = 7;
    return p;
}

TEST(RenderProgress, NeverLongerThanAskedAtAnyWidth) {
    const FetchProgress p = busy_download();
    for (std::size_t columns = 1; columns <= 200; ++columns) {
        EXPECT_LE(render_progress(p, 123'456'789, columns).size(), columns) << columns;
    }
}

TEST(RenderProgress, WideTerminalsShowEverySource) {
    const std::string line = render_progress(busy_download(), 5 * 1024 * 1024, 200);
    EXPECT_NE(line.find("downloading 941.9 MiB/3.7 GiB 24%"), std::string::npos) << line;
    EXPECT_NE(line.find("5 MiB/s"), std::string::npos) << line;
    EXPECT_NE(line.find("everseed 286.1 MiB, agents 572.2 MiB, web seed 83.5 MiB"),
              std::string::npos)
        << line;
    EXPECT_NE(line.find("123 peers"), std::string::npos) << line;
}

TEST(RenderProgress, NarrowTerminalsKeepTheMostImportantParts) {
    const std::string line = render_progress(busy_download(), 5 * 1024 * 1024, 50);
    EXPECT_TRUE(line.starts_with("downloading 941.9 MiB/3.7 GiB 24%")) << line;
    EXPECT_NE(line.find("5 MiB/s"), std::string::npos) << line;
    EXPECT_EQ(line.find("everseed"), std::string::npos) << line;
}

TEST(MovingRate, NotZeroWhileDataArrivesInBursts) {
    ManualClock clock;
    MovingRate rate(5s);
    std::int64_t total = 0;
    rate.add(clock.now(), total);
    // A block of 1 MiB every 2 s, sampled 5 times a second: an instant rate
    // would be 0 most of the time; the average over 5 s never is.
    for (int tick = 1; tick <= 50; ++tick) {
        clock.advance(200ms);
        if (tick % 10 == 0) total += 1024 * 1024;
        rate.add(clock.now(), total);
        if (tick >= 10) {
            EXPECT_GT(rate.rate(), 0) << "tick " << tick;
            EXPECT_LE(rate.rate(), 1024 * 1024) << "tick " << tick;
        }
    }
}

TEST(ProgressLine, RedrawsInPlaceAndPrintsLogLinesAboveIt) {
    std::ostringstream err;
    std::vector<std::string> passed_on;
    Logger log("aciswarm", LogLevel::info,
               [&](LogLevel, std::string_view line) { passed_on.emplace_back(line); });
    ManualClock clock;
    {
        ProgressLine line(err, true, log, clock, [] { return std::size_t{40}; });
        FetchProgress p = busy_download();
        line.update(p);
        const std::string first = err.str();
        ASSERT_TRUE(first.starts_with("\r")) << first;
        ASSERT_TRUE(first.ends_with("\033[K")) << first;
        EXPECT_LE(first.size() - 1 - 3, 39u) << first;  // "\r" + text + clear, text < 40

        err.str("");
        log.info("a log line");
        const std::string logged = err.str();
        EXPECT_TRUE(logged.starts_with("\r\033[K")) << logged;
        EXPECT_EQ(passed_on.size(), 1u);  // the previous sink still writes it
        EXPECT_TRUE(logged.ends_with("downloading 941.9 MiB/3.7 GiB 24%")) << logged;

        err.str("");
        clock.advance(50ms);
        line.update(p);  // throttled: at most 5 redraws a second
        EXPECT_EQ(err.str(), "");
        clock.advance(200ms);
        line.update(p);
        EXPECT_TRUE(err.str().starts_with("\r"));
        line.finish();
        EXPECT_TRUE(err.str().ends_with("\n"));
    }
    // After finish the logger has its own sink back.
    err.str("");
    log.info("after");
    EXPECT_EQ(err.str(), "");
    EXPECT_EQ(passed_on.size(), 2u);
}

TEST(ProgressLine, DisabledPrintsNothingAndLeavesTheLoggerAlone) {
    std::ostringstream err;
    int passed_on = 0;
    Logger log("aciswarm", LogLevel::info, [&](LogLevel, std::string_view) { ++passed_on; });
    ManualClock clock;
    ProgressLine line(err, false, log, clock, [] { return std::size_t{80}; });
    line.update(busy_download());
    log.info("x");
    line.finish();
    EXPECT_EQ(err.str(), "");
    EXPECT_EQ(passed_on, 1);
}

}  // namespace
}  // namespace aciswarm::agent
