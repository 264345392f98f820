// Signatures made by real GnuPG, checked by aciswarm's verifier (RNP): every
// case the trust model must refuse, and the ones it must accept.
#include <gtest/gtest.h>

#include <chrono>

#include "common/clock.hpp"
#include "tests/support/gpg.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"
#include "trust/openpgp.hpp"
#include "trust/trust_store.hpp"
#include "trust/verifier.hpp"

namespace aciswarm::trust {
namespace {

using test::GpgHome;
using test::TempDir;

class VerifyTest : public ::testing::Test {
  protected:
    void SetUp() override {
        image = dir / "app-1.0.aci";
        std::string bytes(256 * 1024, '\0');
        for (std::size_t i = 0; i < bytes.size(); ++i)
            bytes[i] = static_cast<char>(i * 31 + 7);
        test::write_file(image, bytes);
    }
    // Trusts fpr's public key for prefix ("" = root) in the test's trust dir.
    void trust(const std::string& fpr, const std::string& prefix) {
        TrustStore store(TrustDirs::only(trust_dir.path()));
        auto r = store.add(prefix, as_bytes(gpg.export_public(fpr)), "key");
        ASSERT_TRUE(r) << r.error().message;
    }
    Result<SignatureCheck> verify(const std::string& name, const std::optional<std::string>& sig) {
        ImageVerifier v(TrustDirs::only(trust_dir.path()), clock);
        return v.verify(image, name, sig);
    }
    static std::string lower(const std::string& fpr) { return Fingerprint::parse(fpr)->hex; }

    GpgHome gpg;
    TempDir dir;
    TempDir trust_dir;
    SystemClock clock;
    std::filesystem::path image;
};

TEST_F(VerifyTest, GoodSignatureByPrefixKeyVerifies) {
    const std::string fpr = gpg.gen_key("App <app@example.com>");
    trust(fpr, "example.com/app");
    auto r = verify("example.com/app", gpg.sign(image, fpr));
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->primary.hex, lower(fpr));
    EXPECT_EQ(r->signer.hex, lower(fpr));
    auto binary = verify("example.com/app/web", gpg.sign(image, fpr, /*armor=*/false));
    EXPECT_TRUE(binary) << "binary signature, name below the prefix: " << binary.error().message;
}

TEST_F(VerifyTest, SignatureByUntrustedKeyNamesImageAndFingerprint) {
    const std::string trusted = gpg.gen_key("Trusted <t@example.com>");
    const std::string other = gpg.gen_key("Other <o@example.com>");
    trust(trusted, "example.com/app");
    auto r = verify("example.com/app", gpg.sign(image, other));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::untrusted);
    EXPECT_NE(r.error().message.find("image example.com/app"), std::string::npos)
        << r.error().message;
    EXPECT_NE(r.error().message.find(Fingerprint::parse(other)->grouped()), std::string::npos)
        << r.error().message;
    EXPECT_EQ(r.error().message.find('\n'), std::string::npos) << "one line";
}

TEST_F(VerifyTest, TamperedImageOneByteFails) {
    const std::string fpr = gpg.gen_key("App <app@example.com>");
    trust(fpr, "example.com/app");
    const std::string sig = gpg.sign(image, fpr);
    std::string bytes = test::read_file(image);
    bytes[bytes.size() / 2] ^= 1;
    test::write_file(image, bytes);
    auto r = verify("example.com/app", sig);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::untrusted);
    EXPECT_NE(r.error().message.find("bad signature"), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find(Fingerprint::parse(fpr)->grouped()), std::string::npos);
}

TEST_F(VerifyTest, TruncatedSignatureFails) {
    const std::string fpr = gpg.gen_key("App <app@example.com>");
    trust(fpr, "example.com/app");
    const std::string sig = gpg.sign(image, fpr);
    for (std::size_t cut : {sig.size() / 2, sig.size() - 40, std::size_t{0}}) {
        auto r = verify("example.com/app", sig.substr(0, cut));
        ASSERT_FALSE(r) << "cut at " << cut;
        EXPECT_EQ(r.error().code, Errc::untrusted) << r.error().message;
    }
    auto binary = gpg.sign(image, fpr, false);
    EXPECT_FALSE(verify("example.com/app", binary.substr(0, binary.size() - 5)));
}

