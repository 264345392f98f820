// Fuzzes the auth.d parser: any bytes parse or fail with a one-line error that
// names the file and never quotes the file's text; what parses has lowercase
// domains that match a URL built from them, and the web seed URL built from it
// keeps the host the credentials belong to.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/url.hpp"
#include "http/auth.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace aciswarm::http;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto parsed = parse_auth_config(text, "fuzz.json");
    if (!parsed) {
        const std::string& m = parsed.error().message;
        if (m.rfind("fuzz.json: ", 0) != 0 || m.find('\n') != std::string::npos) std::abort();
        return 0;
    }
    if (parsed->domains.empty()) std::abort();
    Credentials credentials;
    credentials.set(*parsed);
    for (const std::string& domain : parsed->domains) {
        const std::string url = "https://" + domain + "/image.aci";
        const HostCredentials* found = credentials.for_url(url);
        auto authority = url_authority(url);
        // libcurl may normalise an address ("127.1"): check the names it keeps.
        const bool kept =
            authority && (authority->host == domain || authority->host_port == domain);
        if (kept && found == nullptr) std::abort();
        const std::string seed = web_seed_url(credentials, url);
        if (aciswarm::url_without_userinfo(seed) != url) std::abort();
    }
    if (auto a = url_authority(text);
        a && !a->host_port.empty() && !a->host_port.starts_with(a->host))
        std::abort();
    if (aciswarm::url_without_userinfo(text).size() > text.size()) std::abort();
    return 0;
}
