// Private registries (issue 21): `aciswarm fetch` and `aciswarm discover` with
// rkt-style auth.d credentials against real nginx, inside a network namespace
// this test process creates ("acisa-<pid>"):
//   registry.test (127.0.0.1)  auth_basic with an htpasswd made here (openssl passwd)
//   token.test    (127.0.0.2)  a bearer-token check (map $http_authorization)
//   other.test    (127.0.0.3)  no auth; logs every request's Authorization header
// registry.test and token.test redirect /redirect/... and their "moved" pages to
// other.test. Cases: by name through the libtorrent web seed (basic), through
// the HTTPS fallback (basic and bearer), without and with wrong credentials
// (a clear 401 line naming the host), redirects to other.test (no Authorization
// arrives there, from libcurl or from libtorrent's web seed), and a grep of
// every output, log and store file for the secrets.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "appc/aci_reader.hpp"
#include "tests/support/aci_builder.hpp"
#include "tests/support/nginx.hpp"
#include "tests/support/process.hpp"
#include "tests/support/random_bytes.hpp"
#include "tests/support/shared_world.hpp"
#include "tests/support/temp_dir.hpp"
#include "torrent/torrent_file.hpp"

namespace aciswarm::test {
namespace {

namespace fs = std::filesystem;

constexpr int piece_size = 16 * 1024;
const std::string user = "ci-user";
const std::string password = "pw-Zq81xK-registry-secret";
const std::string token = "tok-7Hq2Lm-bearer-secret";
// base64("ci-user:pw-Zq81xK-registry-secret"): what a Basic header carries.
const std::string basic_b64 = "Y2ktdXNlcjpwdy1acTgxeEstcmVnaXN0cnktc2VjcmV0";

std::string auth_json(const std::string& domain, const std::string& type,
                      const std::string& credentials) {
    return R"({"rktKind": "auth", "rktVersion": "v1", "domains": [")" + domain +
           R"("], "type": ")" + type + R"(", "credentials": )" + credentials + "}\n";
}

std::string discovery_page(const std::string& prefix, const std::string& url_template) {
    return "<html><head><meta name=\"ac-discovery\" content=\"" + prefix + " " + url_template +
           "\"></head></html>\n";
}

class World {
  public:
    World() : ns_("acisa-" + std::to_string(::getpid())) {}

    std::string setup() {
        if (::geteuid() != 0) return "needs root (ip netns)";
        if (auto e = make_test_ca(dir_ / "ca",
                                  {"DNS:registry.test", "DNS:token.test", "DNS:other.test"}, ca_);
            !e.empty())
            return e;
        if (auto e =
                ns_.create("127.0.0.1 registry.test\n127.0.0.2 token.test\n127.0.0.3 other.test\n");
            !e.empty())
            return e;
        if (auto e = write_sites(); !e.empty()) return e;
        if (auto e = write_auth_dirs(); !e.empty()) return e;
        if (auto e = write_htpasswd(); !e.empty()) return e;
        return nginx_.start(dir_ / "nginx", servers(), &ns_);
    }

    std::vector<std::string> fetch_argv(const fs::path& store, std::vector<std::string> args) {
        std::vector<std::string> argv{bin("aciswarm"), "fetch", "--store=" + store.string(),
                                      "--ca-file=" + ca_.ca_cert.string(), "--listen=127.0.0.1:0",
                                      "--lsd=false", "--no-progress", "--no-daemon",
                                      // Unsigned test images; tests/integration/trust checks them.
                                      "--insecure-options=image"};
        argv.insert(argv.end(), args.begin(), args.end());
        return ns_.exec(argv);
    }
    // Runs argv in the namespace; its output joins the transcript the secret grep reads.
    RunResult run_logged(const std::vector<std::string>& argv) {
        SpawnOptions o;
        o.unset_env = {"SSL_CERT_FILE", "SSL_CERT_DIR", "CURL_CA_BUNDLE"};
        RunResult r = run(argv, o, 90s);
        transcript_ += r.out + r.err;
        return r;
    }
    RunResult fetch(const std::string& auth, std::vector<std::string> args) {
        args.push_back("--auth-dir=" + auth_dir(auth).string());
        args.push_back("-v");
        return run_logged(fetch_argv(new_store(), std::move(args)));
    }
    RunResult discover(const std::string& auth, const std::string& name) {
        return run_logged(
            ns_.exec({bin("aciswarm"), "discover", name, "--ca-file=" + ca_.ca_cert.string(), "-v",
                      "--auth-dir=" + auth_dir(auth).string()}));
    }

