// `aciswarm discover` against real nginx over HTTPS, inside a private network
// namespace: walk-up on 404, redirects (followed, bounded, no downgrade),
// insecure http with and without the option, TLS checks, an oversized page,
// templates needing a missing label, resolve failures, JSON and table output.
//
// Each test process builds its own world: a CA and server certificate
// (openssl), a namespace "acisd-<pid>" with lo up and /etc/netns/<ns>/hosts
// naming example.test (127.0.0.1) and plain.test (127.0.0.2), and nginx started
// with its own config, pid file and temp dirs. Everything is removed in
// TearDownTestSuite, also when a test fails.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/nginx.hpp"
#include "tests/support/process.hpp"
#include "tests/support/shared_world.hpp"
#include "tests/support/temp_dir.hpp"

namespace aciswarm::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string meta(std::string_view name, std::string_view content) {
    return "<meta name=\"" + std::string(name) + "\" content=\"" + std::string(content) + "\">\n";
}

std::string page(const std::string& metas) {
    return "<!DOCTYPE html>\n<html><head><title>discovery</title>\n" + metas +
           "</head><body><p>aciswarm test registry</p></body></html>\n";
}

// Owns every resource one test process creates; the members' destructors undo them
// in reverse (nginx, then the namespace, then the directory).
class World {
  public:
    World() : ns_("acisd-" + std::to_string(::getpid())) {}

    // Returns "" or what failed.
    std::string setup() {
        if (::geteuid() != 0) return "needs root (ip netns)";
        if (auto e = make_test_ca(dir_.path(), {"DNS:example.test"}, ca_); !e.empty()) return e;
        write_site();
        // Any name not in hosts is looked up on the namespace's own loopback: refused at once.
        if (auto e = ns_.create("127.0.0.1 example.test\n127.0.0.2 plain.test\n"); !e.empty()) {
            return e;
        }
        return nginx_.start(dir_ / "nginx", servers(), &ns_);
    }

    RunResult discover(std::vector<std::string> args, bool with_ca = true) {
        std::vector<std::string> argv = ns_.exec({bin("aciswarm"), "discover"});
        if (with_ca) argv.push_back("--ca-file=" + ca_.ca_cert.string());
        argv.insert(argv.end(), args.begin(), args.end());
        SpawnOptions options;
        // Only what the test passes decides which CAs are trusted.
        options.unset_env = {"SSL_CERT_FILE", "SSL_CERT_DIR", "CURL_CA_BUNDLE"};
        return run(argv, options, 30s);
    }

  private:
    void write_site() {
        const fs::path www = dir_ / "www";
        // Host level: public keys for everything, images only for example.test/hostonly.
        write_file(
            www / "index.html",
            page(meta("ac-discovery-pubkeys", "example.test https://example.test/keys.gpg") +
                 meta("ac-discovery",
                      "example.test/hostonly https://example.test/h/{name}-{version}.{ext}")));
        // example.test/walk: upper-case, unquoted and single-quoted attributes, as real pages have.
        write_file(www / "walk" / "index.html",
                   "<html><head><META NAME=AC-Discovery CONTENT='example.test/walk "
                   "https://example.test/store/{os}/{arch}/{name}-{version}.{ext}'>\n"
                   "<meta name=ac-discovery content=\"example.test/walk "
                   "magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567&amp;dn={name}-{"
                   "version}-{os}-{arch}\">"
                   "</head><body>walk</body></html>");
        write_file(www / "walk" / "other.html", "not a discovery level");
        write_file(
            www / "target" / "page.html",
            page(meta("ac-discovery",
                      "example.test/moved https://example.test/store/{name}-{version}.{ext}")));
        // A valid page made too large by padding: 2 MiB against the 1 MiB cap.
        write_file(
            www / "big" / "app",
            page(meta("ac-discovery", "example.test/big https://example.test/store/{name}.{ext}")) +
                "<!--" + std::string(2 * 1024 * 1024, 'x') + "-->");
        write_file(www / "needs" / "app",
                   page(meta("ac-discovery",
                             "example.test/needs "
                             "https://example.test/store/{channel}/{name}-{version}.{ext}") +
                        meta("ac-discovery",
                             "example.test/needs "
                             "https://example.test/mirror/{channel}/{name}.{ext}.torrent")));
        write_file(
            dir_ / "plain" / "app",
            page(meta("ac-discovery", "plain.test http://plain.test/store/{name}-{version}.{ext}") +
                 meta("ac-discovery",
                      "example.test/downgrade "
                      "http://plain.test/store/{name}-{version}.{ext}")));
    }

