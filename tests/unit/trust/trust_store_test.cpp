// The trust store's layout (rkt's, under aciswarm's names), prefixes and
// administrator-over-vendor precedence.
#include <gtest/gtest.h>

#include "tests/support/gpg.hpp"
#include "tests/support/temp_dir.hpp"
#include "trust/trust_store.hpp"

namespace aciswarm::trust {
namespace {

using test::GpgHome;
using test::TempDir;

TEST(Fingerprint, ParsesSpacedUpperCaseAndPrintsGpgGroups) {
    auto fp = Fingerprint::parse("8B86 DE38 890D DB72 9186  7B02 5210 BD88 8818 2190");
    ASSERT_TRUE(fp) << fp.error().message;
    EXPECT_EQ(fp->hex, "8b86de38890ddb7291867b025210bd8888182190");
    EXPECT_EQ(fp->grouped(), "8B86 DE38 890D DB72 9186  7B02 5210 BD88 8818 2190");
    EXPECT_FALSE(Fingerprint::parse("8b86de38"));
    auto bad = Fingerprint::parse("zz\x1b[2J");
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().message.find('\x1b'), std::string::npos) << "control bytes escaped";
}

TEST(Prefix, WholeSegmentsOnly) {
    EXPECT_EQ(prefixes_of("example.com/app/web"),
              (std::vector<std::string>{"example.com/app/web", "example.com/app", "example.com"}));
    EXPECT_TRUE(check_prefix("example.com/app"));
    EXPECT_FALSE(check_prefix(""));
    EXPECT_FALSE(check_prefix("example.com/../etc"));
    EXPECT_FALSE(check_prefix("/etc"));
    EXPECT_FALSE(check_prefix("example.com//app"));
    EXPECT_FALSE(check_prefix("Example.com"));
}

class TrustStoreTest : public ::testing::Test {
  protected:
    GpgHome gpg;
    TempDir dir;
};

TEST_F(TrustStoreTest, AddWritesRktLayoutListAndRemove) {
    const std::string fpr = gpg.gen_key("App <app@example.com>");
    const std::string key = gpg.export_public(fpr);
    TrustStore store(TrustDirs::only(dir.path()));
    auto added = store.add("example.com/app", as_bytes(key), "key file");
    ASSERT_TRUE(added) << added.error().message;
    auto lower = Fingerprint::parse(fpr)->hex;
    EXPECT_EQ(added->file, dir.path() / "prefix.d/example.com/app" / lower);
    EXPECT_EQ(test::read_file(added->file), key);
    auto root = store.add("", as_bytes(gpg.export_public(fpr, false)), "binary key");
    ASSERT_TRUE(root) << root.error().message;
    EXPECT_EQ(root->file, dir.path() / "root.d" / lower);

    auto all = store.list();
    ASSERT_TRUE(all);
    EXPECT_EQ(all->size(), 2u);
    EXPECT_EQ(store.keys_for("example.com/app/web")->size(), 2u);
    EXPECT_EQ(store.keys_for("example.com/apple")->size(), 1u) << "only the root key";

    auto removed = store.remove(*Fingerprint::parse(fpr));
    ASSERT_TRUE(removed) << removed.error().message;
    EXPECT_EQ(removed->size(), 2u);
    EXPECT_TRUE(store.list()->empty());
    EXPECT_EQ(store.remove(*Fingerprint::parse(fpr)).error().code, Errc::not_found);
}

TEST_F(TrustStoreTest, RejectsNonKeysAndBadPrefixes) {
    TrustStore store(TrustDirs::only(dir.path()));
    auto junk = store.add("example.com", as_bytes("not a key"), "junk.asc");
    ASSERT_FALSE(junk);
    EXPECT_NE(junk.error().message.find("junk.asc"), std::string::npos);
    const std::string key = gpg.export_public(gpg.gen_key("x <x@example.com>"));
    EXPECT_FALSE(store.add("../../etc", as_bytes(key), "k"));
    EXPECT_TRUE(store.list()->empty());
    EXPECT_FALSE(std::filesystem::exists(dir.path() / "prefix.d"));
}

TEST_F(TrustStoreTest, AdministratorShadowsAndDisablesVendorKeys) {
    TempDir vendor;
    const std::string fpr = gpg.gen_key("Vendor <v@example.com>");
    const std::string lower = Fingerprint::parse(fpr)->hex;
    test::write_file(vendor.path() / "prefix.d/example.com" / lower, gpg.export_public(fpr));
    TrustStore store(TrustDirs{dir.path(), vendor.path()});
    ASSERT_EQ(store.keys_for("example.com/app")->size(), 1u);
    EXPECT_TRUE(store.keys_for("example.com/app")->front().vendor);

    auto removed = store.remove(*Fingerprint::parse(fpr));
    ASSERT_TRUE(removed) << removed.error().message;
    EXPECT_TRUE(std::filesystem::exists(vendor.path() / "prefix.d/example.com" / lower))
        << "vendor files are never touched";
    EXPECT_EQ(std::filesystem::file_size(dir.path() / "prefix.d/example.com" / lower), 0u);
    EXPECT_TRUE(store.keys_for("example.com/app")->empty());
}

}  // namespace
}  // namespace aciswarm::trust