    // `aciswarm daemon` in the namespace, its auth-dir empty until the test fills it.
    Process& start_daemon() {
        const fs::path d = dir_ / "daemon";
        fs::create_directories(auth_dir("daemon"));
        write_file(d / "agent.json", "{}\n");
        daemon_ = Process::spawn(ns_.exec(
            {bin("aciswarm"), "daemon", "--config=" + (d / "agent.json").string(),
             "--store=" + (d / "store").string(), "--cache-dir=" + (d / "cache").string(),
             "--socket=" + daemon_socket().string(), "--socket-group=", "--listen=127.0.0.1:0",
             "--lsd=false", "--insecure-options=image", "--ca-file=" + ca_.ca_cert.string(),
             "--auth-dir=" + auth_dir("daemon").string(), "-v"}));
        return *daemon_;
    }
    bool daemon_started() const { return daemon_.has_value(); }
    fs::path daemon_socket() const { return dir_ / "daemon" / "agent.sock"; }
    RunResult fetch_via_daemon(const std::string& name) {
        return run_logged(ns_.exec({bin("aciswarm"), "fetch", "--no-progress",
                                    "--socket=" + daemon_socket().string(), name}));
    }
    std::string daemon_log() {
        if (!daemon_) return "";
        daemon_->running();
        return daemon_->stderr_text();
    }

    fs::path auth_dir(const std::string& name) const { return dir_ / "auth" / name; }
    std::string other_log() const { return read_file(dir_ / "other-access.log"); }
    const std::string& transcript() const { return transcript_; }
    const std::string& id(const std::string& image) const { return ids_.at(image); }
    // The stores the fetches wrote (nginx's config holds the token: an input).
    std::vector<fs::path> output_dirs() const {
        std::vector<fs::path> out{dir_ / "daemon" / "store", dir_ / "daemon" / "cache"};
        for (int i = 1; i <= stores_; ++i)
            out.push_back(dir_ / ("store-" + std::to_string(i)));
        return out;
    }
    fs::path log_file() const { return dir_ / "other-access.log"; }

  private:
    fs::path new_store() { return dir_ / ("store-" + std::to_string(++stores_)); }

    // NAME-1.0.aci (+ .asc, + .torrent without web seeds when with_torrent) in dir.
    std::string publish(const std::string& name, const fs::path& dir, bool with_torrent) {
        const std::string base = name.substr(name.find('/') + 1) + "-1.0";
        const fs::path aci = dir / (base + ".aci");
        AciSpec spec = simple_aci(name, name, AciCompression::none, {{"version", "1.0"}});
        spec.files.push_back({"rootfs/data.bin", random_bytes(256 * 1024, name.size())});
        write_aci(aci, spec);
        auto info = appc::read_aci_file(aci);
        if (!info) return info.error().message;
        ids_[name] = info->id.display();
        write_file(dir / (base + ".aci.asc"),
                   "-----BEGIN PGP SIGNATURE-----\nx\n-----END PGP SIGNATURE-----\n");
        if (!with_torrent) return "";
        torrent::CreateTorrentOptions o;
        o.piece_size = piece_size;
        auto t = torrent::create_torrent(aci, o);
        if (!t) return t.error().message;
        write_file(dir / (base + ".torrent"), t->bytes);
        return "";
    }