    std::string servers() const {
        return "  default_type text/html;\n" +
               tls_server_block("127.0.0.1:443", "example.test", ca_, dir_ / "www",
                                "    add_header Cache-Control \"public, max-age=120\";\n"
                                "    location / { try_files $uri $uri/index.html =404; }\n"
                                "    location = /moved/app { return 302 "
                                "https://example.test/target/page.html$is_args$args; }\n"
                                "    location = /loop/app { return 302 "
                                "https://example.test/loop/app$is_args$args; }\n"
                                "    location = /downgrade/app { return 302 "
                                "http://plain.test/app$is_args$args; }\n") +
               "  server {\n"
               "    listen 127.0.0.2:80;\n    server_name plain.test;\n"
               "    root " +
               (dir_ / "plain").string() +
               ";\n"
               "    location / { try_files $uri =404; }\n"
               "  }\n";
    }

    TempDir dir_;
    TestCa ca_;
    NetNs ns_;
    Nginx nginx_;
};

class DiscoverCli : public SharedWorldTest<World> {
  protected:
    static RunResult discover(std::vector<std::string> args, bool with_ca = true) {
        return world_->discover(std::move(args), with_ca);
    }
    // `aciswarm discover ARGS` fails (exit 1) with `says` in its error output.
    static RunResult discover_fails_saying(std::vector<std::string> args, const std::string& says,
                                           bool with_ca = true) {
        auto r = discover(std::move(args), with_ca);
        EXPECT_EQ(r.status.code, 1) << r.err;
        EXPECT_NE(r.err.find(says), std::string::npos) << r.err;
        return r;
    }
    static json discover_json(std::vector<std::string> args) {
        args.push_back("--json");
        auto r = discover(std::move(args));
        EXPECT_EQ(r.status.code, 0) << r.err;
        auto parsed = json::parse(r.out, nullptr, false);
        EXPECT_FALSE(parsed.is_discarded()) << r.out;
        return parsed.is_discarded() ? json::object() : parsed;
    }
};

bool has_attempt(const json& result, const std::string& url, const std::string& outcome_prefix) {
    for (const auto& a : result["attempts"]) {
        if (a["url"] == url && a["outcome"].get<std::string>().rfind(outcome_prefix, 0) == 0) {
            return true;
        }
    }
    return false;
}

TEST_F(DiscoverCli, WalksUpOn404AndFindsPubkeysSeparately) {
    const json r = discover_json({"example.test/walk/deep/app:1.0,os=linux,arch=amd64"});
    ASSERT_EQ(r["images"].size(), 1u) << r.dump(2);
    EXPECT_EQ(r["images"][0]["url"],
              "https://example.test/store/linux/amd64/example.test/walk/deep/app-1.0.aci");
    EXPECT_EQ(r["images"][0]["page"], "https://example.test/walk?ac-discovery=1");
    EXPECT_EQ(r["signatures"][0]["url"],
              "https://example.test/store/linux/amd64/example.test/walk/deep/app-1.0.aci.asc");
    EXPECT_EQ(r["torrents"][0]["url"],
              "https://example.test/store/linux/amd64/example.test/walk/deep/app-1.0.torrent");
    ASSERT_EQ(r["magnets"].size(), 2u);
    // Document order: the https template comes first on the page, the magnet URI second.
    EXPECT_EQ(r["magnets"][0]["url"],
              "https://example.test/store/linux/amd64/example.test/walk/deep/app-1.0.magnet");
    EXPECT_EQ(r["magnets"][1]["url"],
              "magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567&dn=example.test/"
              "walk/deep/app-1.0-linux-amd64");
    EXPECT_TRUE(has_attempt(r, "https://example.test/walk/deep/app?ac-discovery=1", "HTTP 404"))
        << r.dump(2);
    EXPECT_TRUE(has_attempt(r, "https://example.test/walk/deep?ac-discovery=1", "HTTP 404"));
    // The keys live on the host page only: the pubkeys walk went further up on its own.
    ASSERT_EQ(r["pubkeys"].size(), 1u);
    EXPECT_EQ(r["pubkeys"][0]["url"], "https://example.test/keys.gpg");
    EXPECT_EQ(r["pubkeys"][0]["page"], "https://example.test/?ac-discovery=1");
    // Cache headers of both pages: nginx's max-age and its ETag for static files.
    ASSERT_EQ(r["pages"].size(), 2u);
    for (const auto& p : r["pages"]) {
        EXPECT_EQ(p["max_age"], 120) << p.dump();
        EXPECT_TRUE(p["etag"].is_string()) << p.dump();
    }
}

TEST_F(DiscoverCli, WalksUpToTheHost) {
    const json r = discover_json({"example.test/hostonly/app"});
    ASSERT_EQ(r["images"].size(), 1u) << r.dump(2);
    EXPECT_EQ(r["images"][0]["url"], "https://example.test/h/example.test/hostonly/app-latest.aci");
    EXPECT_EQ(r["images"][0]["page"], "https://example.test/?ac-discovery=1");
    EXPECT_EQ(r["labels"]["version"], "latest");
    EXPECT_TRUE(r["labels"]["os"].is_string());
    EXPECT_TRUE(r["labels"]["arch"].is_string());
}

