// The image store through the real `aciswarm` binary: import, image list /
// rm / gc / export / cat-manifest / verify / du, bad input leaving the store
// as it was, concurrent imports from two processes, a full disk, and kill -9
// at named points of an import (the binary stops itself there when
// ACISWARM_TEST_PAUSE_AT names the point; the test waits for the stop with
// waitpid(WUNTRACED), so there are no sleeps).

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <ostream>

#include "tests/support/aci_builder.hpp"
#include "tests/support/process.hpp"
#include "tests/support/random_bytes.hpp"
#include "tests/support/temp_dir.hpp"

namespace aciswarm::test {
namespace {

constexpr const char* insecure_image = "--insecure-options=image";

namespace fs = std::filesystem;

std::size_t count_files(const fs::path& dir) {
    std::size_t n = 0;
    std::error_code ec;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir, ec))
        ++n;
    return n;
}

class StoreCli : public ::testing::Test {
  protected:
    std::string store() const { return "--store=" + (dir_ / "store").string(); }
    fs::path root() const { return dir_ / "store"; }
    RunResult aciswarm(std::vector<std::string> args) {
        // These tests import unsigned images; tests/integration/trust checks signatures.
        if (!args.empty() && args[0] == "import") args.insert(args.begin() + 1, insecure_image);
        args.insert(args.begin(), bin("aciswarm"));
        return run(args);
    }
    fs::path make(const std::string& name, const std::string& salt = "",
                  AciCompression c = AciCompression::gzip,
                  const std::map<std::string, std::string>& labels = {}) {
        return write_aci(dir_ / (name.substr(name.find('/') + 1) + salt + ".aci"),
                         simple_aci(name, salt, c, labels));
    }
    fs::path make_big(const std::string& file, std::size_t bytes) {
        auto spec = simple_aci("example.com/big", file);
        spec.files.push_back({"rootfs/noise", random_bytes(bytes, 7)});
        return write_aci(dir_ / file, spec);
    }
    std::string import_ok(const fs::path& p, std::vector<std::string> extra = {}) {
        std::vector<std::string> args = {"import", store()};
        args.insert(args.end(), extra.begin(), extra.end());
        args.push_back(p.string());
        auto r = aciswarm(args);
        EXPECT_EQ(r.status.code, 0) << r.err;
        std::string id = r.out;
        while (!id.empty() && id.back() == '\n')
            id.pop_back();
        return id;
    }
    nlohmann::json list_json() {
        auto r = aciswarm({"image", "list", store(), "--json"});
        EXPECT_EQ(r.status.code, 0) << r.err;
        return nlohmann::json::parse(r.out);
    }
    std::string sha512sum(const std::string& cmd) {
        auto r = run({"sh", "-c", cmd + " | sha512sum"});
        return r.out.substr(0, 128);
    }

    TempDir dir_;
};

TEST_F(StoreCli, ImportPrintsRktIdOfTheDecompressedTar) {
    // An image made by GNU tar + gzip, as a registry would serve it.
    const fs::path src = dir_ / "src";
    write_file(src / "manifest", make_manifest("example.com/hello", {{"version", "1.0"}}));
    write_file(src / "rootfs" / "etc" / "hello", "hello\n");
    const fs::path aci = dir_ / "hello.aci";
    auto tar = run({"tar", "-C", src.string(), "-czf", aci.string(), "manifest", "rootfs"});
    ASSERT_EQ(tar.status.code, 0) << tar.err;
    const std::string full = "sha512-" + sha512sum("gzip -dc '" + aci.string() + "'");

    const std::string shown = import_ok(aci);
    EXPECT_EQ(shown, full.substr(0, 7 + 32)) << "rkt's display form";
    EXPECT_EQ(import_ok(aci, {"--full"}), full);
    auto list = list_json();
    ASSERT_EQ(list.size(), 1u) << "imported twice, one entry";
    EXPECT_EQ(list[0]["id"], full);
    EXPECT_EQ(list[0]["key"], full.substr(0, 7 + 64));
    EXPECT_EQ(list[0]["name"], "example.com/hello");
    EXPECT_EQ(list[0]["labels"]["version"], "1.0");
    EXPECT_EQ(list[0]["compression"], "gzip");
    EXPECT_EQ(list[0]["blob_sha512"], sha512sum("cat '" + aci.string() + "'"));
    EXPECT_TRUE(fs::exists(root() / "blobs" / (full.substr(0, 7 + 64) + ".aci")));
}