    std::string write_sites() {
        const fs::path reg = dir_ / "www-registry";
        const fs::path tok = dir_ / "www-token";
        const fs::path other = dir_ / "www-other";
        write_file(
            reg / "index.html",
            discovery_page("registry.test", "https://registry.test/store/{name}-{version}.{ext}"));
        // registry.test/moved: every URL redirects to other.test.
        write_file(reg / "moved", discovery_page("registry.test/moved",
                                                 "https://registry.test/redirect/store/"
                                                 "{name}-{version}.{ext}"));
        write_file(tok / "index.html",
                   discovery_page("token.test", "https://token.test/store/{name}-{version}.{ext}"));
        write_file(
            other / "tmoved-page",
            discovery_page("token.test/tmoved", "https://other.test/store/{name}-{version}.{ext}"));
        for (const auto& [name, dir, torrent] :
             {std::tuple{"registry.test/app", reg / "store/registry.test", true},
              std::tuple{"registry.test/plain", reg / "store/registry.test", false},
              std::tuple{"registry.test/moved", other / "store/registry.test", true},
              std::tuple{"token.test/tok", tok / "store/token.test", false},
              std::tuple{"token.test/tmoved", other / "store/token.test", false}}) {
            if (auto e = publish(name, dir, torrent); !e.empty()) return e;
        }
        return "";
    }

    std::string write_auth_dirs() {
        const std::string basic =
            R"({"user": ")" + user + R"(", "password": ")" + password + R"("})";
        write_file(auth_dir("good") / "registry.json", auth_json("registry.test", "basic", basic));
        write_file(auth_dir("good") / "token.json",
                   auth_json("token.test", "oauth", R"({"token": ")" + token + R"("})"));
        write_file(auth_dir("wrong") / "registry.json",
                   auth_json("registry.test", "basic",
                             R"({"user": ")" + user + R"(", "password": "not-it"})"));
        write_file(auth_dir("wrong") / "token.json",
                   auth_json("token.test", "oauth", R"({"token": "not-it"})"));
        fs::create_directories(auth_dir("none"));
        return "";
    }

    std::string write_htpasswd() {
        SpawnOptions o;
        o.stdin_data = password + "\n";
        RunResult r = run({"openssl", "passwd", "-apr1", "-stdin"}, o, 10s);
        if (r.status.code != 0 || r.out.empty()) return "openssl passwd: " + r.err;
        write_file(dir_ / "htpasswd", user + ":" + r.out);
        return "";
    }

    std::string servers() const {
        const std::string redirect =
            "    location /redirect/ { rewrite ^/redirect/(.*)$ https://other.test/$1 redirect; "
            "}\n";
        return "  default_type text/html;\n"
               "  log_format authorization '$host $request_uri auth=[$http_authorization]';\n"
               "  map $http_authorization $token_ok { default 0; \"Bearer " +
               token + "\" 1; }\n" +
               tls_server_block("127.0.0.1:443", "registry.test", ca_, dir_ / "www-registry",
                                "    auth_basic \"registry\";\n"
                                "    auth_basic_user_file " +
                                    (dir_ / "htpasswd").string() + ";\n" + redirect +
                                    "    location / { try_files $uri $uri/index.html =404; }\n") +
               tls_server_block("127.0.0.2:443", "token.test", ca_, dir_ / "www-token",
                                "    if ($token_ok = 0) { return 401; }\n" + redirect +
                                    "    location = /tmoved { return 302 "
                                    "https://other.test/tmoved-page$is_args$args; }\n"
                                    "    location / { try_files $uri $uri/index.html =404; }\n") +
               tls_server_block("127.0.0.3:443", "other.test", ca_, dir_ / "www-other",
                                "    access_log " + log_file().string() + " authorization;\n" +
                                    "    location / { try_files $uri $uri/index.html =404; }\n");
    }

    TempDir dir_;
    TestCa ca_;
    NetNs ns_;
    Nginx nginx_;
    std::map<std::string, std::string> ids_;
    std::optional<Process> daemon_;
    std::string transcript_;
    int stores_ = 0;
};

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

class PrivateRegistry : public SharedWorldTest<World> {};

TEST_F(PrivateRegistry, BasicCredentialsReachTheWebSeed) {
    auto r = world_->fetch("good", {"registry.test/app:1.0", "--no-https-fallback"});
    ASSERT_EQ(r.status.code, 0) << r.err;
    EXPECT_EQ(r.out, world_->id("registry.test/app") + "\n");
    // Discovery, the .torrent and the .asc through libcurl; every piece from the
    // libtorrent web seed on the same host, the credentials in its URL.
    auto [peers, web] = fetch_byte_sources(r.err);
    EXPECT_EQ(peers, 0) << r.err;
    EXPECT_GT(web, 0) << r.err;
    EXPECT_TRUE(contains(r.err, "credentials configured for registry.test")) << r.err;
}

