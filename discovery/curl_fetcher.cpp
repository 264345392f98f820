#include "discovery/curl_fetcher.hpp"

#include <curl/curl.h>

#include <string_view>

#include "common/text.hpp"

namespace aciswarm::discovery {
namespace {

struct Transfer {
    std::size_t max_body = 0;
    bool too_large = false;
    std::string body;
    std::string cache_control;
    std::string etag;
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    const std::size_t n = size * count;
    if (t->body.size() + n > t->max_body) {
        t->too_large = true;
        return 0;  // aborts the transfer with CURLE_WRITE_ERROR
    }
    t->body.append(data, n);
    return n;
}

constexpr std::string_view header_blanks = " \t\r\n";

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    const std::size_t n = size * count;
    const std::string_view line(data, n);
    if (line.starts_with("HTTP/")) {  // a new response (after a redirect): forget the last one's
        t->cache_control.clear();
        t->etag.clear();
        return n;
    }
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) return n;
    const std::string key = ascii_lower(trim(line.substr(0, colon), header_blanks));
    const std::string_view value = trim(line.substr(colon + 1), header_blanks);
    if (key == "cache-control") {
        if (!t->cache_control.empty()) t->cache_control += ", ";
        t->cache_control.append(value);
    } else if (key == "etag") {
        t->etag.assign(value);
    }
    return n;
}

std::string cause(CURLcode code, const Transfer& t, const char* detail, std::size_t max_body) {
    const std::string text = detail[0] != '\0' ? detail : curl_easy_strerror(code);
    switch (code) {
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_RESOLVE_PROXY:
            return "resolve: " + text;
        case CURLE_COULDNT_CONNECT:
            return "connect: " + text;
        case CURLE_OPERATION_TIMEDOUT:
            return "timeout: " + text;
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_CIPHER:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_ISSUER_ERROR:
        case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
        case CURLE_SSL_INVALIDCERTSTATUS:
        case CURLE_SSL_CRL_BADFILE:
        case CURLE_SSL_ENGINE_INITFAILED:
        case CURLE_SSL_ENGINE_NOTFOUND:
        case CURLE_SSL_ENGINE_SETFAILED:
        case CURLE_SSL_SHUTDOWN_FAILED:
        case CURLE_RECV_ERROR:
            if (code == CURLE_RECV_ERROR) return "receive: " + text;
            return "TLS: " + text;
        case CURLE_FILESIZE_EXCEEDED:
            return "too large: more than " + std::to_string(max_body) + " bytes";
        case CURLE_WRITE_ERROR:
            if (t.too_large) return "too large: more than " + std::to_string(max_body) + " bytes";
            return "write: " + text;
        case CURLE_TOO_MANY_REDIRECTS:
            return "redirect: " + text;
        case CURLE_UNSUPPORTED_PROTOCOL:
            return "scheme refused (HTTPS only unless --insecure-options=http): " + text;
        default:
            return text;
    }
}

Errc errc_for(CURLcode code, const Transfer& t) {
    switch (code) {
        case CURLE_OPERATION_TIMEDOUT:
            return Errc::timeout;
        case CURLE_FILESIZE_EXCEEDED:
            return Errc::too_large;
        case CURLE_WRITE_ERROR:
            return t.too_large ? Errc::too_large : Errc::io;
        case CURLE_UNSUPPORTED_PROTOCOL:
            return Errc::unsupported;
        default:
            return Errc::network;
    }
}

}  // namespace

struct CurlFetcher::Handle {
    CURL* easy = nullptr;
    ~Handle() {
        if (easy != nullptr) curl_easy_cleanup(easy);
    }
};

CurlFetcher::CurlFetcher(TransportOptions options)
    : options_(std::move(options)), handle_(std::make_unique<Handle>()) {}

CurlFetcher::~CurlFetcher() = default;

Result<FetchResponse> CurlFetcher::get(const std::string& url) {
    auto fail = [&](Errc code, const std::string& why) {
        return make_error(code, escape_control(url) + ": " + why);
    };
    if (handle_->easy == nullptr) {
        handle_->easy = curl_easy_init();
        if (handle_->easy == nullptr) return fail(Errc::internal, "curl_easy_init failed");
    } else {
        curl_easy_reset(handle_->easy);  // keeps the connection cache, forgets options
    }
    CURL* easy = handle_->easy;
    Transfer t;
    t.max_body = options_.max_body;
    char error_buffer[CURL_ERROR_SIZE] = {};
    const char* protocols = options_.allow_http ? "http,https" : "https";

    curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, protocols);
    curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, protocols);
    curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(easy, CURLOPT_MAXREDIRS, options_.max_redirects);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(options_.connect_timeout.count()));
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.total_timeout.count()));
    curl_easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(options_.max_body));
    curl_easy_setopt(easy, CURLOPT_USERAGENT, options_.user_agent.c_str());
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, error_buffer);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &on_body);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &on_header);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, &t);
    if (!options_.ca_file.empty()) curl_easy_setopt(easy, CURLOPT_CAINFO, options_.ca_file.c_str());
    if (options_.skip_tls_verify) {
        curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 0L);
    }

    const CURLcode code = curl_easy_perform(easy);
    if (code != CURLE_OK) {
        return fail(errc_for(code, t), cause(code, t, error_buffer, options_.max_body));
    }
    FetchResponse response;
    long status = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    char* effective = nullptr;
    curl_easy_getinfo(easy, CURLINFO_EFFECTIVE_URL, &effective);
    response.url = effective != nullptr ? effective : url;
    response.status = status;
    response.body = std::move(t.body);
    response.cache_control = std::move(t.cache_control);
    response.etag = std::move(t.etag);
    return response;
}

}  // namespace aciswarm::discovery
