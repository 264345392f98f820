// `aciswarm trust`, import, fetch, publish --sign-key and the daemon against
// keys and signatures made by real GnuPG.
#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/integration/daemon/daemon_process.hpp"
#include "tests/support/aci_builder.hpp"
#include "tests/support/gpg.hpp"
#include "tests/support/nginx.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace aciswarm::test {
namespace {

namespace fs = std::filesystem;

class TrustCli : public ::testing::Test {
  protected:
    void SetUp() override {
        image = write_aci(dir / "app-1.0.aci", simple_aci("example.com/app", "1"));
        fpr = gpg.gen_key("App Signer <app@example.com>");
        test::write_file(dir / "pub.asc", gpg.export_public(fpr));
    }
    RunResult aciswarm(std::vector<std::string> args) {
        args.insert(args.begin(), bin("aciswarm"));
        return run(args);
    }
    std::string store() const { return "--store=" + (dir / "store").string(); }
    std::string trust_dir() const { return "--trust-dir=" + (dir / "trusted").string(); }
    std::string lower_fpr() const {
        std::string s = fpr;
        for (char& c : s)
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return s;
    }

    TempDir dir;
    GpgHome gpg;
    fs::path image;
    std::string fpr;
};

TEST_F(TrustCli, ImportRefusesUnsignedAndUntrustedWithExitCode3) {
    auto unsigned_r = aciswarm({"import", store(), trust_dir(), image.string()});
    EXPECT_EQ(unsigned_r.status.code, 3) << unsigned_r.err;
    EXPECT_NE(unsigned_r.err.find("image example.com/app: no signature"), std::string::npos)
        << unsigned_r.err;

    test::write_file(image.string() + ".asc", gpg.sign(image, fpr));
    auto untrusted = aciswarm({"import", store(), trust_dir(), image.string()});
    EXPECT_EQ(untrusted.status.code, 3) << untrusted.err;
    EXPECT_NE(untrusted.err.find(fpr.substr(0, 4)), std::string::npos) << untrusted.err;
    auto list = aciswarm({"image", "list", store(), "--json"});
    EXPECT_EQ(nlohmann::json::parse(list.out).size(), 0u) << "nothing imported";

    auto trust =
        aciswarm({"trust", trust_dir(), "--prefix=example.com/app", (dir / "pub.asc").string()});
    ASSERT_EQ(trust.status.code, 0) << trust.err;
    EXPECT_EQ(trust.out, lower_fpr() + "\n");
    EXPECT_TRUE(fs::exists(dir / "trusted/prefix.d/example.com/app" / lower_fpr()));

    auto ok = aciswarm({"import", store(), trust_dir(), image.string()});
    ASSERT_EQ(ok.status.code, 0) << ok.err;
    auto json = nlohmann::json::parse(aciswarm({"image", "list", store(), "--json"}).out);
    ASSERT_EQ(json.size(), 1u);
    EXPECT_EQ(json[0]["verified_by"], lower_fpr());
    auto table = aciswarm({"image", "list", store()});
    EXPECT_NE(table.out.find(lower_fpr().substr(24)), std::string::npos) << table.out;

    auto rm = aciswarm({"trust", "rm", trust_dir(), fpr});
    ASSERT_EQ(rm.status.code, 0) << rm.err;
    EXPECT_EQ(aciswarm({"trust", "list", trust_dir()}).out.find(lower_fpr()), std::string::npos);
}

TEST_F(TrustCli, TamperedImageIsRefusedAndInsecureSkipsWithWarning) {
    ASSERT_EQ(aciswarm({"trust", trust_dir(), "--root", (dir / "pub.asc").string()}).status.code,
              0);
    // Uncompressed, so one flipped byte in a file's data is still a valid ACI.
    const fs::path tar =
        write_aci(dir / "tar.aci", simple_aci("example.com/app", "4", AciCompression::none));
    const std::string sig = gpg.sign(tar, fpr);
    std::string bytes = test::read_file(tar);
    const auto at = bytes.find("hello from example.com/app 4");
    ASSERT_NE(at, std::string::npos);
    bytes[at] = 'j';  // one byte
    const fs::path tampered = dir / "tampered.aci";
    test::write_file(tampered, bytes);
    test::write_file(tampered.string() + ".asc", sig);
    auto r = aciswarm({"import", store(), trust_dir(), tampered.string()});
    EXPECT_EQ(r.status.code, 3) << r.err;
    EXPECT_NE(r.err.find("bad signature"), std::string::npos) << r.err;
    EXPECT_EQ(nlohmann::json::parse(aciswarm({"image", "list", store(), "--json"}).out).size(), 0u);
    const fs::path plain = write_aci(dir / "plain.aci", simple_aci("example.com/plain", "2"));
    auto insecure =
        aciswarm({"import", store(), trust_dir(), "--insecure-options=image", plain.string()});
    ASSERT_EQ(insecure.status.code, 0) << insecure.err;
    EXPECT_NE(insecure.err.find("not checked"), std::string::npos) << insecure.err;
}

TEST_F(TrustCli, FetchOfLocalFileVerifiesTheAscBesideIt) {
    ASSERT_EQ(aciswarm({"trust", trust_dir(), "--prefix=example.com", (dir / "pub.asc").string()})
                  .status.code,
              0);
    auto refused =
        aciswarm({"fetch", "--no-daemon", "--no-progress", store(), trust_dir(), image.string()});
    EXPECT_EQ(refused.status.code, 3) << refused.err;
    test::write_file(image.string() + ".asc", gpg.sign(image, fpr));
    auto ok =
        aciswarm({"fetch", "--no-daemon", "--no-progress", store(), trust_dir(), image.string()});
    ASSERT_EQ(ok.status.code, 0) << ok.err;
}

TEST_F(TrustCli, PublishSignKeyWritesAscAndPubkeysTagThatVerify) {
    const std::string secret_fpr = gpg.gen_key_with_passphrase("Pub <pub@example.com>", "pw");
    test::write_file(dir / "secret.asc", gpg.export_secret(secret_fpr, "pw"));
    test::write_file(dir / "pass", "pw\n");
    const fs::path labelled = write_aci(
        dir / "hello.aci", simple_aci("example.com/hello", "3", AciCompression::gzip,
                                      {{"version", "1.0"}, {"os", "linux"}, {"arch", "amd64"}}));
    auto pub = aciswarm({"publish", labelled.string(), "--tracker=http://127.0.0.1:1/announce",
                         "--webseed-base=https://example.com/", "--out=" + (dir / "reg").string(),
                         "--sign-key=" + (dir / "secret.asc").string(),
                         "--passphrase-file=" + (dir / "pass").string()});
    ASSERT_EQ(pub.status.code, 0) << pub.err;
    const fs::path aci = dir / "reg/linux/amd64/example.com/hello-1.0.aci";
    ASSERT_TRUE(fs::exists(aci.string() + ".asc"));
    std::string lower = secret_fpr;
    for (char& c : lower)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const fs::path key = dir / "reg/pubkeys" / (lower + ".asc");
    ASSERT_TRUE(fs::exists(key));
    const std::string html = test::read_file(dir / "reg/index.html");
    EXPECT_NE(html.find("ac-discovery-pubkeys\" content=\"example.com/hello "
                        "https://example.com/pubkeys/" +
                        lower + ".asc"),
              std::string::npos)
        << html;
    EXPECT_EQ(gpg.verify(aci.string() + ".asc", aci), 0) << "gpg accepts RNP's signature";
    ASSERT_EQ(
        aciswarm({"trust", trust_dir(), "--prefix=example.com/hello", key.string()}).status.code,
        0);
    auto ok = aciswarm({"import", store(), trust_dir(), aci.string()});
    EXPECT_EQ(ok.status.code, 0) << ok.err;
    auto bad = aciswarm({"publish", labelled.string(), "--tracker=http://127.0.0.1:1/announce",
                         "--webseed-base=https://example.com/", "--out=" + (dir / "reg2").string(),
                         "--sign-key=" + (dir / "secret.asc").string()});
    EXPECT_NE(bad.status.code, 0) << "no passphrase for a protected key";
    EXPECT_NE(bad.err.find("passphrase"), std::string::npos) << bad.err;
}

TEST_F(TrustCli, DaemonRefusesAnUnsignedImage) {
    DaemonDirs d{dir / "daemon"};
    fs::create_directories(d.root);
    Process daemon =
        start_daemon(d, {"--insecure-options=none", "--trust-dir=" + (dir / "trusted").string()});
    ASSERT_GT(wait_daemon_ready(daemon), 0) << daemon.stderr_text();
    const auto refused = api_call(d, {{"op", "fetch"}, {"source", image.string()}}, nullptr, 30s);
    EXPECT_FALSE(refused.value("ok", true)) << refused.dump();
    EXPECT_NE(refused.dump().find("no signature"), std::string::npos) << refused.dump();

    EXPECT_EQ(refused.value("code", ""), "untrusted") << refused.dump();
    // `aciswarm fetch` through the daemon exits as the in-process fetch does on a
    // trust refusal: 3, not 1 (docs/trust.md).
    auto cli =
        aciswarm({"fetch", "--no-progress", "--socket=" + d.socket().string(), image.string()});
    EXPECT_EQ(cli.status.code, 3) << cli.err;
    EXPECT_NE(cli.err.find("through the daemon"), std::string::npos) << cli.err;
    EXPECT_NE(cli.err.find("no signature"), std::string::npos) << cli.err;
    // Nothing entered the daemon's store.
    const auto status = api_call(d, {{"op", "status"}});
    EXPECT_EQ(status["daemon"]["images"], 0) << status.dump();
}

// Issue 18: a local .aci fetched through the daemon carries its signature (the
// .asc beside it, or --signature), read by the client as `aciswarm import` does.
TEST_F(TrustCli, DaemonFetchOfALocalAciCarriesItsSignature) {
    ASSERT_EQ(
        aciswarm({"trust", trust_dir(), "--prefix=example.com/app", (dir / "pub.asc").string()})
            .status.code,
        0);
    DaemonDirs d{dir / "daemon"};
    fs::create_directories(d.root);
    Process daemon =
        start_daemon(d, {"--insecure-options=none", "--trust-dir=" + (dir / "trusted").string()});
    ASSERT_GT(wait_daemon_ready(daemon), 0) << daemon.stderr_text();
    const std::string socket = "--socket=" + d.socket().string();

    test::write_file(image.string() + ".asc", gpg.sign(image, fpr));
    auto beside = aciswarm({"fetch", "--no-progress", socket, image.string()});
    EXPECT_EQ(beside.status.code, 0) << beside.err << daemon.stderr_text();
    EXPECT_NE(beside.err.find("through the daemon"), std::string::npos) << beside.err;

    const fs::path other = write_aci(dir / "app-2.0.aci", simple_aci("example.com/app", "2"));
    test::write_file(dir / "elsewhere.asc", gpg.sign(other, fpr));
    auto given = aciswarm({"fetch", "--no-progress", socket,
                           "--signature=" + (dir / "elsewhere.asc").string(), other.string()});
    EXPECT_EQ(given.status.code, 0) << given.err << daemon.stderr_text();
    EXPECT_NE(given.err.find("through the daemon"), std::string::npos) << given.err;

    const auto status = api_call(d, {{"op", "status"}});
    EXPECT_EQ(status["daemon"]["images"], 2) << status.dump();
}

// --- key discovery over HTTPS, answered through a pseudo-terminal

struct PtyRun {
    int code = -1;
    std::string output;
};

// Runs argv on a new pseudo-terminal; writes `answer` once `prompt` appears.
PtyRun run_on_pty(const std::vector<std::string>& argv, const std::string& prompt,
                  const std::string& answer) {
    int master = -1;
    const pid_t pid = forkpty(&master, nullptr, nullptr, nullptr);
    if (pid == 0) {
        exec_in_child(argv);
    }
    PtyRun out;
    bool answered = false;
    for (int rounds = 0; rounds < 600; ++rounds) {  // bounded: 600 × 100 ms
        pollfd p{master, POLLIN, 0};
        if (::poll(&p, 1, 100) > 0) {
            char buf[4096];
            const ssize_t n = ::read(master, buf, sizeof buf);
            if (n <= 0) break;  // EIO once the child closed the terminal
            out.output.append(buf, static_cast<std::size_t>(n));
        }
        if (!answered && out.output.find(prompt) != std::string::npos) {
            answered = true;
            const std::string line = answer + "\n";
            if (::write(master, line.data(), line.size()) < 0) break;
        }
    }
    int status = 0;
    ::kill(pid, SIGKILL);  // no-op when it already exited
    ::waitpid(pid, &status, 0);
    ::close(master);
    out.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return out;
}

class TrustDiscovery : public TrustCli {
  protected:
    void SetUp() override {
        TrustCli::SetUp();
        if (::geteuid() != 0) GTEST_SKIP() << "needs root (ip netns)";
        ASSERT_EQ(make_test_ca(dir.path(), {"DNS:keys.test"}, ca), "");
        ASSERT_EQ(ns.create("127.0.0.1 keys.test\n"), "");
        test::write_file(dir / "site/pubkey.asc", gpg.export_public(fpr));
        test::write_file(dir / "site/index.html",
                         "<!DOCTYPE html><html><head><meta name=\"ac-discovery-pubkeys\" "
                         "content=\"keys.test/app https://keys.test/pubkey.asc\"></head>"
                         "<body></body></html>\n");
        const std::string servers =
            tls_server_block("127.0.0.1:443", "keys.test", ca, dir / "site",
                             "    location / { try_files $uri /index.html; }\n");
        ASSERT_EQ(nginx.start(dir / "nginx", servers, &ns), "");
    }
    std::vector<std::string> trust_argv(std::vector<std::string> extra) {
        std::vector<std::string> argv =
            ns.exec({bin("aciswarm"), "trust", trust_dir(), "--ca-file=" + ca.ca_cert.string(),
                     "--prefix=keys.test/app"});
        argv.insert(argv.end(), extra.begin(), extra.end());
        return argv;
    }

