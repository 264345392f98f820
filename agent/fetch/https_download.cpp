#include "agent/fetch/https_download.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <vector>

#include "appc/aci_reader.hpp"
#include "common/text.hpp"

namespace aciswarm::agent::fetch {
namespace {

struct Transfer {
    store::StagingFile* file = nullptr;
    const HttpsProgressFn* progress = nullptr;
    const DownloadLimits* limits = nullptr;
    CURL* handle = nullptr;
    std::vector<std::uint8_t> head;  // first bytes, until the magic is checked
    bool magic_checked = false;
    std::optional<Error> refused;  // over the limit, or not an image
    std::stop_token stop;
    std::uint64_t written = 0;
    std::uint64_t discarded = 0;
    std::string content_length;  // the last response's header, for the error
    Status write_error;
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
    std::chrono::steady_clock::time_point last_report{};
};

std::string over_limit(const DownloadLimits& limits) {
    return "more than " + std::to_string(limits.max_bytes) + " bytes (" + limits.max_reason +
           "); stopped there";
}

// Checks the archive magic once enough bytes (or the whole body) arrived.
bool check_head(Transfer& t, bool at_end) {
    if (t.magic_checked || !t.limits->aci_magic) return true;
    if (t.head.size() < appc::aci_magic_bytes && !at_end) return true;
    t.magic_checked = true;
    if (auto ok = appc::check_aci_magic(t.head); !ok) {
        t.refused = std::move(ok).error();
        return false;
    }
    return true;
}

std::size_t on_write(char* data, std::size_t size, std::size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    const std::size_t n = size * count;
    long status = 0;
    curl_easy_getinfo(t->handle, CURLINFO_RESPONSE_CODE, &status);
    if (status != 0 && (status < 200 || status > 299)) {
        // An error page: the status is the error; its body is not written.
        // Bounded like a body, so an endless error page stops too.
        t->discarded += n;
        if (t->limits->max_bytes > 0 && t->discarded > t->limits->max_bytes) return 0;
        return n;
    }
    if (t->limits->max_bytes > 0 && t->written + n > t->limits->max_bytes) {
        t->refused = make_error(Errc::too_large, over_limit(*t->limits));
        return 0;  // aborts the transfer
    }
    if (!t->magic_checked && t->limits->aci_magic) {
        const std::size_t take = std::min(n, appc::aci_magic_bytes - t->head.size());
        t->head.insert(t->head.end(), data, data + take);
        if (!check_head(*t, false)) return 0;
    }
    if (auto s = t->file->write(std::string_view(data, n)); !s) {
        t->write_error = std::move(s);
        return 0;  // aborts the transfer
    }
    t->written += n;
    return n;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    const std::string_view line(data, size * count);
    constexpr std::string_view name = "content-length:";
    if (line.size() > name.size() && ascii_lower(line.substr(0, name.size())) == name) {
        t->content_length = std::string(trim(line.substr(name.size()), " \t\r\n"));
    }
    return size * count;
}

int on_progress(void* user, curl_off_t total, curl_off_t done, curl_off_t, curl_off_t) {
    auto* t = static_cast<Transfer*>(user);
    if (t->stop.stop_requested()) return 1;
    const auto now = std::chrono::steady_clock::now();
    if (*t->progress && now - t->last_report >= std::chrono::milliseconds(200)) {
        t->last_report = now;
        const double secs = std::chrono::duration<double>(now - t->started).count();
        const auto rate =
            secs > 0 ? static_cast<std::int64_t>(static_cast<double>(done) / secs) : 0;
        (*t->progress)(done, total > 0 ? total : -1, rate);
    }
    return 0;
}

}  // namespace

Result<std::uint64_t> https_download(const std::string& url, store::StagingFile& file,
                                     const HttpsOptions& options, const HttpsProgressFn& progress,
                                     std::stop_token stop, const DownloadLimits& limits) {
    const std::string shown = escape_control(url);
    const bool is_https = url.starts_with("https://");
    if (!is_https && !(options.allow_http && url.starts_with("http://"))) {
        return make_error(Errc::permission, shown +
                                                ": refusing a non-HTTPS URL "
                                                "(--insecure-options=http allows http)");
    }
    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), &curl_easy_cleanup);
    if (!curl) return make_error(Errc::internal, shown + ": curl_easy_init failed");
    Transfer t;
    t.limits = &limits;
    t.file = &file;
    t.progress = &progress;
    t.stop = stop;
    CURL* h = curl.get();
    t.handle = h;
    char errbuf[CURL_ERROR_SIZE] = {};
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(h, CURLOPT_MAXREDIRS, options.max_redirects);
    // Redirects keep to https unless plain http is allowed.
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, options.allow_http ? "https,http" : "https");
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, options.allow_http ? "https,http" : "https");
    curl_easy_setopt(h, CURLOPT_USERAGENT, options.user_agent.c_str());
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(options.connect_timeout.count()));
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(
        h, CURLOPT_LOW_SPEED_TIME,
        static_cast<long>(std::max<std::int64_t>(
            1, std::chrono::duration_cast<std::chrono::seconds>(options.stall_timeout).count())));
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &on_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, &on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, &t);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_BUFFERSIZE, 512L * 1024L);
    if (!options.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, options.ca_file.c_str());
    if (limits.max_bytes > 0) {
        // Refuses a larger Content-Length before the body; on_write enforces
        // the limit on bodies without one.
        curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(limits.max_bytes));
    }
    if (options.skip_tls_verify) {
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    const CURLcode rc = curl_easy_perform(h);
    if (!t.write_error) return with_context(shown, std::move(t.write_error).error());
    if (t.refused) return with_context(shown, *t.refused);
    if (rc == CURLE_ABORTED_BY_CALLBACK) return make_error(Errc::cancelled, shown + ": cancelled");
    if (rc == CURLE_FILESIZE_EXCEEDED) {
        return make_error(Errc::too_large,
                          shown + ": Content-Length " + escape_control(t.content_length, 32) +
                              " is over the limit of " + std::to_string(limits.max_bytes) +
                              " bytes (" + limits.max_reason + ")");
    }
    if (rc == CURLE_WRITE_ERROR && t.discarded > 0) {
        // An endless error page, cut at the limit: the status is the error.
        long error_status = 0;
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &error_status);
        return make_error(error_status == 404 ? Errc::not_found : Errc::network,
                          shown + ": HTTP " + std::to_string(error_status));
    }
    if (rc != CURLE_OK) {
        const std::string why = errbuf[0] ? errbuf : curl_easy_strerror(rc);
        const Errc code = rc == CURLE_OPERATION_TIMEDOUT ? Errc::timeout : Errc::network;
        return make_error(code, shown + ": " + why);
    }
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    if (status < 200 || status > 299) {
        return make_error(status == 404 ? Errc::not_found : Errc::network,
                          shown + ": HTTP " + std::to_string(status));
    }
    if (!check_head(t, true)) return with_context(shown, *t.refused);
    if (auto s = file.sync(); !s) return std::move(s).error();
    if (progress) {
        const double secs =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t.started).count();
        progress(static_cast<std::int64_t>(t.written), static_cast<std::int64_t>(t.written),
                 secs > 0 ? static_cast<std::int64_t>(static_cast<double>(t.written) / secs) : 0);
    }
    return t.written;
}

}  // namespace aciswarm::agent::fetch
