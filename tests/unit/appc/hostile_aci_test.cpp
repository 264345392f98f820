// Hostile ACIs (issue 13): a manifest hidden behind a second entry name that
// cleans to `manifest`, compression bombs stopped at the maximum image size
// with bounded CPU time (read from /proc/self/stat, never the wall clock),
// download magic checks, truncated streams, and control characters echoed in
// errors.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string_view>
#include <utility>

#include "appc/aci_reader.hpp"
#include "common/text.hpp"
#include "tests/support/aci_builder.hpp"

namespace aciswarm::appc {
namespace {

using test::AciCompression;

std::span<const std::uint8_t> bytes_of(const std::string& s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// utime + stime of this process in seconds (/proc/self/stat fields 14 and 15).
double cpu_seconds() {
    std::ifstream in("/proc/self/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::istringstream rest(stat.substr(stat.rfind(')') + 2));
    std::string field;
    long long utime = 0;
    long long stime = 0;
    // After "pid (comm) " the fields start at 3 (state); utime is 14, stime 15.
    for (int i = 3; i <= 15 && rest >> field; ++i) {
        if (i == 14) utime = std::stoll(field);
        if (i == 15) stime = std::stoll(field);
    }
    return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

TEST(ManifestEntry, PathsCleanAsGoPathClean) {
    // Go: path.Clean, the function appc's ManifestFromImage applies.
    const std::pair<std::string_view, std::string_view> cases[] = {
        {"", "."},
        {"manifest", "manifest"},
        {"./manifest", "manifest"},
        {".//manifest", "manifest"},
        {"rootfs/../manifest", "manifest"},
        {"manifest/", "manifest"},
        {"/manifest", "/manifest"},
        {"/../manifest", "/manifest"},
        {"../manifest", "../manifest"},
        {"a/../..", ".."},
        {"/", "/"},
        {"rootfs/./x/../y", "rootfs/y"},
    };
    for (const auto& [path, clean] : cases)
        EXPECT_EQ(clean_archive_path(path), clean) << path;
    EXPECT_TRUE(is_manifest_entry(".//manifest"));
    EXPECT_TRUE(is_manifest_entry("rootfs/../manifest"));
    EXPECT_FALSE(is_manifest_entry("../manifest"));
    EXPECT_FALSE(is_manifest_entry("rootfs/manifest"));
}

TEST(ManifestEntry, TwoNamesThatCleanToManifestAreRefused) {
    // Issue 13 item 9: `.//manifest` (A) before `manifest` (B) imported as B,
    // while appc (rkt) reads A.
    test::AciSpec spec;
    spec.files.push_back({".//manifest", test::make_manifest("example.com/first")});
    spec.files.push_back({"manifest", test::make_manifest("example.com/second")});
    spec.files.push_back({"rootfs/x", "x"});
    auto r = read_aci_bytes(bytes_of(test::build_aci(spec)), "two.aci");
    ASSERT_FALSE(r) << "imported as " << r->manifest.name;
    EXPECT_EQ(r.error().message,
              "two.aci: two manifest entries ('.//manifest' and 'manifest'): readers that take "
              "the first and the last would disagree");
}

TEST(ManifestEntry, ALoneUncleanNameIsTheManifestAsAppcReadsIt) {
    test::AciSpec spec;
    spec.files.push_back({".//manifest", test::make_manifest("example.com/only")});
    spec.files.push_back({"rootfs/x", "x"});
    auto r = read_aci_bytes(bytes_of(test::build_aci(spec)));
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->manifest.name, "example.com/only");
}

// A valid small image followed by `copies` × 16 MiB of zeros (more tar end
// blocks, which the image ID covers), each chunk its own compressed frame or
// member: a few KiB that decompress to copies × 16 MiB.
std::string bomb(AciCompression c, int copies) {
    const std::string zeros(16 << 20, '\0');
    const std::string frame = test::compress(zeros, c);
    std::string out =
        test::compress(test::build_tar(test::simple_aci("example.com/bomb", "", c)), c);
    for (int i = 0; i < copies; ++i)
        out += frame;
    return out;
}

class BombTest : public ::testing::TestWithParam<AciCompression> {};

TEST_P(BombTest, StopsAtTheMaximumWithBoundedCpu) {
    // 512 × 16 MiB = 8 GiB uncompressed; without the bound, decompressing and
    // hashing it costs tens of CPU seconds.
    const std::string b = bomb(GetParam(), 512);
    ASSERT_LT(b.size(), 32u << 20);
    AciLimits limits;
    limits.max_uncompressed_bytes = 64 << 20;
    const double before = cpu_seconds();
    auto r = read_aci_bytes(bytes_of(b), "bomb.aci", limits);
    const double used = cpu_seconds() - before;
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::too_large);
    EXPECT_EQ(r.error().message,
              "bomb.aci: uncompressed image is over the limit of 67108864 bytes (the maximum "
              "image size, --max-image-size)");
    EXPECT_LT(used, 3.0) << "CPU seconds spent on a bomb stopped at 64 MiB";
    // Below the limit the same shape is a valid image.
    limits.max_uncompressed_bytes = 1 << 30;
    EXPECT_TRUE(read_aci_bytes(bytes_of(bomb(GetParam(), 2)), "ok.aci", limits));
}

INSTANTIATE_TEST_SUITE_P(Compressions, BombTest,
                         ::testing::Values(AciCompression::gzip, AciCompression::zstd));

TEST(AciLimitsTest, StoredBytesOverTheLimitStop) {
    const std::string aci =
        test::build_aci(test::simple_aci("example.com/big", "", AciCompression::none));
    AciLimits limits;
    limits.max_blob_bytes = 1024;
    auto r = read_aci_bytes(bytes_of(aci), "big.aci", limits);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::too_large);
    EXPECT_NE(r.error().message.find("big.aci: image is over the limit of 1024 bytes"),
              std::string::npos)
        << r.error().message;
}

TEST(AciMagic, DownloadsMustStartLikeAnArchive) {
    for (AciCompression c : {AciCompression::gzip, AciCompression::bzip2, AciCompression::xz,
                             AciCompression::zstd, AciCompression::none}) {
        const std::string aci = test::build_aci(test::simple_aci("example.com/m", "", c));
        EXPECT_TRUE(check_aci_magic(bytes_of(aci.substr(0, aci_magic_bytes))))
            << static_cast<int>(c);
    }
    const std::string page = "<html><body>" + std::string(400, 'x') + "</body></html>";
    auto e = check_aci_magic(bytes_of(page));
    ASSERT_FALSE(e);
    EXPECT_EQ(e.error().message,
              "not an image archive (starts with '<html><body>xxxx'; want gzip, bzip2, xz, zstd "
              "or tar)");
    EXPECT_FALSE(check_aci_magic({}));
}

TEST(AciMessages, TruncatedGzipTrailerSaysTruncated) {
    const std::string good =
        test::build_aci(test::simple_aci("example.com/trunc", "", AciCompression::gzip));
    for (std::size_t cut : {1u, 4u, 8u}) {
        auto r = read_aci_bytes(bytes_of(good.substr(0, good.size() - cut)), "t.aci");
        ASSERT_FALSE(r) << cut;
        EXPECT_EQ(r.error().message.find("corrupt gzip data: open"), std::string::npos)
            << r.error().message;
        EXPECT_NE(r.error().message.find("t.aci: corrupt gzip data: "), std::string::npos)
            << r.error().message;
        EXPECT_NE(r.error().message.find("truncated"), std::string::npos) << r.error().message;
    }
}

TEST(AciMessages, ControlCharactersInNamesAreEscaped) {
    test::AciSpec spec;
    spec.manifest = test::make_manifest("example.com/x");
    const std::string esc_name = "example.com/\x1b[2J\x1b[31mowned";
    spec.manifest = R"({"acKind":"ImageManifest","acVersion":"0.8.11","name":")" +
                    std::string("example.com/\\u001b[2Jowned") + R"("})";
    auto r = read_aci_bytes(bytes_of(test::build_aci(spec)), "esc\x07.aci");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message.find('\x1b'), std::string::npos) << r.error().message;
    EXPECT_EQ(r.error().message.find('\x07'), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("esc\\x07.aci: manifest: name 'example.com/\\x1b[2Jowned'"),
              std::string::npos)
        << r.error().message;
    ManifestInfo m;
    m.name = "example.com/ok";
    ImageExpectation want;
    want.name = esc_name;
    auto mismatch = check_expectation(m, want);
    ASSERT_FALSE(mismatch);
    EXPECT_EQ(mismatch.error().message.find('\x1b'), std::string::npos);
    EXPECT_EQ(escape_control("a\x1b[0m\n\x7f"), "a\\x1b[0m\\x0a\\x7f");
}

}  // namespace
}  // namespace aciswarm::appc
