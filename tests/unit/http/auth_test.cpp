// rkt's auth.d format (http/auth.hpp): parsing, host matching, the admin over
// vendor directories, the web seed URL form, and that no error names a secret.
// Requests carrying the credentials are tested against nginx in
// tests/integration/private.
#include "http/auth.hpp"
#include "common/url.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "http/client.hpp"
#include "tests/support/temp_dir.hpp"

namespace aciswarm::http {
namespace {

using test::TempDir;
using test::write_file;

std::string basic_file(const std::string& domains, const std::string& user = "ci",
                       const std::string& password = "hunter2-secret") {
    return R"({"rktKind": "auth", "rktVersion": "v1", "domains": [)" + domains +
           R"(], "type": "basic", "credentials": {"user": ")" + user + R"(", "password": ")" +
           password + R"("}})";
}

std::string oauth_file(const std::string& domains, const std::string& token = "tok-secret") {
    return R"({"rktKind": "auth", "rktVersion": "v1", "domains": [)" + domains +
           R"(], "type": "oauth", "credentials": {"token": ")" + token + R"("}})";
}

TEST(AuthConfig, ReadsRktBasicAndOauthFiles) {
    auto basic = parse_auth_config(basic_file(R"("Registry.Example.com", "10.0.0.1:8443")"),
                                   "/etc/aciswarm/auth.d/a.json");
    ASSERT_TRUE(basic) << basic.error().message;
    EXPECT_EQ(basic->type, AuthType::basic);
    EXPECT_EQ(basic->domains, (std::vector<std::string>{"registry.example.com", "10.0.0.1:8443"}));
    EXPECT_EQ(basic->user, "ci");
    EXPECT_EQ(basic->password.reveal(), "hunter2-secret");
    EXPECT_EQ(basic->source, "/etc/aciswarm/auth.d/a.json");

    auto oauth = parse_auth_config(oauth_file(R"("[::1]:443")"), "b.json");
    ASSERT_TRUE(oauth) << oauth.error().message;
    EXPECT_EQ(oauth->type, AuthType::oauth);
    EXPECT_EQ(oauth->token.reveal(), "tok-secret");
    EXPECT_TRUE(oauth->password.empty());
}

struct Refused {
    std::string text;
    std::string says;
};

TEST(AuthConfig, RefusesMalformedFilesNamingTheFileButNoSecret) {
    const Refused cases[] = {
        {R"({"rktKind": "auth", "rktVersion": "v1", "credentials": {"password": "hunter2-secret)",
         "f.json: not valid JSON"},
        {"[1, 2]", "f.json: not a JSON object"},
        {R"({"rktKind": "dockerAuth", "rktVersion": "v1"})", "rktKind 'dockerAuth' is not read"},
        {R"({"rktKind": "auth", "rktVersion": "v2"})", "rktVersion 'v2' is not supported"},
        {R"({"rktVersion": "v1"})", "\"rktKind\" is missing"},
        {basic_file(""), "\"domains\" must be a non-empty list"},
        {basic_file(R"("*.example.com")"), "domain '*.example.com' is not a host name"},
        {basic_file(R"("example.com/path")"), "is not a host name"},
        {basic_file(R"("user@example.com")"), "is not a host name"},
        {basic_file(R"("example.com:")"), "is not a host name"},
        {basic_file(R"(7)"), "holds a value that is not a string"},
        {basic_file(R"("example.com")", ""), "credentials: \"user\" is empty"},
        {basic_file(R"("example.com")", "ci", ""), "credentials: \"password\" is empty"},
        {oauth_file(R"("example.com")", ""), "credentials: \"token\" is empty"},
        {R"({"rktKind": "auth", "rktVersion": "v1", "domains": ["a.test"], "type": "digest",
             "credentials": {"user": "u", "password": "hunter2-secret"}})",
         "type 'digest' is not one of basic, oauth"},
        {R"({"rktKind": "auth", "rktVersion": "v1", "domains": ["a.test"], "type": "basic",
             "credentials": {"user": "u", "password": 12345}})",
         "\"password\" is not a string"},
        {R"({"rktKind": "auth", "rktVersion": "v1", "domains": ["a.test"], "type": "oauth",
             "credentials": "hunter2-secret"})",
         "\"credentials\" must be an object"},
    };
    for (const Refused& c : cases) {
        auto r = parse_auth_config(c.text, "f.json");
        ASSERT_FALSE(r) << c.text;
        EXPECT_EQ(r.error().code, Errc::invalid_argument);
        EXPECT_EQ(r.error().message.rfind("f.json: ", 0), 0u) << r.error().message;
        EXPECT_NE(r.error().message.find(c.says), std::string::npos) << r.error().message;
        EXPECT_EQ(r.error().message.find("hunter2"), std::string::npos) << r.error().message;
        EXPECT_EQ(r.error().message.find('\n'), std::string::npos) << r.error().message;
    }
}

