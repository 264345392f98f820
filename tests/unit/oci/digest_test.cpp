#include "oci/digest.hpp"

#include <gtest/gtest.h>

namespace aciswarm::oci {
namespace {

// sha256("") and sha256("abc"), FIPS 180-2 vectors.
constexpr std::string_view empty_sha256 =
    "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr std::string_view abc_sha256 =
    "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

TEST(OciDigest, ParsesAndPrintsTheCanonicalForm) {
    auto d = parse_digest(abc_sha256);
    ASSERT_TRUE(d) << d.error().message;
    EXPECT_EQ(d->to_string(), abc_sha256);
    EXPECT_EQ(d->hex(), abc_sha256.substr(7));
    EXPECT_EQ(Digest::of("abc"), *d);
    EXPECT_EQ(Digest::of("").to_string(), empty_sha256);
}

TEST(OciDigest, AcceptsOnlySha256AndSaysSo) {
    auto d = parse_digest("sha512:" + std::string(128, 'a'));
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().code, Errc::invalid_argument);
    EXPECT_NE(d.error().message.find("only sha256 is accepted"), std::string::npos);
    EXPECT_NE(d.error().message.find("sha512:"), std::string::npos);
}

TEST(OciDigest, RefusesUppercaseShortAndMissingAlgorithm) {
    std::string upper(abc_sha256);
    upper[10] = 'A';
    EXPECT_FALSE(parse_digest(upper));
    EXPECT_FALSE(parse_digest(abc_sha256.substr(0, 70)));
    EXPECT_FALSE(parse_digest(abc_sha256.substr(7)));
    EXPECT_FALSE(parse_digest(std::string(abc_sha256) + "0"));
    auto bad = parse_digest("sha256:\x1b[31m");
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().message.find('\x1b'), std::string::npos);
}

TEST(OciDigest, VerifierAcceptsTheRightBytesInPieces) {
    Sha256Verifier v(*parse_digest(abc_sha256));
    v.update("a");
    v.update("bc");
    EXPECT_EQ(v.bytes(), 3u);
    EXPECT_TRUE(v.finish());
}

TEST(OciDigest, VerifierReportsAMismatchAsCorrupt) {
    Sha256Verifier v(*parse_digest(abc_sha256));
    v.update("abd");
    auto ok = v.finish();
    ASSERT_FALSE(ok);
    EXPECT_EQ(ok.error().code, Errc::corrupt);
    EXPECT_NE(ok.error().message.find(abc_sha256), std::string::npos);
}

}  // namespace
}  // namespace aciswarm::oci
