#include "http/client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <optional>
#include <vector>

#include "common/text.hpp"
#include "common/url.hpp"

namespace aciswarm::http {
namespace {

constexpr std::string_view header_blanks = " \t\r\n";

// Where one transfer's body and headers go (both callbacks get `transfer`).
struct Receivers {
    curl_write_callback on_body = nullptr;
    curl_write_callback on_header = nullptr;
    void* transfer = nullptr;
};

// The request's own credentials, else those configured for the URL's host, if
// any. Sent to that host only: CURLOPT_UNRESTRICTED_AUTH stays off, so libcurl
// drops Authorization when a redirect leaves the host (another host, port or
// scheme).
void apply_credentials(CURL* easy, const Credentials& credentials, const std::string& url,
                       const HostCredentials* override) {
    const HostCredentials* c = override != nullptr ? override : credentials.for_url(url);
    if (c == nullptr) return;
    curl_easy_setopt(easy, CURLOPT_UNRESTRICTED_AUTH, 0L);
    if (c->type == AuthType::basic) {
        curl_easy_setopt(easy, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC));
        curl_easy_setopt(easy, CURLOPT_USERNAME, c->user.c_str());
        curl_easy_setopt(easy, CURLOPT_PASSWORD, c->password.reveal().c_str());
    } else {
        curl_easy_setopt(easy, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BEARER));
        curl_easy_setopt(easy, CURLOPT_XOAUTH2_BEARER, c->token.reveal().c_str());
    }
}

// The settings every request shares: the scheme policy (redirects included),
// timeouts, the body cap, TLS, identity and the host's credentials.
void configure_request(CURL* easy, const ClientOptions& options, const std::string& url,
                       char* error_buffer, const Receivers& receivers,
                       const HostCredentials* credentials) {
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, receivers.on_body);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, receivers.transfer);
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, receivers.on_header);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, receivers.transfer);
    const char* protocols = options.allow_http ? "http,https" : "https";
    curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, protocols);
    curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, protocols);
    curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(easy, CURLOPT_MAXREDIRS, options.max_redirects);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, error_buffer);
    curl_easy_setopt(easy, CURLOPT_USERAGENT, options.user_agent.c_str());
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(options.connect_timeout.count()));
    if (options.total_timeout.count() > 0) {
        curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS,
                         static_cast<long>(options.total_timeout.count()));
    }
    if (options.stall_timeout.count() > 0) {
        const auto seconds =
            std::chrono::duration_cast<std::chrono::seconds>(options.stall_timeout).count();
        curl_easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(easy, CURLOPT_LOW_SPEED_TIME,
                         static_cast<long>(std::max<std::int64_t>(1, seconds)));
    }
    if (options.max_body > 0) {
        // Refuses a larger Content-Length before the body; the write callbacks
        // enforce the cap on bodies without one.
        curl_easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE,
                         static_cast<curl_off_t>(options.max_body));
    }
    if (!options.ca_file.empty()) curl_easy_setopt(easy, CURLOPT_CAINFO, options.ca_file.c_str());
    if (options.skip_tls_verify) {
        curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    apply_credentials(easy, options.credentials, url, credentials);
}

// A request's extra header lines, freed after the transfer.
struct HeaderList {
    curl_slist* list = nullptr;
    HeaderList() = default;
    HeaderList(const HeaderList&) = delete;
    HeaderList& operator=(const HeaderList&) = delete;
    ~HeaderList() { curl_slist_free_all(list); }
};

// Refuses a header line that would split into two (CR or LF inside).
Status check_request(const Request& request, const std::string& shown) {
    for (const std::string& line : request.headers) {
        if (line.find_first_of("\r\n") != std::string::npos ||
            line.find(':') == std::string::npos) {
            return make_error(Errc::invalid_argument,
                              shown + ": a request header line holds CR or LF or no ':'");
        }
    }
    return {};
}

// The request's method, body and header lines.
void apply_request(CURL* easy, const Request& request, HeaderList& headers) {
    for (const std::string& line : request.headers) {
        headers.list = curl_slist_append(headers.list, line.c_str());
    }
    if (headers.list != nullptr) curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers.list);
    if (request.method == Request::Method::head) {
        curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
        // A HEAD's Content-Length is the size of what a GET would send (a registry blob of
        // any size), not a body: the page cap (CURLOPT_MAXFILESIZE) must not refuse it.
        curl_easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(0));
    }
    if (request.method == Request::Method::post) {
        curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                         static_cast<curl_off_t>(request.form_body.size()));
        curl_easy_setopt(easy, CURLOPT_POSTFIELDS, request.form_body.c_str());
    }
}

std::string effective_url(CURL* easy, const std::string& url) {
    char* effective = nullptr;
    curl_easy_getinfo(easy, CURLINFO_EFFECTIVE_URL, &effective);
    return effective != nullptr ? effective : url;
}