TEST(UrlAuthority, IsTheLowercaseHostAndTheExplicitPort) {
    auto a = url_authority("https://Registry.Example.COM/x.aci");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->host, "registry.example.com");
    EXPECT_EQ(a->host_port, "");
    auto b = url_authority("https://u:p@127.0.0.1:8443/x?y=1");
    ASSERT_TRUE(b);
    EXPECT_EQ(b->host, "127.0.0.1");
    EXPECT_EQ(b->host_port, "127.0.0.1:8443");
    auto c = url_authority("https://[::1]:443/x");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->host_port, "[::1]:443");
    auto bad = url_authority("https://u:hunter2@/x");
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().message.find("hunter2"), std::string::npos) << bad.error().message;
}

Credentials two_hosts() {
    Credentials c;
    c.set(*parse_auth_config(basic_file(R"("registry.example.com")"), "a.json"));
    c.set(*parse_auth_config(oauth_file(R"("127.0.0.1:8443")"), "b.json"));
    return c;
}

TEST(Credentials, MatchOnlyTheirExactHost) {
    const Credentials c = two_hosts();
    ASSERT_NE(c.for_url("https://registry.example.com/a.aci"), nullptr);
    EXPECT_EQ(c.for_url("https://REGISTRY.example.com:8443/a.aci")->source, "a.json");
    EXPECT_EQ(c.for_url("https://evil.registry.example.com/a.aci"), nullptr);
    EXPECT_EQ(c.for_url("https://registry.example.com.evil.test/a.aci"), nullptr);
    EXPECT_EQ(c.for_url("https://example.com/a.aci"), nullptr);
    EXPECT_EQ(c.for_url("https://evil.test/registry.example.com/a.aci"), nullptr);
    EXPECT_EQ(c.for_url("https://evil.test/?registry.example.com"), nullptr);
    EXPECT_EQ(c.for_url("https://registry.example.com@evil.test/a.aci"), nullptr);
    // A host:port domain is that port only.
    ASSERT_NE(c.for_url("https://127.0.0.1:8443/x"), nullptr);
    EXPECT_EQ(c.for_url("https://127.0.0.1:8443/x")->type, AuthType::oauth);
    EXPECT_EQ(c.for_url("https://127.0.0.1/x"), nullptr);
    EXPECT_EQ(c.for_url("https://127.0.0.1:9443/x"), nullptr);
    EXPECT_EQ(c.for_url("not a url"), nullptr);
    EXPECT_EQ(c.domains(), (std::vector<std::string>{"127.0.0.1:8443", "registry.example.com"}));
}

TEST(Credentials, PageOptionsOfADownloadKeepThem) {
    ClientOptions base = download_options();
    base.credentials = two_hosts();
    const ClientOptions page = page_options(base);
    ASSERT_NE(page.credentials.for_url("https://registry.example.com/"), nullptr);
}

