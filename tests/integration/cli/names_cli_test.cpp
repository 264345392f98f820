// What `aciswarm fetch` says about a bad image name or a missing file: the
// appc name rule in words (never a raw regex), and a file error (never a DNS
// lookup) for anything that looks like a path.
#include <gtest/gtest.h>

#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace aciswarm::test {
namespace {

TEST(FetchNames, BadNameSaysTheRuleInWords) {
    TempDir dir;
    auto r = run({bin("aciswarm"), "fetch", "--no-daemon", "--store=" + dir.path().string(),
                  "Example.com/App:1.0"});
    EXPECT_EQ(r.status.code, 2) << r.err;
    EXPECT_EQ(r.err.find("^[a-z0-9]"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("'Example.com/App' has an uppercase letter 'E'"), std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("lowercase letters a-z, digits 0-9 and the separators - . _ ~ /"),
              std::string::npos)
        << r.err;
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "one line: " << r.err;
}

TEST(FetchNames, MissingPathLikeSourceIsAFileErrorNotADnsLookup) {
    TempDir dir;
    for (const std::string source :
         {"./missing.aci", "missing.aci", "../missing.aci", "/nonexistent/missing.aci",
          "./missing.torrent", "missing.torrent"}) {
        auto r = run(
            {bin("aciswarm"), "fetch", "--no-daemon", "--store=" + dir.path().string(), source});
        EXPECT_EQ(r.status.code, 1) << source << ": " << r.err;
        EXPECT_NE(r.err.find(source + ": No such file"), std::string::npos)
            << source << ": " << r.err;
        EXPECT_EQ(r.err.find("resolve"), std::string::npos) << source << ": " << r.err;
        EXPECT_EQ(r.err.find("discovery"), std::string::npos) << source << ": " << r.err;
    }
}

}  // namespace
}  // namespace aciswarm::test