// HTTP 401 for `url` (answered at `final_url`): names the host and says
// whether credentials are configured for it. Never a credential's value.
Error unauthorized(const ClientOptions& options, const std::string& url,
                   const std::string& final_url) {
    auto asked = url_authority(url);
    auto answered = url_authority(final_url);
    if (!answered) return make_error(Errc::permission, escape_control(url) + ": HTTP 401");
    const std::string host = answered->host_port.empty() ? answered->host : answered->host_port;
    const HostCredentials* c = options.credentials.for_authority(*answered);
    std::string why;
    if (c == nullptr) {
        why = "no credentials are configured for " + host + " (auth.d: docs/private.md)";
    } else if (!asked || asked->host != answered->host || asked->host_port != answered->host_port) {
        why = "a redirect led to " + host +
              ", and credentials are never sent after a redirect to another host";
    } else {
        why = "the " + std::string(auth_type_name(c->type)) + " credentials configured for " +
              host + " (" + c->source + ") were refused";
    }
    return make_error(Errc::permission, escape_control(url_without_userinfo(url)) +
                                            ": HTTP 401 from " + host + ": " + why);
}

long response_status(CURL* easy) {
    long status = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    return status;
}

bool over_cap(std::uint64_t cap, std::uint64_t size) {
    return cap > 0 && size > cap;
}

}  // namespace

ClientOptions page_options() {
    ClientOptions options;
    options.total_timeout = std::chrono::seconds(30);
    options.max_body = 1024 * 1024;
    return options;
}

// Starts from `base` and replaces only the three limits that make a request a
// page GET, so every connection setting (credentials were added later) carries over.
ClientOptions page_options(const ClientOptions& base) {
    const ClientOptions page = page_options();
    ClientOptions options = base;
    options.total_timeout = page.total_timeout;
    options.stall_timeout = page.stall_timeout;
    options.max_body = page.max_body;
    return options;
}

ClientOptions download_options() {
    ClientOptions options;
    options.connect_timeout = std::chrono::seconds(10);
    options.stall_timeout = std::chrono::seconds(60);
    return options;
}

struct Client::Handle {
    CURL* easy = nullptr;
    ~Handle() {
        if (easy != nullptr) curl_easy_cleanup(easy);
    }
    // A fresh easy handle, or the last one reset: it keeps the connection
    // cache and forgets every option.
    CURL* ready() {
        if (easy == nullptr) {
            easy = curl_easy_init();
        } else {
            curl_easy_reset(easy);
        }
        return easy;
    }
};

Client::Client(ClientOptions options)
    : options_(std::move(options)), handle_(std::make_unique<Handle>()) {}

Client::~Client() = default;

// ---- page GET ---------------------------------------------------------------

namespace {

struct PageTransfer {
    std::uint64_t max_body = 0;
    bool too_large = false;
    std::string body;
    std::string cache_control;
    std::string etag;
    std::vector<Header> headers;
};

std::size_t on_page_body(char* data, std::size_t size, std::size_t count, void* user) {
    auto* t = static_cast<PageTransfer*>(user);
    const std::size_t n = size * count;
    if (over_cap(t->max_body, t->body.size() + n)) {
        t->too_large = true;
        return 0;  // aborts the transfer with CURLE_WRITE_ERROR
    }
    t->body.append(data, n);
    return n;
}

std::size_t on_page_header(char* data, std::size_t size, std::size_t count, void* user) {
    auto* t = static_cast<PageTransfer*>(user);
    const std::size_t n = size * count;
    const std::string_view line(data, n);
    if (line.starts_with("HTTP/")) {  // a new response (after a redirect): forget the last one's
        t->cache_control.clear();
        t->etag.clear();
        t->headers.clear();
        return n;
    }
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) return n;
    const std::string key = ascii_lower(trim(line.substr(0, colon), header_blanks));
    const std::string_view value = trim(line.substr(colon + 1), header_blanks);
    if (t->headers.size() < max_response_headers) t->headers.push_back({key, std::string(value)});
    if (key == "cache-control") {
        if (!t->cache_control.empty()) t->cache_control += ", ";
        t->cache_control.append(value);
    } else if (key == "etag") {
        t->etag.assign(value);
    }
    return n;
}