TEST_F(StoreCli, ListTable) {
    const std::string a =
        import_ok(make("example.com/a", "", AciCompression::xz, {{"version", "2"}}));
    const std::string b = import_ok(make("example.com/b"), {"--pin"});
    auto r = aciswarm({"image", "list", store()});
    ASSERT_EQ(r.status.code, 0) << r.err;
    EXPECT_TRUE(r.out.starts_with("ID ")) << r.out;
    EXPECT_NE(r.out.find(a + "  example.com/a"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("version=2"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(b + "  example.com/b"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("pinned"), std::string::npos) << r.out;
    auto full = aciswarm({"image", "list", store(), "--full"});
    EXPECT_NE(full.out.find(list_json()[0]["id"].get<std::string>()), std::string::npos);
}

TEST_F(StoreCli, RemoveByPrefixAndAmbiguousPrefix) {
    std::map<char, std::vector<std::string>> by_first;
    for (int i = 0; i < 17; ++i) {
        const std::string id = import_ok(make("example.com/p", std::to_string(i)));
        by_first[id[7]].push_back(id);
    }
    auto shared = std::find_if(by_first.begin(), by_first.end(),
                               [](const auto& kv) { return kv.second.size() > 1; });
    ASSERT_NE(shared, by_first.end());
    auto amb = aciswarm({"image", "rm", store(), std::string(1, shared->first)});
    EXPECT_EQ(amb.status.code, 1);
    EXPECT_NE(amb.err.find("ambiguous"), std::string::npos) << amb.err;
    for (const auto& id : shared->second)
        EXPECT_NE(amb.err.find(id), std::string::npos) << amb.err;
    EXPECT_EQ(list_json().size(), 17u);

    const std::string victim = shared->second[0];
    auto rm = aciswarm({"image", "rm", store(), victim.substr(7, 20)});
    ASSERT_EQ(rm.status.code, 0) << rm.err;
    EXPECT_EQ(rm.out, "removed " + victim + "\n");
    EXPECT_EQ(list_json().size(), 16u);
    EXPECT_EQ(count_files(root() / "blobs"), 16u);
    auto again = aciswarm({"image", "rm", store(), victim});
    EXPECT_EQ(again.status.code, 1);
    EXPECT_NE(again.err.find("no image matches"), std::string::npos) << again.err;
}

TEST_F(StoreCli, GcKeepsPinnedAndHonoursDryRun) {
    const std::string plain = import_ok(make("example.com/plain"));
    const std::string pinned = import_ok(make("example.com/pinned"), {"--pin"});
    auto dry = aciswarm({"image", "gc", store(), "--older-than=0s", "--dry-run"});
    ASSERT_EQ(dry.status.code, 0) << dry.err;
    EXPECT_EQ(dry.out, "would remove " + plain + " example.com/plain\n");
    EXPECT_EQ(list_json().size(), 2u);
    auto keep = aciswarm({"image", "gc", store(), "--older-than=1h"});
    ASSERT_EQ(keep.status.code, 0) << keep.err;
    EXPECT_EQ(keep.out, "") << "nothing unused for an hour";
    auto gc = aciswarm({"image", "gc", store(), "--older-than=0s"});
    ASSERT_EQ(gc.status.code, 0) << gc.err;
    EXPECT_EQ(gc.out, "removed " + plain + " example.com/plain\n");
    auto left = list_json();
    ASSERT_EQ(left.size(), 1u);
    EXPECT_EQ(left[0]["name"], "example.com/pinned");
    auto bad = aciswarm({"image", "gc", store(), "--older-than=soon"});
    EXPECT_EQ(bad.status.code, 2);
    EXPECT_NE(bad.err.find("soon"), std::string::npos);
}

TEST_F(StoreCli, ExportCatManifestAndDu) {
    const fs::path src = make("example.com/exp", "", AciCompression::zstd, {{"os", "linux"}});
    const std::string id = import_ok(src);
    const fs::path out = dir_ / "exported.aci";
    auto ex = aciswarm({"image", "export", store(), id, out.string()});
    ASSERT_EQ(ex.status.code, 0) << ex.err;
    EXPECT_EQ(read_file(out), read_file(src));
    auto exists = aciswarm({"image", "export", store(), id, out.string()});
    EXPECT_EQ(exists.status.code, 1);
    EXPECT_NE(exists.err.find("--overwrite"), std::string::npos);

    auto cat = aciswarm({"image", "cat-manifest", store(), id});
    ASSERT_EQ(cat.status.code, 0) << cat.err;
    auto manifest = nlohmann::json::parse(cat.out);
    EXPECT_EQ(manifest["name"], "example.com/exp");
    EXPECT_EQ(manifest["acKind"], "ImageManifest");

    auto du = aciswarm({"image", "du", store(), "--json"});
    ASSERT_EQ(du.status.code, 0) << du.err;
    auto j = nlohmann::json::parse(du.out);
    EXPECT_EQ(j["images"], 1);
    EXPECT_EQ(j["blob_bytes"], fs::file_size(src));
    EXPECT_GT(j["index_bytes"].get<std::uint64_t>(), 0u);
    auto human = aciswarm({"image", "du", store()});
    EXPECT_NE(human.out.find("images      1"), std::string::npos) << human.out;
}

TEST_F(StoreCli, VerifyQuarantinesACorruptBlob) {
    const std::string good = import_ok(make("example.com/good"));
    const std::string bad = import_ok(make("example.com/bad"));
    auto ok = aciswarm({"image", "verify", store()});
    EXPECT_EQ(ok.status.code, 0) << ok.err;
    const std::string key = list_json()[0]["name"] == "example.com/bad"
                                ? list_json()[0]["key"].get<std::string>()
                                : list_json()[1]["key"].get<std::string>();
    const fs::path blob = root() / "blobs" / (key + ".aci");
    std::string bytes = read_file(blob);
    bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x10);
    write_file(blob, bytes);

    auto v = aciswarm({"image", "verify", store()});
    EXPECT_EQ(v.status.code, 1);
    EXPECT_NE(v.out.find("ok       " + good), std::string::npos) << v.out;
    EXPECT_NE(v.out.find("corrupt  " + bad), std::string::npos) << v.out;
    EXPECT_NE(v.err.find("1 ok, 1 corrupt"), std::string::npos) << v.err;
    EXPECT_EQ(count_files(root() / "quarantine"), 1u);
    EXPECT_FALSE(fs::exists(blob));
    ASSERT_EQ(list_json().size(), 1u);
    auto again = aciswarm({"image", "verify", store(), "--json"});
    EXPECT_EQ(again.status.code, 0);
    EXPECT_EQ(nlohmann::json::parse(again.out)["checked"], 1);
}

TEST_F(StoreCli, BadInputIsAClearErrorAndChangesNothing) {
    const std::string existing = import_ok(make("example.com/existing"));
    struct Bad {
        std::string file;
        std::string bytes;
        std::string expect;
    };
    AciSpec no_manifest;
    no_manifest.files.push_back({"rootfs/x", "x"});
    AciSpec huge;
    huge.manifest = std::string((1 << 20) + 10, ' ');
    AciSpec not_json;
    not_json.manifest = "{nope";
    AciSpec wrong_kind;
    wrong_kind.manifest = R"({"acKind":"PodManifest","acVersion":"0.8.11","name":"a"})";
    const std::string good_gz = build_aci(simple_aci("example.com/x", "", AciCompression::gzip));
    const std::vector<Bad> cases = {
        {"text.aci", "just text, no tar\n", "not a tar archive"},
        {"trunc.aci", good_gz.substr(0, good_gz.size() / 2), "corrupt gzip data"},
        {"nomanifest.aci", build_aci(no_manifest), "no manifest entry"},
        {"huge.aci", build_aci(huge), "over the limit"},
        {"notjson.aci", build_aci(not_json), "manifest: not valid JSON"},
        {"kind.aci", build_aci(wrong_kind), "acKind is 'PodManifest'"},
    };
    for (const auto& c : cases) {
        const fs::path p = dir_ / c.file;
        write_file(p, c.bytes);
        auto r = aciswarm({"import", store(), p.string()});
        EXPECT_EQ(r.status.code, 1) << c.file;
        EXPECT_NE(r.err.find(p.string() + ": "), std::string::npos) << r.err;
        EXPECT_NE(r.err.find(c.expect), std::string::npos) << c.file << ": " << r.err;
        EXPECT_TRUE(r.out.empty());
    }
    const fs::path labelled =
        make("example.com/app", "", AciCompression::bzip2, {{"version", "1.0"}});
    auto name = aciswarm({"import", store(), "--name=example.com/other", labelled.string()});
    EXPECT_EQ(name.status.code, 1);
    EXPECT_NE(name.err.find("does not match the requested 'example.com/other'"), std::string::npos)
        << name.err;
    auto label = aciswarm({"import", store(), "--label=version=2.0", labelled.string()});
    EXPECT_EQ(label.status.code, 1);
    EXPECT_NE(label.err.find("label 'version' is '1.0', requested '2.0'"), std::string::npos)
        << label.err;
    auto missing = aciswarm({"import", store(), (dir_ / "absent.aci").string()});
    EXPECT_EQ(missing.status.code, 1);
    EXPECT_NE(missing.err.find("absent.aci"), std::string::npos);

    auto list = list_json();
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0]["name"], "example.com/existing");
    EXPECT_EQ(count_files(root() / "blobs"), 1u);
    EXPECT_EQ(count_files(root() / "staging"), 0u);
    // And the right name + label do import.
    EXPECT_FALSE(import_ok(labelled, {"--name=example.com/app", "--label=version=1.0"}).empty());
}