TEST(LoadCredentials, AdminOverridesVendorPerDomain) {
    TempDir dir;
    write_file(dir / "vendor/10-a.json", basic_file(R"("a.test", "b.test")", "vendor-user"));
    write_file(dir / "admin/50-b.json", basic_file(R"("b.test")", "admin-user"));
    write_file(dir / "admin/README", "not json, not read");
    write_file(dir / "admin/60-c.json", oauth_file(R"("c.test")"));
    std::filesystem::create_directories(dir / "admin/70-dir.json");  // not a file: passed over
    auto loaded = load_credentials({dir / "admin", dir / "vendor"});
    ASSERT_TRUE(loaded) << loaded.error().message;
    const Credentials& c = loaded->credentials;
    EXPECT_EQ(c.domains(), (std::vector<std::string>{"a.test", "b.test", "c.test"}));
    EXPECT_EQ(c.for_url("https://a.test/")->user, "vendor-user");
    EXPECT_EQ(c.for_url("https://b.test/")->user, "admin-user");
    EXPECT_EQ(c.for_url("https://c.test/")->type, AuthType::oauth);
    ASSERT_EQ(loaded->skipped.size(), 1u);
    EXPECT_NE(loaded->skipped[0].find("70-dir.json"), std::string::npos) << loaded->skipped[0];
}

TEST(LoadCredentials, MissingDirectoriesHoldNothing) {
    TempDir dir;
    auto loaded = load_credentials(AuthDirs::only(dir / "none"));
    ASSERT_TRUE(loaded) << loaded.error().message;
    EXPECT_TRUE(loaded->credentials.empty());
}

TEST(LoadCredentials, RefusesADomainTwiceInOneDirectory) {
    TempDir dir;
    write_file(dir / "a.json", basic_file(R"("a.test")"));
    write_file(dir / "b.json", oauth_file(R"("x.test", "A.test")"));
    auto loaded = load_credentials(AuthDirs::only(dir.path()));
    ASSERT_FALSE(loaded);
    EXPECT_NE(loaded.error().message.find("b.json: domain a.test is configured in"),
              std::string::npos)
        << loaded.error().message;
}

TEST(LoadCredentials, ABadFileFailsTheLoadNamingIt) {
    TempDir dir;
    write_file(dir / "a.json", "{\"password\": \"hunter2-secret");
    auto loaded = load_credentials(AuthDirs::only(dir.path()));
    ASSERT_FALSE(loaded);
    EXPECT_EQ(loaded.error().message, (dir / "a.json").string() + ": not valid JSON");
}

TEST(WebSeedUrl, CarriesBasicCredentialsOnlyToTheirHost) {
    Credentials c = two_hosts();
    EXPECT_EQ(web_seed_url(c, "https://registry.example.com/a/x.aci"),
              "https://ci:hunter2-secret@registry.example.com/a/x.aci");
    EXPECT_EQ(web_seed_url(c, "https://other.test/a/x.aci"), "https://other.test/a/x.aci");
    // Bearer tokens stay out: libtorrent forwards extra auth to redirect targets.
    EXPECT_EQ(web_seed_url(c, "https://127.0.0.1:8443/x.aci"), "https://127.0.0.1:8443/x.aci");
    // A URL that names its own user keeps it.
    EXPECT_EQ(web_seed_url(c, "https://me@registry.example.com/x.aci"),
              "https://me@registry.example.com/x.aci");
    // Characters libtorrent would send undecoded: no credentials.
    c.set(*parse_auth_config(basic_file(R"("registry.example.com")", "ci", "pa@ss/word"), "c"));
    EXPECT_EQ(web_seed_url(c, "https://registry.example.com/x.aci"),
              "https://registry.example.com/x.aci");
}

TEST(UrlWithoutUserinfo, DropsUserAndPassword) {
    EXPECT_EQ(aciswarm::url_without_userinfo("https://ci:hunter2@registry.example.com/x@y"),
              "https://registry.example.com/x@y");
    EXPECT_EQ(aciswarm::url_without_userinfo("https://registry.example.com/x@y"),
              "https://registry.example.com/x@y");
    EXPECT_EQ(aciswarm::url_without_userinfo("no scheme"), "no scheme");
}

}  // namespace
}  // namespace aciswarm::http