TEST_F(VerifyTest, MissingSignatureFails) {
    auto r = verify("example.com/app", std::nullopt);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::untrusted);
    EXPECT_NE(r.error().message.find("no signature"), std::string::npos);
    EXPECT_NE(r.error().message.find("--insecure-options=image"), std::string::npos);
}

TEST_F(VerifyTest, ExpiredKeyFails) {
    // Made and used in 2020 with one day of validity: good then, expired now.
    const std::string fpr =
        gpg.gen_key("Old <old@example.com>", "ed25519", "sign", "1d", "20200101T000000");
    trust(fpr, "example.com/app");
    const std::string sig = gpg.sign(image, fpr, true, "20200101T010000");
    auto r = verify("example.com/app", sig);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::untrusted);
    EXPECT_NE(r.error().message.find("expired"), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find(Fingerprint::parse(fpr)->grouped()), std::string::npos);
}

TEST_F(VerifyTest, RevokedKeyFails) {
    const std::string fpr = gpg.gen_key("Gone <gone@example.com>");
    const std::string sig = gpg.sign(image, fpr);
    gpg.revoke(fpr);
    trust(fpr, "example.com/app");  // the revoked key as the registry now serves it
    auto r = verify("example.com/app", sig);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::untrusted);
    EXPECT_NE(r.error().message.find("revoked"), std::string::npos) << r.error().message;
}

TEST_F(VerifyTest, SubkeySignatureVerifiesAgainstPrimary) {
    const std::string fpr = gpg.gen_key("Sub <sub@example.com>", "ed25519", "cert");
    const std::string sub = gpg.add_signing_subkey(fpr);
    trust(fpr, "example.com/app");
    auto r = verify("example.com/app", gpg.sign(image, sub + "!"));
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->primary.hex, lower(fpr));
    EXPECT_EQ(r->signer.hex, lower(sub));
}

TEST_F(VerifyTest, KeyTrustedForAnotherPrefixFails) {
    const std::string fpr = gpg.gen_key("App <app@example.com>");
    trust(fpr, "example.com/other");
    trust(fpr, "example.com/ap");  // not a whole segment of example.com/app
    auto r = verify("example.com/app", gpg.sign(image, fpr));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::untrusted);
    EXPECT_NE(r.error().message.find("not trusted for example.com/app"), std::string::npos)
        << r.error().message;
}

TEST_F(VerifyTest, RootKeyVerifiesEveryName) {
    const std::string fpr = gpg.gen_key("Root <root@example.com>");
    trust(fpr, "");
    EXPECT_TRUE(verify("example.com/app", gpg.sign(image, fpr)));
    EXPECT_TRUE(verify("other.org/x/y", gpg.sign(image, fpr)));
}

TEST_F(VerifyTest, SignedByRnpVerifiedByGpg) {
    const std::string fpr = gpg.gen_key_with_passphrase("Pub <p@example.com>", "s3cret");
    const std::string secret = gpg.export_secret(fpr, "s3cret");
    EXPECT_FALSE(sign_detached_file(image, as_bytes(secret), "wrong", "key"));
    auto sig = sign_detached_file(image, as_bytes(secret), "s3cret", "key");
    ASSERT_TRUE(sig) << sig.error().message;
    test::write_file(dir / "app.aci.asc", *sig);
    EXPECT_EQ(gpg.verify(dir / "app.aci.asc", image), 0);
    auto pub = public_key_of_secret(as_bytes(secret), "key");
    ASSERT_TRUE(pub) << pub.error().message;
    auto info = read_public_key(as_bytes(*pub), "public key");
    ASSERT_TRUE(info) << info.error().message;
    EXPECT_EQ(info->fingerprint.hex, lower(fpr));
    ASSERT_EQ(info->user_ids.size(), 1u);
    EXPECT_EQ(info->user_ids[0], "Pub <p@example.com>");
}

}  // namespace
}  // namespace aciswarm::trust