TEST_F(DiscoverCli, FollowsRedirects) {
    const json r = discover_json({"example.test/moved/app:2.0"});
    ASSERT_EQ(r["images"].size(), 1u) << r.dump(2);
    EXPECT_EQ(r["images"][0]["url"], "https://example.test/store/example.test/moved/app-2.0.aci");
    EXPECT_EQ(r["images"][0]["page"], "https://example.test/target/page.html?ac-discovery=1");
}

TEST_F(DiscoverCli, RedirectLoopIsBounded) {
    discover_fails_saying({"example.test/loop/app"},
                          "https://example.test/loop/app?ac-discovery=1: redirect");
}

TEST_F(DiscoverCli, RedirectToHttpRefusedWithoutInsecureOption) {
    discover_fails_saying({"example.test/downgrade/app"},
                          "https://example.test/downgrade/app?ac-discovery=1: scheme refused");
    const json ok = discover_json({"example.test/downgrade/app:3", "--insecure-options=http"});
    ASSERT_EQ(ok["images"].size(), 1u) << ok.dump(2);
    EXPECT_EQ(ok["images"][0]["page"], "http://plain.test/app?ac-discovery=1");
}

TEST_F(DiscoverCli, InsecureHttpOnlyWithTheOption) {
    auto refused =
        discover_fails_saying({"plain.test/app"}, "https://plain.test/app?ac-discovery=1: connect");
    EXPECT_TRUE(refused.out.empty());

    const json r = discover_json({"plain.test/app:1.5", "--insecure-options=http"});
    ASSERT_EQ(r["images"].size(), 1u) << r.dump(2);
    EXPECT_EQ(r["images"][0]["url"], "http://plain.test/store/plain.test/app-1.5.aci");
    EXPECT_EQ(r["images"][0]["page"], "http://plain.test/app?ac-discovery=1");
}

TEST_F(DiscoverCli, TlsVerifiedUnlessInsecureTls) {
    discover_fails_saying({"example.test/moved/app"},
                          "https://example.test/moved/app?ac-discovery=1: TLS", /*with_ca=*/false);
    auto skipped = discover({"example.test/moved/app", "--insecure-options=tls", "--json"},
                            /*with_ca=*/false);
    EXPECT_EQ(skipped.status.code, 0) << skipped.err;
    EXPECT_NE(skipped.out.find("https://example.test/store/example.test/moved/app-latest.aci"),
              std::string::npos)
        << skipped.out;
}

TEST_F(DiscoverCli, OversizedPageIsAnError) {
    discover_fails_saying({"example.test/big/app"},
                          "https://example.test/big/app?ac-discovery=1: too large");
}

TEST_F(DiscoverCli, TemplatesNeedingAMissingLabel) {
    auto r = discover_fails_saying({"example.test/needs/app"}, "no template matched");
    EXPECT_NE(r.err.find("https://example.test/needs/app?ac-discovery=1: no template matched"),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("https://example.test/needs?ac-discovery=1: HTTP 404"), std::string::npos)
        << r.err;

    const json ok = discover_json({"example.test/needs/app:1,channel=stable"});
    ASSERT_EQ(ok["images"].size(), 1u) << ok.dump(2);
    EXPECT_EQ(ok["images"][0]["url"],
              "https://example.test/store/stable/example.test/needs/app-1.aci");
    ASSERT_EQ(ok["torrents"].size(), 1u);
    // Best match per kind: the {ext}.torrent template fills 1 label, the other 2.
    EXPECT_EQ(ok["torrents"][0]["url"],
              "https://example.test/store/stable/example.test/needs/app-1.torrent");
}

TEST_F(DiscoverCli, UnknownHostFailsToResolve) {
    discover_fails_saying({"nowhere.test/app"}, "https://nowhere.test/app?ac-discovery=1: resolve");
}

TEST_F(DiscoverCli, TablePrintsEveryKindWithItsPage) {
    auto r = discover({"example.test/walk/app:1.0,os=linux,arch=amd64"});
    ASSERT_EQ(r.status.code, 0) << r.err;
    for (const char* want :
         {"image ", "signature ", "torrent ", "magnet ", "pubkeys ",
          "https://example.test/store/linux/amd64/example.test/walk/app-1.0.aci ",
          "https://example.test/walk?ac-discovery=1", "max-age 120s"}) {
        EXPECT_NE(r.out.find(want), std::string::npos) << want << "\n" << r.out;
    }
}

TEST_F(DiscoverCli, UsageErrors) {
    auto bad = discover({"Example.test/app"});
    EXPECT_EQ(bad.status.code, 2);
    EXPECT_NE(bad.err.find("Example.test/app"), std::string::npos) << bad.err;
    auto option = discover({"example.test/app", "--insecure-options=image"});
    EXPECT_EQ(option.status.code, 2);
    EXPECT_NE(option.err.find("'image'"), std::string::npos) << option.err;
}

}  // namespace
}  // namespace aciswarm::test