TEST_F(PrivateRegistry, BasicAndBearerCredentialsReachTheHttpsFallback) {
    auto basic = world_->fetch("good", {"registry.test/plain:1.0"});
    ASSERT_EQ(basic.status.code, 0) << basic.err;
    EXPECT_EQ(basic.out, world_->id("registry.test/plain") + "\n");
    auto bearer = world_->fetch("good", {"token.test/tok:1.0"});
    ASSERT_EQ(bearer.status.code, 0) << bearer.err;
    EXPECT_EQ(bearer.out, world_->id("token.test/tok") + "\n");
}

TEST_F(PrivateRegistry, NoCredentialsFailWithOneLineNamingTheHost) {
    auto r = world_->fetch("none", {"registry.test/app:1.0"});
    EXPECT_EQ(r.status.code, 1) << r.err;
    EXPECT_TRUE(contains(r.err,
                         "HTTP 401 from registry.test: no credentials are configured for "
                         "registry.test"))
        << r.err;
    auto t = world_->fetch("none", {"token.test/tok:1.0"});
    EXPECT_EQ(t.status.code, 1) << t.err;
    EXPECT_TRUE(contains(t.err,
                         "HTTP 401 from token.test: no credentials are configured for "
                         "token.test"))
        << t.err;
    auto d = world_->discover("none", "registry.test/app:1.0");
    EXPECT_EQ(d.status.code, 1) << d.err;
    EXPECT_TRUE(contains(d.err, "HTTP 401 from registry.test: no credentials")) << d.err;
    auto ok = world_->discover("good", "registry.test/app:1.0");
    EXPECT_EQ(ok.status.code, 0) << ok.err;
    EXPECT_TRUE(contains(ok.out, "https://registry.test/store/registry.test/app-1.0.torrent"))
        << ok.out;
}

TEST_F(PrivateRegistry, WrongCredentialsFailSayingTheyWereRefused) {
    auto r = world_->fetch("wrong", {"registry.test/app:1.0"});
    EXPECT_EQ(r.status.code, 1) << r.err;
    EXPECT_TRUE(contains(r.err,
                         "HTTP 401 from registry.test: the basic credentials configured "
                         "for registry.test (" +
                             (world_->auth_dir("wrong") / "registry.json").string() +
                             ") were refused"))
        << r.err;
    auto t = world_->fetch("wrong", {"token.test/tok:1.0"});
    EXPECT_EQ(t.status.code, 1) << t.err;
    EXPECT_TRUE(contains(t.err, "the oauth credentials configured for token.test")) << t.err;
}

TEST_F(PrivateRegistry, RedirectsToAnotherHostCarryNoCredentials) {
    // registry.test/moved: the .torrent, .asc and the web seed's .aci all
    // answer 302 to other.test (libcurl follows; libtorrent adds the target).
    auto r = world_->fetch("good", {"registry.test/moved:1.0", "--no-https-fallback"});
    ASSERT_EQ(r.status.code, 0) << r.err;
    EXPECT_EQ(r.out, world_->id("registry.test/moved") + "\n");
    EXPECT_GT(fetch_byte_sources(r.err).second, 0) << r.err;
    // token.test/tmoved: the discovery page itself moved to other.test.
    auto t = world_->fetch("good", {"token.test/tmoved:1.0"});
    ASSERT_EQ(t.status.code, 0) << t.err;
    // nginx logs an absent header as "-".
    const std::string log = world_->other_log();
    EXPECT_TRUE(contains(log, "other.test /store/registry.test/moved-1.0.torrent auth=[-]")) << log;
    EXPECT_TRUE(contains(log, "other.test /store/registry.test/moved-1.0.aci auth=[-]")) << log;
    EXPECT_TRUE(contains(log, "other.test /tmoved-page?ac-discovery=1 auth=[-]")) << log;
    EXPECT_TRUE(contains(log, "other.test /store/token.test/tmoved-1.0.aci auth=[-]")) << log;
    EXPECT_FALSE(contains(log, "Basic")) << log;
    EXPECT_FALSE(contains(log, "Bearer")) << log;
}

