// Sizes, rates and durations on the command line: every command reads them
// with the one parser (common/units.hpp), so `4M` means 4 MiB/s everywhere,
// and a bad value is a one-line usage error naming the option and the value.
#include <gtest/gtest.h>
#include <signal.h>

#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace aciswarm::test {
namespace {

TEST(UnitsCli, SeedMaxUploadRateFourMIsFourMebibytesPerSecond) {
    TempDir dir;
    // Before: std::stoll("4M") == 4, a 4 bytes/s limit.
    auto seed = Process::spawn({bin("aciswarm"), "seed", "--dir=" + dir.path().string(),
                                "--listen=127.0.0.1:0", "--lsd=false", "--max-upload-rate=4M"});
    auto line = seed.wait_for_stderr(std::regex("everseed on .*upload limit ([^\\n]*)"));
    ASSERT_TRUE(line) << seed.stderr_text();
    EXPECT_EQ((*line)[1], "4 MiB/s");
    seed.signal(SIGTERM);
    auto status = seed.wait();
    ASSERT_TRUE(status);
    EXPECT_EQ(status->code, 0) << seed.stderr_text();
}

TEST(UnitsCli, BadValuesAreOneLineUsageErrorsNamingOptionAndValue) {
    TempDir dir;
    const std::string d = "--dir=" + dir.path().string();
    struct Case {
        std::vector<std::string> argv;
        std::string want;
    };
    const std::vector<Case> cases = {
        {{"seed", d, "--max-upload-rate=4X"}, "--max-upload-rate: '4X' is not a rate"},
        {{"seed", d, "--max-upload-rate=-1"}, "--max-upload-rate: '-1' is not a rate"},
        {{"seed", d, "--max-connections=many"}, "--max-connections: 'many' is not an integer"},
        {{"seed", d, "--connections-limit=0"}, "--max-connections: '0' is out of range"},
        {{"seed", d, "--scan-interval=5x"}, "--scan-interval: "},
        {{"fetch", "--no-daemon", "--max-download-rate=1MB", "example.com/app"},
         "--max-download-rate: '1MB' is not a rate"},
        {{"fetch", "--no-daemon", "--swarm-timeout=-5s", "example.com/app"},
         "--swarm-timeout: '-5s' is not a duration: negative"},
        {{"fetch", "--no-daemon", "--max-upload-rate=", "example.com/app"},
         "--max-upload-rate: '' is not a rate in bytes/s: empty"},
        {{"publish", "x.aci", "--webseed-base=https://h/", "--out=" + dir.path().string(),
          "--piece-size=8k"},
         "--piece-size: '8k' is out of range"},
        {{"image", "gc", "--store=" + dir.path().string(), "--older-than=soon"}, "--older-than: "},
        {{"daemon", "--max-upload-rate=4Q"}, "max-upload-rate: '4Q' is not a rate"},
    };
    for (const Case& c : cases) {
        std::vector<std::string> argv{bin("aciswarm")};
        argv.insert(argv.end(), c.argv.begin(), c.argv.end());
        auto r = run(argv);
        EXPECT_EQ(r.status.code, 2) << c.argv[0] << ": " << r.err;
        EXPECT_NE(r.err.find(c.want), std::string::npos) << c.argv[0] << ": " << r.err;
        EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "one line: " << r.err;
    }
    auto tracker = run({bin("aciswarm-tracker"), "--interval=soon"});
    EXPECT_EQ(tracker.status.code, 2);
    EXPECT_NE(tracker.err.find("--interval: "), std::string::npos) << tracker.err;
    auto packet = run({bin("aciswarm-tracker"), "--sync-peer=127.0.0.1:1",
                       "--sync-allow=127.0.0.0/8", "--sync-max-packet=1G"});
    EXPECT_EQ(packet.status.code, 2);
    EXPECT_NE(packet.err.find("--sync-max-packet: '1G' is out of range"), std::string::npos)
        << packet.err;
}

}  // namespace
}  // namespace aciswarm::test
