// The HTTP client's option presets and the checks it makes before any socket
// opens (transfers themselves are tested against real servers in
// tests/integration/discovery and tests/integration/fetch).
#include "http/client.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string_view>

namespace aciswarm::http {
namespace {

using std::chrono::seconds;

TEST(HttpClientOptions, PagesAreSmallAndQuick) {
    const ClientOptions page = page_options();
    EXPECT_EQ(page.connect_timeout, seconds(5));
    EXPECT_EQ(page.total_timeout, seconds(30));
    EXPECT_EQ(page.stall_timeout.count(), 0);
    EXPECT_EQ(page.max_body, 1024u * 1024u);
    EXPECT_FALSE(page.allow_http);
}

TEST(HttpClientOptions, DownloadsMayBeLongWhileBytesFlow) {
    const ClientOptions download = download_options();
    EXPECT_EQ(download.connect_timeout, seconds(10));
    EXPECT_EQ(download.total_timeout.count(), 0);
    EXPECT_EQ(download.stall_timeout, seconds(60));
    EXPECT_EQ(download.max_body, 0u);
}

TEST(HttpClientOptions, PagesOfADownloadKeepItsPolicyButNotItsLimits) {
    ClientOptions base = download_options();
    base.allow_http = true;
    base.skip_tls_verify = true;
    base.ca_file = "/tmp/ca.pem";
    base.user_agent = "test-agent";
    base.max_redirects = 3;
    const ClientOptions page = page_options(base);
    EXPECT_TRUE(page.allow_http);
    EXPECT_TRUE(page.skip_tls_verify);
    EXPECT_EQ(page.ca_file, "/tmp/ca.pem");
    EXPECT_EQ(page.user_agent, "test-agent");
    EXPECT_EQ(page.max_redirects, 3);
    EXPECT_EQ(page.connect_timeout, seconds(10));
    EXPECT_EQ(page.total_timeout, seconds(30));
    EXPECT_EQ(page.stall_timeout.count(), 0);
    EXPECT_EQ(page.max_body, 1024u * 1024u);
}

Result<std::uint64_t> download_nowhere(Client& client, const std::string& url) {
    return client.download(
        url, [](std::string_view) { return Status{}; }, nullptr, std::stop_token{});
}

TEST(HttpClient, DownloadRefusesPlainHttpUnlessAllowed) {
    Client client(download_options());
    auto r = download_nowhere(client, "http://example.test/image.aci");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::permission);
    EXPECT_EQ(r.error().message,
              "http://example.test/image.aci: refusing a non-HTTPS URL "
              "(--insecure-options=http allows http)");
}

TEST(HttpClient, DownloadRefusesOtherSchemesEvenWithHttpAllowed) {
    ClientOptions options = download_options();
    options.allow_http = true;
    Client client(options);
    auto r = download_nowhere(client, "file:///etc/passwd");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::permission);
}

TEST(HttpClient, PageGetRefusesPlainHttpBeforeConnecting) {
    Client client(page_options());
    auto r = client.get("http://127.0.0.1:9/page");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::unsupported);
    EXPECT_NE(r.error().message.find("http://127.0.0.1:9/page: scheme refused"), std::string::npos)
        << r.error().message;
}

}  // namespace
}  // namespace aciswarm::http
