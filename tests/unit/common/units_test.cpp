#include <gtest/gtest.h>

#include "common/units.hpp"

namespace aciswarm {
namespace {

using std::chrono::milliseconds;

TEST(Units, SizesAreBinaryInEveryUnitSpelling) {
    EXPECT_EQ(*parse_size("0"), 0u);
    EXPECT_EQ(*parse_size("4096"), 4096u);
    EXPECT_EQ(*parse_size("4096B"), 4096u);
    EXPECT_EQ(*parse_size("512k"), 512u * 1024);
    EXPECT_EQ(*parse_size("512K"), 512u * 1024);
    EXPECT_EQ(*parse_size("512KiB"), 512u * 1024);
    EXPECT_EQ(*parse_size("4M"), 4u << 20);
    EXPECT_EQ(*parse_size("4MiB"), 4u << 20);
    EXPECT_EQ(*parse_size("4Mi"), 4u << 20);
    EXPECT_EQ(*parse_size("2G"), 2ull << 30);
    EXPECT_EQ(*parse_size("2GiB"), 2ull << 30);
    EXPECT_EQ(*parse_size("3T"), 3ull << 40);
    EXPECT_EQ(*parse_size("3TiB"), 3ull << 40);
}

TEST(Units, FractionsNeedAUnitAndRoundDown) {
    EXPECT_EQ(*parse_size("1.5G"), 3ull << 29);
    EXPECT_EQ(*parse_size("0.5k"), 512u);
    EXPECT_EQ(*parse_size("0.3k"), 307u);  // 307.2 rounds down
    EXPECT_FALSE(parse_size("1.5"));
    EXPECT_FALSE(parse_size("1.k"));
}

TEST(Units, RatesAreBytesPerSecondAndMayEndInPerSecond) {
    EXPECT_EQ(*parse_rate("4M"), 4u << 20);  // was 4 bytes/s in `seed`
    EXPECT_EQ(*parse_rate("4M/s"), 4u << 20);
    EXPECT_EQ(*parse_rate("100"), 100u);
    EXPECT_EQ(*parse_rate("0"), 0u);
}

TEST(Units, RejectsJunkEmptyNegativeAmbiguousAndOverflowNamingTheValue) {
    for (std::string_view bad :
         {"", "M", "abc", "4X", "4 M", "-1", "-4M", "4MB", "4kB", "4M/h", "18446744073709551616",
          "16777216T", "99999999999999999999k", "1e6", "0x10"}) {
        auto r = parse_size(bad);
        ASSERT_FALSE(r) << bad;
        EXPECT_NE(r.error().message.find("'" + std::string(bad) + "'"), std::string::npos)
            << r.error().message;
        EXPECT_EQ(r.error().message.find('\n'), std::string::npos);
    }
    EXPECT_NE(parse_size("-1").error().message.find("negative"), std::string::npos);
    EXPECT_NE(parse_size("").error().message.find("empty"), std::string::npos);
    EXPECT_NE(parse_size("4MB").error().message.find("ambiguous"), std::string::npos);
    EXPECT_NE(parse_size("16777216T").error().message.find("too large"), std::string::npos);
    EXPECT_NE(parse_size("4X").error().message.find("unknown unit 'X'"), std::string::npos);
    EXPECT_EQ(*parse_size("16777215T"), 16777215ull << 40);  // the largest whole TiB count
}

TEST(Units, OptionErrorsNameTheOptionAndTheValue) {
    auto r = parse_rate_option("--max-upload-rate", "4X");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message.rfind("--max-upload-rate: '4X' is not a rate", 0), 0u)
        << r.error().message;
    auto range = parse_rate_option("--max-upload-rate", "4T", 0, (1ull << 31) - 1);
    ASSERT_FALSE(range);
    EXPECT_NE(range.error().message.find("out of range"), std::string::npos);
    EXPECT_EQ(*parse_size_option("--piece-size", "16k", 16384, 1ull << 26), 16384u);
    auto small = parse_size_option("--piece-size", "8k", 16384, 1ull << 26);
    ASSERT_FALSE(small);
    EXPECT_NE(small.error().message.find("(16384 bytes (16 KiB) to 67108864 bytes (64 MiB))"),
              std::string::npos)
        << small.error().message;
}

TEST(Units, ControlCharactersInTheValueAreEscaped) {
    auto r = parse_size_option("--x", "4\n\x1b[2J");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message.find('\n'), std::string::npos);
    EXPECT_EQ(r.error().message.find('\x1b'), std::string::npos);
    EXPECT_NE(r.error().message.find("\\x0a"), std::string::npos) << r.error().message;
}

TEST(Units, IntegersWithRanges) {
    EXPECT_EQ(*parse_integer_option("--max-connections", "200", 1, 65535), 200);
    EXPECT_EQ(*parse_integer_option("--n", "-3", -5, 5), -3);
    for (std::string_view bad :
         {"", "0", "65536", "12x", " 1", "1.0", "-1", "99999999999999999999"}) {
        auto r = parse_integer_option("--max-connections", bad, 1, 65535);
        ASSERT_FALSE(r) << bad;
        EXPECT_EQ(r.error().message.rfind("--max-connections: '" + std::string(bad) + "'", 0), 0u)
            << r.error().message;
    }
}

TEST(Units, DurationsInEveryUnit) {
    EXPECT_EQ(*parse_duration_option("--t", "100ms"), milliseconds(100));
    EXPECT_EQ(*parse_duration_option("--t", "30s"), milliseconds(30'000));
    EXPECT_EQ(*parse_duration_option("--t", "30"), milliseconds(30'000));
    EXPECT_EQ(*parse_duration_option("--t", "5m"), milliseconds(300'000));
    EXPECT_EQ(*parse_duration_option("--t", "6h"), milliseconds(6 * 3'600'000));
    EXPECT_EQ(*parse_duration_option("--t", "2d"), milliseconds(2 * 86'400'000));
    for (std::string_view bad : {"", "-5s", "5x", "s", "99999999999999999999d"}) {
        auto r = parse_duration_option("--swarm-timeout", bad);
        ASSERT_FALSE(r) << bad;
        EXPECT_EQ(r.error().message.rfind("--swarm-timeout: ", 0), 0u) << r.error().message;
        EXPECT_NE(r.error().message.find("'" + std::string(bad) + "'"), std::string::npos)
            << r.error().message;
    }
    EXPECT_NE(parse_duration_option("--t", "-5s").error().message.find("negative"),
              std::string::npos);
    auto zero = parse_duration_option("--t", "0s", milliseconds(1));
    ASSERT_FALSE(zero);
    EXPECT_NE(zero.error().message.find("out of range"), std::string::npos);
}

TEST(Units, FormatsSizes) {
    EXPECT_EQ(format_size(0), "0 B");
    EXPECT_EQ(format_size(1023), "1023 B");
    EXPECT_EQ(format_size(4u << 20), "4 MiB");
    EXPECT_EQ(format_size(3ull << 29), "1.5 GiB");
}

}  // namespace
}  // namespace aciswarm