    TestCa ca;
    NetNs ns{"acist-" + std::to_string(::getpid())};
    Nginx nginx;
};

TEST_F(TrustDiscovery, PromptAnsweredYesTrustsNoRefuses) {
    const std::string prompt = "Are you sure you want to trust this key (yes/no)?";
    auto no = run_on_pty(trust_argv({}), prompt, "no");
    EXPECT_NE(no.code, 0) << no.output;
    EXPECT_NE(no.output.find("App Signer <app@example.com>"), std::string::npos) << no.output;
    EXPECT_FALSE(fs::exists(dir / "trusted/prefix.d/keys.test/app" / lower_fpr()));

    auto yes = run_on_pty(trust_argv({}), prompt, "yes");
    ASSERT_EQ(yes.code, 0) << yes.output;
    EXPECT_NE(yes.output.find("https://keys.test/pubkey.asc"), std::string::npos) << yes.output;
    EXPECT_TRUE(fs::exists(dir / "trusted/prefix.d/keys.test/app" / lower_fpr()));
}

TEST_F(TrustDiscovery, WithoutTerminalNeedsSkipFingerprintReview) {
    auto refused = run(trust_argv({}));
    EXPECT_NE(refused.status.code, 0) << refused.err;
    EXPECT_NE(refused.err.find("--skip-fingerprint-review"), std::string::npos) << refused.err;
    EXPECT_FALSE(fs::exists(dir / "trusted/prefix.d/keys.test/app" / lower_fpr()));
    auto skipped = run(trust_argv({"--skip-fingerprint-review"}));
    ASSERT_EQ(skipped.status.code, 0) << skipped.err;
    EXPECT_EQ(skipped.out, lower_fpr() + "\n");
    EXPECT_TRUE(fs::exists(dir / "trusted/prefix.d/keys.test/app" / lower_fpr()));
}

}  // namespace
}  // namespace aciswarm::test