// Issue 13 item 7 through the binary: --max-image-size bounds an import
// (uncompressed), and a manifest name with ESC is not echoed raw.
TEST_F(StoreCli, MaxImageSizeAndControlCharactersInErrors) {
    const fs::path big = make_big("big.aci", 256 * 1024);
    auto over = aciswarm({"import", store(), "--max-image-size=64k", big.string()});
    EXPECT_EQ(over.status.code, 1) << over.err;
    EXPECT_NE(over.err.find(big.string() + ": "), std::string::npos) << over.err;
    EXPECT_NE(over.err.find("over the limit of 65536 bytes (the maximum image size, "
                            "--max-image-size)"),
              std::string::npos)
        << over.err;
    EXPECT_EQ(count_files(root() / "staging"), 0u);
    EXPECT_EQ(count_files(root() / "blobs"), 0u);
    auto bad = aciswarm({"import", store(), "--max-image-size=lots", big.string()});
    EXPECT_EQ(bad.status.code, 1);
    EXPECT_NE(bad.err.find("--max-image-size: 'lots' is not a size"), std::string::npos) << bad.err;
    EXPECT_FALSE(import_ok(big, {"--max-image-size=1M"}).empty());

    AciSpec esc;
    esc.manifest =
        R"({"acKind":"ImageManifest","acVersion":"0.8.11","name":"example.com/\u001b[2Jx"})";
    const fs::path p = dir_ / "esc.aci";
    write_file(p, build_aci(esc));
    auto r = aciswarm({"import", store(), p.string()});
    EXPECT_EQ(r.status.code, 1);
    EXPECT_EQ(r.err.find('\x1b'), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("name 'example.com/\\x1b[2Jx' is not a valid AC Identifier"),
              std::string::npos)
        << r.err;
}

TEST_F(StoreCli, UsageErrors) {
    auto none = aciswarm({"import", store()});
    EXPECT_EQ(none.status.code, 2);
    auto unknown = aciswarm({"image", "list", store(), "--bogus"});
    EXPECT_EQ(unknown.status.code, 2);
    EXPECT_NE(unknown.err.find("--bogus"), std::string::npos);
    auto help = aciswarm({"image", "gc", "--help"});
    EXPECT_EQ(help.status.code, 0);
    EXPECT_NE(help.out.find("--older-than"), std::string::npos);
    auto root_is_file = aciswarm({"image", "list", "--store=/dev/null/store"});
    EXPECT_EQ(root_is_file.status.code, 1);
    EXPECT_NE(root_is_file.err.find("--store"), std::string::npos) << root_is_file.err;
}

TEST_F(StoreCli, NonRootDefaultsToXdgDataHome) {
    // Runs as root in CI; the per-user default is exercised through a child
    // that drops to nobody only when we are root.
    if (::getuid() != 0) GTEST_SKIP() << "needs root to switch user";
    const fs::path xdg = dir_ / "xdg";
    fs::create_directories(xdg);
    fs::permissions(dir_.path(), fs::perms::all);
    fs::permissions(xdg, fs::perms::all);
    fs::permissions(make("example.com/mine"), fs::perms::all);
    auto r = run({"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", bin("aciswarm"),
                  "import", insecure_image, (dir_ / "mine.aci").string()},
                 SpawnOptions{{{"XDG_DATA_HOME", xdg.string()}}, {}, "", ""});
    ASSERT_EQ(r.status.code, 0) << r.err;
    EXPECT_TRUE(fs::exists(xdg / "aciswarm" / "index.db"));
    EXPECT_EQ(count_files(xdg / "aciswarm" / "blobs"), 1u);
}

// A root-owned 0755 store read by another user: the commands that only read
// need only read access (no open.lock, no -shm, no staging cleanup).
TEST_F(StoreCli, ReadOnlyCommandsWorkForAUserWhoCannotWriteTheStore) {
    if (::getuid() != 0) GTEST_SKIP() << "needs root to switch user";
    const std::string id =
        import_ok(make("example.com/shared", "", AciCompression::gzip, {{"version", "3"}}));
    fs::permissions(dir_.path(), fs::perms::owner_all | fs::perms::group_read |
                                     fs::perms::group_exec | fs::perms::others_read |
                                     fs::perms::others_exec);
    const auto world_readable = fs::perms::owner_read | fs::perms::owner_write |
                                fs::perms::group_read | fs::perms::others_read;
    const auto world_listable =
        world_readable | fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec;
    for (const auto& e : fs::recursive_directory_iterator(root())) {
        fs::permissions(e.path(), e.is_directory() ? world_listable : world_readable);
    }
    fs::permissions(root(), world_listable);
    ASSERT_FALSE(fs::exists(root() / "index.db-wal")) << "the importer closed the index";
    std::vector<std::string> before;
    for (const auto& e : fs::recursive_directory_iterator(root()))
        before.push_back(e.path().string());

    auto as_nobody = [&](std::vector<std::string> args) {
        std::vector<std::string> argv = {"setpriv", "--reuid=65534", "--regid=65534",
                                         "--clear-groups", bin("aciswarm")};
        argv.insert(argv.end(), args.begin(), args.end());
        return run(argv);
    };
    auto list = as_nobody({"image", "list", store()});
    ASSERT_EQ(list.status.code, 0) << list.err;
    EXPECT_NE(list.out.find(id + "  example.com/shared"), std::string::npos) << list.out;
    auto json = as_nobody({"image", "list", "--json", store()});
    ASSERT_EQ(json.status.code, 0) << json.err;
    EXPECT_EQ(nlohmann::json::parse(json.out)[0]["labels"]["version"], "3");
    auto manifest = as_nobody({"image", "cat-manifest", store(), id});
    ASSERT_EQ(manifest.status.code, 0) << manifest.err;
    EXPECT_NE(manifest.out.find("example.com/shared"), std::string::npos);
    auto du = as_nobody({"image", "du", store()});
    ASSERT_EQ(du.status.code, 0) << du.err;
    EXPECT_NE(du.out.find("images      1"), std::string::npos) << du.out;

    // Writing still needs write access, and says so.
    auto rm = as_nobody({"image", "rm", store(), id});
    EXPECT_NE(rm.status.code, 0);
    EXPECT_NE(rm.err.find(root().string()), std::string::npos) << rm.err;

    std::vector<std::string> after;
    for (const auto& e : fs::recursive_directory_iterator(root()))
        after.push_back(e.path().string());
    EXPECT_EQ(after, before) << "a reader created or removed files in the store";
    EXPECT_EQ(list_json().size(), 1u);
}

// Two processes importing the same image at the same time: one entry.
TEST_F(StoreCli, ConcurrentImportsOfTheSameImageEndAsOneEntry) {
    const fs::path big = make_big("big.aci", 3 << 20);
    std::vector<Process> procs;
    for (int i = 0; i < 2; ++i)
        procs.push_back(
            Process::spawn({bin("aciswarm"), "import", insecure_image, store(), big.string()}));
    std::vector<std::string> ids;
    for (auto& p : procs) {
        auto st = p.wait(60s);
        ASSERT_TRUE(st);
        EXPECT_EQ(st->code, 0) << p.stderr_text();
        ids.push_back(p.stdout_text());
    }
    EXPECT_EQ(ids[0], ids[1]);
    EXPECT_EQ(list_json().size(), 1u);
    EXPECT_EQ(count_files(root() / "blobs"), 1u);
    EXPECT_EQ(count_files(root() / "staging"), 0u);
}

// Waits until the child announced `point` and stopped itself there.
void wait_stopped_at(Process& p, const std::string& point) {
    auto m = p.wait_for_stderr(std::regex("paused at " + point), 30s);
    ASSERT_TRUE(m) << "never reached " << point << ": " << p.stderr_text();
    int st = 0;
    ASSERT_EQ(::waitpid(p.pid(), &st, WUNTRACED), p.pid());
    ASSERT_TRUE(WIFSTOPPED(st)) << "exited instead of stopping at " << point;
}

// Deterministic interleaving: A validated and synced its copy, B imports the
// same image completely, then A commits: both succeed, one entry.
TEST_F(StoreCli, InterleavedImportsOfTheSameImage) {
    const fs::path aci = make("example.com/inter");
    SpawnOptions pause;
    pause.env["ACISWARM_TEST_PAUSE_AT"] = "synced";
    Process a =
        Process::spawn({bin("aciswarm"), "import", insecure_image, store(), aci.string()}, pause);
    wait_stopped_at(a, "synced");
    const std::string id_b = import_ok(aci);
    a.signal(SIGCONT);
    auto st = a.wait(30s);
    ASSERT_TRUE(st);
    EXPECT_EQ(st->code, 0) << a.stderr_text();
    EXPECT_EQ(a.stdout_text(), id_b + "\n");
    EXPECT_EQ(list_json().size(), 1u);
    EXPECT_EQ(count_files(root() / "blobs"), 1u);
    EXPECT_EQ(count_files(root() / "staging"), 0u);
}

struct KillCase {
    const char* point;
    bool committed;  // the image is in the store afterwards
};
// gtest (and so the ctest test name) shows the case, not a byte dump of the struct.
void PrintTo(const KillCase& c, std::ostream* os) {
    *os << c.point << (c.committed ? " (committed)" : " (rolled back)");
}

class KillDuringImport : public StoreCli, public ::testing::WithParamInterface<KillCase> {};

TEST_P(KillDuringImport, LeavesNoPartialImageAndNoOrphanRow) {
    const KillCase c = GetParam();
    const std::string existing = import_ok(make("example.com/existing"));
    const fs::path big = make_big("big.aci", 1 << 20);  // many chunks: "copying" is mid-copy
    SpawnOptions pause;
    pause.env["ACISWARM_TEST_PAUSE_AT"] = c.point;
    Process p =
        Process::spawn({bin("aciswarm"), "import", insecure_image, store(), big.string()}, pause);
    wait_stopped_at(p, c.point);
    // What the crash leaves behind before recovery, per point.
    const std::string point = c.point;
    if (point == "copying" || point == "staged" || point == "synced") {
        EXPECT_EQ(count_files(root() / "staging"), 1u);
    }
    if (point == "renamed") {
        EXPECT_EQ(count_files(root() / "blobs"), 2u) << "blob in place, row not committed";
    }
    p.signal(SIGKILL);
    auto st = p.wait(10s);
    ASSERT_TRUE(st);
    EXPECT_EQ(st->signal, SIGKILL);

    // The next run that opens the store for writing recovers: staging cleaned,
    // no orphan blob, no orphan row (read-only commands such as image list
    // leave the store as they find it).
    auto v = aciswarm({"image", "verify", store()});
    EXPECT_EQ(v.status.code, 0) << v.out << v.err;
    auto list = list_json();
    EXPECT_EQ(list.size(), c.committed ? 2u : 1u) << list.dump();
    EXPECT_EQ(count_files(root() / "staging"), 0u);
    EXPECT_EQ(count_files(root() / "blobs"), list.size());
    // And importing again works and ends as one entry.
    import_ok(big);
    EXPECT_EQ(list_json().size(), 2u);
}

INSTANTIATE_TEST_SUITE_P(Points, KillDuringImport,
                         ::testing::Values(KillCase{"copying", false}, KillCase{"staged", false},
                                           KillCase{"synced", false}, KillCase{"renamed", false},
                                           KillCase{"committed", true}),
                         [](const auto& param_info) {
                             return std::string(param_info.param.point);
                         });

TEST_F(StoreCli, KillDuringRemoveKeepsTheImageWhole) {
    const std::string id = import_ok(make("example.com/keep"));
    SpawnOptions pause;
    pause.env["ACISWARM_TEST_PAUSE_AT"] = "row-deleted";
    Process p = Process::spawn({bin("aciswarm"), "image", "rm", store(), id}, pause);
    wait_stopped_at(p, "row-deleted");
    p.signal(SIGKILL);
    ASSERT_TRUE(p.wait(10s));
    auto list = list_json();
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(count_files(root() / "blobs"), 1u);
    EXPECT_EQ(aciswarm({"image", "verify", store()}).status.code, 0);
}

// A full disk mid-copy: a clear error naming the file, the store as before.
// The store lives on a 1 MiB tmpfs in a private mount namespace (needs root).
TEST_F(StoreCli, DiskFullLeavesStoreAsBefore) {
    if (::getuid() != 0) GTEST_SKIP() << "needs root for a private tmpfs";
    const fs::path small = make("example.com/small");
    const fs::path big = make_big("big.aci", 2 << 20);
    const fs::path mnt = dir_ / "mnt";
    fs::create_directories(mnt);
    const std::string a = bin("aciswarm");
    const std::string s = "--store=" + (mnt / "store").string();
    const std::string unsigned_ok = std::string("' '") + insecure_image;
    const std::string script =
        "mount -t tmpfs -o size=1m tmpfs '" + mnt.string() + "' || exit 99\n" + "'" + a +
        "' import '" + s + unsigned_ok + "' '" + small.string() + "' || exit 98\n" + "'" + a +
        "' import '" + s + unsigned_ok + "' '" + big.string() + "'; echo \"big-rc=$?\"\n" + "'" +
        a + "' image list '" + s + "' --json > '" + (dir_ / "list.json").string() + "'\n" +
        "echo staging=$(ls '" + (mnt / "store/staging").string() + "' | wc -l)\n" +
        "echo blobs=$(ls '" + (mnt / "store/blobs").string() + "' | wc -l)\n";
    auto r = run({"unshare", "-m", "sh", "-c", script});
    ASSERT_EQ(r.status.code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("big-rc=1"), std::string::npos) << r.out << r.err;
    EXPECT_NE(r.err.find(big.string()), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("No space left on device"), std::string::npos) << r.err;
    EXPECT_NE(r.out.find("staging=0"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("blobs=1"), std::string::npos) << r.out;
    auto list = nlohmann::json::parse(read_file(dir_ / "list.json"));
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0]["name"], "example.com/small");
}

}  // namespace
}  // namespace aciswarm::test