// The cause of a failed page GET, classified for the discover command's report.
std::string page_cause(CURLcode code, const PageTransfer& t, const char* detail) {
    const std::string text = detail[0] != '\0' ? detail : curl_easy_strerror(code);
    const std::string too_large = "too large: more than " + std::to_string(t.max_body) + " bytes";
    switch (code) {
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_RESOLVE_PROXY:
            return "resolve: " + text;
        case CURLE_COULDNT_CONNECT:
            return "connect: " + text;
        case CURLE_OPERATION_TIMEDOUT:
            return "timeout: " + text;
        case CURLE_RECV_ERROR:
            return "receive: " + text;
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
            return "TLS: " + text;
        case CURLE_FILESIZE_EXCEEDED:
            return too_large;
        case CURLE_WRITE_ERROR:
            return t.too_large ? too_large : "write: " + text;
        case CURLE_TOO_MANY_REDIRECTS:
            return "redirect: " + text;
        case CURLE_UNSUPPORTED_PROTOCOL:
            return "scheme refused (HTTPS only unless --insecure-options=http): " + text;
        default:
            return text;
    }
}

Errc page_errc(CURLcode code, const PageTransfer& t) {
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

std::string_view Response::header(std::string_view lowercase_name) const {
    for (const Header& h : headers) {
        if (h.name == lowercase_name) return h.value;
    }
    return {};
}

Result<Response> Client::get(const std::string& url) {
    return send(url, Request{});
}

Result<Response> Client::send(const std::string& url, const Request& request) {
    const std::string shown = escape_control(url);
    if (auto ok = check_request(request, shown); !ok) return std::move(ok).error();
    CURL* easy = handle_->ready();
    if (easy == nullptr) return make_error(Errc::internal, shown + ": curl_easy_init failed");
    PageTransfer t;
    t.max_body = options_.max_body;
    char error_buffer[CURL_ERROR_SIZE] = {};
    configure_request(easy, options_, url, error_buffer, {&on_page_body, &on_page_header, &t},
                      request.credentials);
    HeaderList headers;
    apply_request(easy, request, headers);

    const CURLcode code = curl_easy_perform(easy);
    if (code != CURLE_OK) {
        return make_error(page_errc(code, t), shown + ": " + page_cause(code, t, error_buffer));
    }
    Response response;
    response.url = effective_url(easy, url);
    response.status = response_status(easy);
    if (response.status == 401 && !request.unauthorized_is_response) {
        return unauthorized(options_, url, response.url);
    }
    response.body = std::move(t.body);
    response.cache_control = std::move(t.cache_control);
    response.etag = std::move(t.etag);
    response.headers = std::move(t.headers);
    return response;
}

// ---- download ---------------------------------------------------------------

namespace {

struct DownloadTransfer {
    const SinkFn* sink = nullptr;
    const ProgressFn* progress = nullptr;
    const DownloadCheck* check = nullptr;
    std::uint64_t max_body = 0;
    CURL* easy = nullptr;
    std::stop_token stop;
    std::vector<std::uint8_t> head;  // first bytes, until check_head ran
    bool head_checked = false;
    std::optional<Error> refused;  // over the cap, or refused by check_head
    Status sink_error;
    std::uint64_t written = 0;
    std::uint64_t discarded = 0;
    std::string content_length;  // the last response's header, for the error
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
    std::chrono::steady_clock::time_point last_report{};

    std::int64_t rate(std::int64_t done) const {
        const double secs =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        return secs > 0 ? static_cast<std::int64_t>(static_cast<double>(done) / secs) : 0;
    }
};

std::string over_limit(const DownloadTransfer& t) {
    return "more than " + std::to_string(t.max_body) + " bytes (" + t.check->max_body_reason +
           "); stopped there";
}

// Runs check_head once enough bytes (or the whole body) arrived.
bool check_head(DownloadTransfer& t, bool at_end) {
    if (t.head_checked || !t.check->check_head) return true;
    if (t.head.size() < t.check->head_bytes && !at_end) return true;
    t.head_checked = true;
    if (auto ok = t.check->check_head(t.head); !ok) {
        t.refused = std::move(ok).error();
        return false;
    }
    return true;
}

std::size_t on_download_body(char* data, std::size_t size, std::size_t count, void* user) {
    auto* t = static_cast<DownloadTransfer*>(user);
    const std::size_t n = size * count;
    const long status = response_status(t->easy);
    if (status != 0 && (status < 200 || status > 299)) {
        // An error page: the status is the error; its body is not written.
        // Bounded like a body, so an endless error page stops too.
        t->discarded += n;
        return over_cap(t->max_body, t->discarded) ? 0 : n;
    }
    if (over_cap(t->max_body, t->written + n)) {
        t->refused = make_error(Errc::too_large, over_limit(*t));
        return 0;  // aborts the transfer
    }
    if (!t->head_checked && t->check->check_head) {
        const std::size_t take = std::min(n, t->check->head_bytes - t->head.size());
        t->head.insert(t->head.end(), data, data + take);
        if (!check_head(*t, false)) return 0;
    }
    if (auto s = (*t->sink)(std::string_view(data, n)); !s) {
        t->sink_error = std::move(s);
        return 0;  // aborts the transfer
    }
    t->written += n;
    return n;
}

std::size_t on_download_header(char* data, std::size_t size, std::size_t count, void* user) {
    auto* t = static_cast<DownloadTransfer*>(user);
    const std::string_view line(data, size * count);
    constexpr std::string_view name = "content-length:";
    if (line.size() > name.size() && ascii_lower(line.substr(0, name.size())) == name) {
        t->content_length = std::string(trim(line.substr(name.size()), header_blanks));
    }
    return size * count;
}

int on_download_progress(void* user, curl_off_t total, curl_off_t done, curl_off_t, curl_off_t) {
    auto* t = static_cast<DownloadTransfer*>(user);
    if (t->stop.stop_requested()) return 1;
    const auto now = std::chrono::steady_clock::now();
    if (*t->progress && now - t->last_report >= std::chrono::milliseconds(200)) {
        t->last_report = now;
        (*t->progress)(done, total > 0 ? total : -1, t->rate(done));
    }
    return 0;
}

Errc status_errc(long status) {
    return status == 404 ? Errc::not_found : Errc::network;
}

// Why a finished download failed, or nullopt when it succeeded.
std::optional<Error> download_failure(CURLcode rc, DownloadTransfer& t, const char* detail,
                                      const std::string& url, const ClientOptions& options) {
    const std::string shown = escape_control(url);
    if (!t.sink_error) return with_context(shown, std::move(t.sink_error).error());
    if (t.refused) return with_context(shown, *t.refused);
    if (rc == CURLE_ABORTED_BY_CALLBACK) return make_error(Errc::cancelled, shown + ": cancelled");
    if (rc == CURLE_FILESIZE_EXCEEDED) {
        return make_error(Errc::too_large,
                          shown + ": Content-Length " + escape_control(t.content_length, 32) +
                              " is over the limit of " + std::to_string(t.max_body) + " bytes (" +
                              t.check->max_body_reason + ")");
    }
    const long status = response_status(t.easy);
    if (status == 401 && (rc == CURLE_OK || t.discarded > 0)) {
        return unauthorized(options, url, effective_url(t.easy, url));
    }
    if (rc == CURLE_WRITE_ERROR && t.discarded > 0) {
        // An endless error page, cut at the cap: the status is the error.
        return make_error(status_errc(status), shown + ": HTTP " + std::to_string(status));
    }
    if (rc != CURLE_OK) {
        const std::string why = detail[0] != '\0' ? detail : curl_easy_strerror(rc);
        const Errc code = rc == CURLE_OPERATION_TIMEDOUT ? Errc::timeout : Errc::network;
        return make_error(code, shown + ": " + why);
    }
    if (status < 200 || status > 299) {
        return make_error(status_errc(status), shown + ": HTTP " + std::to_string(status));
    }
    if (!check_head(t, true)) return with_context(shown, *t.refused);
    return std::nullopt;
}

}  // namespace

Result<std::uint64_t> Client::download(const std::string& url, const SinkFn& sink,
                                       const ProgressFn& progress, std::stop_token stop,
                                       const DownloadCheck& check, const Request& request) {
    const std::string shown = escape_control(url);
    if (auto ok = check_request(request, shown); !ok) return std::move(ok).error();
    if (!url.starts_with("https://") && !(options_.allow_http && url.starts_with("http://"))) {
        return make_error(Errc::permission, shown +
                                                ": refusing a non-HTTPS URL "
                                                "(--insecure-options=http allows http)");
    }
    CURL* easy = handle_->ready();
    if (easy == nullptr) return make_error(Errc::internal, shown + ": curl_easy_init failed");
    DownloadTransfer t;
    t.sink = &sink;
    t.progress = &progress;
    t.check = &check;
    t.max_body = options_.max_body;
    t.easy = easy;
    t.stop = std::move(stop);
    char error_buffer[CURL_ERROR_SIZE] = {};
    configure_request(easy, options_, url, error_buffer,
                      {&on_download_body, &on_download_header, &t}, request.credentials);
    HeaderList headers;
    Request download_request = request;
    download_request.method = Request::Method::get;
    apply_request(easy, download_request, headers);
    curl_easy_setopt(easy, CURLOPT_XFERINFOFUNCTION, &on_download_progress);
    curl_easy_setopt(easy, CURLOPT_XFERINFODATA, &t);
    curl_easy_setopt(easy, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(easy, CURLOPT_BUFFERSIZE, 512L * 1024L);

    const CURLcode rc = curl_easy_perform(easy);
    if (auto failure = download_failure(rc, t, error_buffer, url, options_))
        return std::move(*failure);
    if (progress) {
        const auto done = static_cast<std::int64_t>(t.written);
        progress(done, done, t.rate(done));
    }
    return t.written;
}

}  // namespace aciswarm::http