// The daemon reads auth-dir at start (empty here) and again on SIGHUP.
TEST_F(PrivateRegistry, TheDaemonRereadsItsCredentialsOnSighup) {
    Process& daemon = world_->start_daemon();
    ASSERT_GT(daemon.wait_for_listening("bittorrent", 20s), 0) << daemon.stderr_text();
    ASSERT_TRUE(daemon.wait_for_stderr(std::regex("listening unix"), 20s)) << daemon.stderr_text();
    auto before = world_->fetch_via_daemon("registry.test/plain:1.0");
    EXPECT_EQ(before.status.code, 1) << before.err;
    EXPECT_TRUE(contains(before.err, "no credentials are configured for registry.test"))
        << before.err << world_->daemon_log();

    fs::copy(world_->auth_dir("good"), world_->auth_dir("daemon"),
             fs::copy_options::recursive | fs::copy_options::overwrite_existing);
    daemon.signal(SIGHUP);
    ASSERT_TRUE(daemon.wait_for_stderr(std::regex("auth.d: credentials for 2 domain"), 10s))
        << daemon.stderr_text();
    auto after = world_->fetch_via_daemon("registry.test/plain:1.0");
    ASSERT_EQ(after.status.code, 0) << after.err << world_->daemon_log();
    EXPECT_EQ(after.out, world_->id("registry.test/plain") + "\n");
}

// Every command's output, nginx's logs and every file the fetches wrote (stores,
// staging, resume data) are free of the secrets. ctest runs each case in a process
// of its own, so this case makes every kind of request itself first: good, missing
// and wrong credentials, basic and bearer, web seed, HTTPS fallback, cross-host
// redirects, discovery and a daemon fetch.
TEST_F(PrivateRegistry, NoSecretInAnyOutputLogOrFile) {
    EXPECT_EQ(world_->fetch("good", {"registry.test/app:1.0", "--no-https-fallback"}).status.code,
              0);
    EXPECT_EQ(world_->fetch("good", {"registry.test/plain:1.0"}).status.code, 0);
    EXPECT_EQ(world_->fetch("good", {"token.test/tok:1.0"}).status.code, 0);
    EXPECT_EQ(world_->fetch("good", {"registry.test/moved:1.0", "--no-https-fallback"}).status.code,
              0);
    EXPECT_EQ(world_->fetch("good", {"token.test/tmoved:1.0"}).status.code, 0);
    EXPECT_NE(world_->fetch("none", {"registry.test/app:1.0"}).status.code, 0);
    EXPECT_NE(world_->fetch("wrong", {"registry.test/app:1.0"}).status.code, 0);
    EXPECT_NE(world_->fetch("wrong", {"token.test/tok:1.0"}).status.code, 0);
    EXPECT_EQ(world_->discover("good", "registry.test/app:1.0").status.code, 0);
    if (!world_->daemon_started()) {
        fs::create_directories(world_->auth_dir("daemon"));
        fs::copy(world_->auth_dir("good"), world_->auth_dir("daemon"),
                 fs::copy_options::recursive | fs::copy_options::overwrite_existing);
        Process& daemon = world_->start_daemon();
        ASSERT_TRUE(daemon.wait_for_stderr(std::regex("listening unix"), 20s))
            << daemon.stderr_text();
    }
    const auto via_daemon = world_->fetch_via_daemon("registry.test/plain:1.0");
    EXPECT_EQ(via_daemon.status.code, 0) << via_daemon.err << world_->daemon_log();
    ASSERT_FALSE(world_->transcript().empty());
    for (const std::string& secret : {password, token, basic_b64}) {
        EXPECT_FALSE(contains(world_->transcript(), secret)) << secret;
        EXPECT_FALSE(contains(world_->daemon_log(), secret)) << secret;
        for (const fs::path& dir : world_->output_dirs()) {
            if (!fs::exists(dir)) continue;
            for (const auto& e : fs::recursive_directory_iterator(dir)) {
                if (!e.is_regular_file()) continue;
                EXPECT_FALSE(contains(read_file(e.path()), secret)) << e.path() << ": " << secret;
            }
        }
        EXPECT_FALSE(contains(world_->other_log(), secret));
    }
}

}  // namespace
}  // namespace aciswarm::test
