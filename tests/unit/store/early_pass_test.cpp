// EarlyPass (agent/store/early_pass.hpp): an import's pass that follows the
// prefix a writer declares final. It never reads past that prefix, its result
// equals a plain pass over the whole file, and a move import uses it only for
// the very file it read (else the import reads the file itself).
#include "agent/store/early_pass.hpp"

#include <gtest/gtest.h>

#include <future>
#include <mutex>
#include <string>
#include <vector>

#include "agent/store/store.hpp"
#include "common/clock.hpp"
#include "tests/support/aci_builder.hpp"
#include "tests/support/random_bytes.hpp"
#include "tests/support/temp_dir.hpp"

namespace aciswarm::agent::store {
namespace {

namespace fs = std::filesystem;
using test::AciCompression;

// An image of several of the pass's 64 KiB chunks, so a prefix ends mid-file.
std::string big_aci(std::string_view salt, AciCompression compression = AciCompression::none) {
    test::AciSpec spec = test::simple_aci("example.com/early", salt, compression);
    spec.files.push_back(
        {"rootfs/blob", test::random_bytes(600 * 1024, std::hash<std::string_view>{}(salt))});
    return test::build_aci(spec);
}

std::span<const std::uint8_t> as_bytes(const std::string& s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// Runs a pass over `path` whose bytes from `half` on are garbage while the
// pass may read only [0, half); once the pass has read all of that and waits,
// the real bytes are written and the file completed.
Result<EarlyPassResult> pass_over_a_growing_file(const fs::path& path, const std::string& bytes,
                                                 std::size_t half) {
    std::string garbage = bytes;
    std::fill(garbage.begin() + static_cast<std::ptrdiff_t>(half), garbage.end(), '\xff');
    test::write_file(path, garbage);
    std::promise<void> waited_at_half;
    std::once_flag once;
    EarlyPass::Options options;
    options.on_wait = [&](std::uint64_t read) {
        if (read == half) std::call_once(once, [&] { waited_at_half.set_value(); });
    };
    EarlyPass pass(path, options);
    pass.extend(half / 2);
    pass.extend(half);
    pass.extend(half / 3);  // smaller: changes nothing
    waited_at_half.get_future().wait();
    test::write_file(path, bytes);  // same inode: written in place
    pass.complete(bytes.size());
    return pass.result();
}

TEST(EarlyPass, ReadsOnlyTheFinalPrefixAndEqualsAPlainPass) {
    test::TempDir dir;
    for (const auto compression : {AciCompression::none, AciCompression::gzip}) {
        const std::string bytes = big_aci("1", compression);
        auto early = pass_over_a_growing_file(dir.path() / "image.aci", bytes, 200 * 1024 + 17);
        ASSERT_TRUE(early) << early.error().message;
        auto plain = appc::read_aci_bytes(as_bytes(bytes));
        ASSERT_TRUE(plain) << plain.error().message;
        // Had the pass read a garbage byte past the prefix, both digests would differ.
        EXPECT_EQ(early->info.id, plain->id);
        EXPECT_EQ(early->info.blob_sha512, plain->blob_sha512);
        EXPECT_EQ(early->info.size, bytes.size());
        EXPECT_EQ(early->info.manifest.name, "example.com/early");
    }
}

TEST(EarlyPass, AFileShorterThanDeclaredFailsAndCancelStops) {
    test::TempDir dir;
    const fs::path path = dir.path() / "short.aci";
    const std::string bytes = big_aci("2");
    test::write_file(path, bytes);
    EarlyPass shorter(path, {});
    shorter.complete(bytes.size() + 4096);
    auto r = shorter.result();
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("before the"), std::string::npos) << r.error().message;

    EarlyPass waiting(path, {});
    waiting.extend(1000);
    waiting.cancel();
    auto c = waiting.result();
    ASSERT_FALSE(c);
    EXPECT_NE(c.error().message.find("cancelled"), std::string::npos) << c.error().message;
}

class EarlyPassImport : public ::testing::Test {
  protected:
    void SetUp() override {
        auto s = Store::open(dir_.path() / "store", clock_, log_);
        ASSERT_TRUE(s) << s.error().message;
        store_.emplace(std::move(*s));
    }
    bool logged(std::string_view text) {
        std::lock_guard lock(mu_);
        for (const auto& l : lines_)
            if (l.find(text) != std::string::npos) return true;
        return false;
    }

    // Writes `bytes` to dir/NAME and returns the path.
    fs::path file(const std::string& name, const std::string& bytes) {
        const fs::path path = dir_.path() / name;
        test::write_file(path, bytes);
        return path;
    }
    // A move import of `path`, handing it `pass`.
    Result<ImageRecord> import_with(const fs::path& path, EarlyPass& pass) {
        ImportRequest req;
        req.move = true;
        req.early_pass = &pass;
        return store_->import_file(path, req);
    }

    test::TempDir dir_;
    ManualClock clock_;
    std::mutex mu_;
    std::vector<std::string> lines_;
    Logger log_{"test", LogLevel::debug, [this](LogLevel, std::string_view line) {
                    std::lock_guard lock(mu_);
                    lines_.emplace_back(line);
                }};
    std::optional<Store> store_;
};

TEST_F(EarlyPassImport, AMoveImportTakesThePassOverItsOwnFile) {
    const std::string bytes = big_aci("3");
    const fs::path path = file("download.aci", bytes);
    EarlyPass pass(path, {});
    pass.complete(bytes.size());
    auto rec = import_with(path, pass);
    ASSERT_TRUE(rec) << rec.error().message;
    EXPECT_EQ(rec->id, appc::read_aci_bytes(as_bytes(bytes))->id);
    EXPECT_EQ(test::read_file(store_->blob_path(rec->id)), bytes);
    EXPECT_TRUE(logged("while it was written")) << ::testing::PrintToString(lines_);
}

TEST_F(EarlyPassImport, APassOverOtherBytesIsNeverARecordsDigest) {
    // The pass read image A; the file imported is image B (another inode).
    const std::string a = big_aci("A");
    const std::string b = big_aci("B");
    EarlyPass pass(file("a.aci", a), {});
    pass.complete(a.size());
    auto rec = import_with(file("b.aci", b), pass);
    ASSERT_TRUE(rec) << rec.error().message;
    EXPECT_EQ(rec->id, appc::read_aci_bytes(as_bytes(b))->id);
    EXPECT_EQ(rec->blob_sha512, appc::read_aci_bytes(as_bytes(b))->blob_sha512);
    EXPECT_TRUE(logged("the early pass read another file"));

    // A cancelled pass: the import reads the file itself.
    const std::string c = big_aci("C");
    const fs::path path_c = file("c.aci", c);
    EarlyPass cancelled(path_c, {});
    cancelled.cancel();
    auto rec_c = import_with(path_c, cancelled);
    ASSERT_TRUE(rec_c) << rec_c.error().message;
    EXPECT_EQ(rec_c->id, appc::read_aci_bytes(as_bytes(c))->id);
}

}  // namespace
}  // namespace aciswarm::agent::store
