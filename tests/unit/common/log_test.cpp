#include <gtest/gtest.h>

#include <vector>

#include "common/log.hpp"

namespace aciswarm {
namespace {

TEST(Logger, FiltersByLevelAndFormatsLines) {
    std::vector<std::string> lines;
    Logger log("tracker", LogLevel::info,
               [&](LogLevel, std::string_view line) { lines.emplace_back(line); });
    log.debug("hidden ", 1);
    log.info("announce from ", "1.2.3.4:5", " numwant=", 50);
    log.error("boom");
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[0], "tracker info: announce from 1.2.3.4:5 numwant=50");
    EXPECT_EQ(lines[1], "tracker error: boom");
    log.set_level(LogLevel::debug);
    log.debug("now shown");
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_EQ(lines[2], "tracker debug: now shown");
}

TEST(Logger, NullDropsEverything) {
    EXPECT_FALSE(Logger::null().enabled(LogLevel::error));
    Logger::null().error("nothing happens");
}

}  // namespace
}  // namespace aciswarm
