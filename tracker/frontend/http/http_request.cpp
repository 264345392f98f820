#include "tracker/frontend/http/http_request.hpp"

#include <algorithm>
#include <charconv>
#include <string>

#include "common/url.hpp"

namespace aciswarm::tracker::http {
namespace {

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               auto lower = [](char c) {
                   return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
               };
               return lower(x) == lower(y);
           });
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

bool contains_token(std::string_view value, std::string_view token) {
    while (!value.empty()) {
        const auto comma = value.find(',');
        if (iequals(trim(value.substr(0, comma)), token)) return true;
        if (comma == std::string_view::npos) break;
        value.remove_prefix(comma + 1);
    }
    return false;
}

HeadParse fail(int status, std::string_view reason) {
    HeadParse p;
    p.state = HeadParse::State::error;
    p.error = {status, reason};
    return p;
}

}  // namespace

HeadParse parse_request_head(std::string_view buffer, std::size_t max_head) {
    const std::size_t end = buffer.find("\r\n\r\n");
    if (end == std::string_view::npos || end + 4 > max_head) {
        if (buffer.size() >= max_head || (end != std::string_view::npos)) {
            // Tell a long request line (414) from long headers (431).
            const bool line_done =
                buffer.substr(0, max_head).find("\r\n") != std::string_view::npos;
            return line_done ? fail(431, "request headers too large")
                             : fail(414, "request line too long");
        }
        return {};
    }
    HeadParse p;
    p.head.head_size = end + 4;
    const std::string_view head = buffer.substr(0, end + 2);
    const std::size_t line_end = head.find("\r\n");
    const std::string_view line = head.substr(0, line_end);
    const std::size_t sp1 = line.find(' ');
    if (sp1 == std::string_view::npos || sp1 == 0) return fail(400, "malformed request line");
    const std::size_t sp2 = line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos || sp2 == sp1 + 1) return fail(400, "malformed request line");
    p.head.method = line.substr(0, sp1);
    const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    const std::string_view version = line.substr(sp2 + 1);
    if (version == "HTTP/1.1") {
        p.head.keep_alive = true;
    } else if (version == "HTTP/1.0") {
        p.head.keep_alive = false;
    } else {
        return fail(505, "unsupported HTTP version");
    }
    if (target.empty() || target.front() != '/')
        return fail(400, "request target must start with /");
    const std::size_t q = target.find('?');
    p.head.path = target.substr(0, q);
    p.head.query = q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
    if (const auto hash = p.head.query.find('#'); hash != std::string_view::npos) {
        p.head.query = p.head.query.substr(0, hash);
    }

    std::string_view rest = head.substr(line_end + 2);
    while (!rest.empty()) {
        const std::size_t eol = rest.find("\r\n");
        const std::string_view header = rest.substr(0, eol);
        rest.remove_prefix(eol + 2);
        const std::size_t colon = header.find(':');
        if (colon == std::string_view::npos || colon == 0)
            return fail(400, "malformed header line");
        const std::string_view name = header.substr(0, colon);
        const std::string_view value = trim(header.substr(colon + 1));
        if (iequals(name, "connection")) {
            if (contains_token(value, "close")) p.head.keep_alive = false;
            if (contains_token(value, "keep-alive")) p.head.keep_alive = true;
        } else if (iequals(name, "content-length")) {
            if (value != "0") return fail(400, "request bodies are not accepted");
        } else if (iequals(name, "transfer-encoding")) {
            return fail(400, "request bodies are not accepted");
        }
    }
    if (p.head.method != "GET" && p.head.method != "HEAD") return fail(405, "method not allowed");
    p.state = HeadParse::State::complete;
    return p;
}

namespace {

// Iterates key=value segments of a query without allocating.
template <class F>
Status for_each_param(std::string_view query, F&& f) {
    while (!query.empty()) {
        const std::size_t amp = query.find('&');
        const std::string_view segment = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        if (segment.empty()) continue;
        const std::size_t eq = segment.find('=');
        const std::string_view key = segment.substr(0, eq);
        const std::string_view value =
            eq == std::string_view::npos ? std::string_view{} : segment.substr(eq + 1);
        if (auto ok = f(key, value); !ok) return ok;
    }
    return {};
}

template <class T>
Status decode_fixed(std::string_view name, std::string_view raw, T& out) {
    std::uint8_t buf[T::size_bytes + 1];
    auto n = percent_decode_into(raw, std::span(buf, sizeof(buf)));
    if (!n) {
        // Either a bad escape or longer than the buffer: say which.
        auto full = percent_decode(raw);
        if (!full) return with_context(name, std::move(full).error());
        return make_error(Errc::invalid_argument,
                          std::string(name) + ": " + std::to_string(full->size()) +
                              " bytes, want " + std::to_string(T::size_bytes));
    }
    if (*n != T::size_bytes) {
        return make_error(Errc::invalid_argument, std::string(name) + ": " + std::to_string(*n) +
                                                      " bytes, want " +
                                                      std::to_string(T::size_bytes));
    }
    std::copy_n(buf, T::size_bytes, out.data());
    return {};
}

Status parse_u64(std::string_view name, std::string_view raw, std::uint64_t& out) {
    const auto [ptr, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), out);
    if (raw.empty() || ec != std::errc{} || ptr != raw.data() + raw.size()) {
        return make_error(Errc::invalid_argument, std::string(name) + ": '" +
                                                      std::string(raw.substr(0, 32)) +
                                                      "' is not a non-negative integer");
    }
    return {};
}

}  // namespace

Result<AnnounceParams> parse_announce_query(std::string_view query) {
    AnnounceParams p;
    bool have_hash = false;
    bool have_peer_id = false;
    bool have_port = false;
    auto st = for_each_param(query, [&](std::string_view key, std::string_view value) -> Status {
        if (key == "info_hash") {
            if (have_hash) return make_error(Errc::invalid_argument, "info_hash: given twice");
            have_hash = true;
            return decode_fixed("info_hash", value, p.info_hash);
        }
        if (key == "peer_id") {
            have_peer_id = true;
            return decode_fixed("peer_id", value, p.peer_id);
        }
        if (key == "port") {
            std::uint64_t port = 0;
            if (auto ok = parse_u64("port", value, port); !ok) return ok;
            if (port == 0 || port > 65535) {
                return make_error(Errc::invalid_argument,
                                  "port: " + std::to_string(port) + " is not in 1..65535");
            }
            p.port = static_cast<std::uint16_t>(port);
            have_port = true;
            return {};
        }
        if (key == "uploaded") return parse_u64("uploaded", value, p.uploaded);
        if (key == "downloaded") return parse_u64("downloaded", value, p.downloaded);
        if (key == "left") return parse_u64("left", value, p.left);
        if (key == "numwant") {
            std::int64_t n = 0;
            const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
            if (value.empty() || ptr != value.data() + value.size() ||
                (ec != std::errc{} && ec != std::errc::result_out_of_range)) {
                return make_error(
                    Errc::invalid_argument,
                    "numwant: '" + std::string(value.substr(0, 32)) + "' is not an integer");
            }
            // Huge values mean "as many as you give"; negative ones mean "the default".
            if (ec == std::errc::result_out_of_range) n = value.front() == '-' ? -1 : INT32_MAX;
            p.numwant = n < 0 ? -1 : std::min<std::int64_t>(n, INT32_MAX);
            return {};
        }
        if (key == "compact") {
            p.compact = value != "0";
            return {};
        }
        if (key == "no_peer_id") {
            p.no_peer_id = value != "0";
            return {};
        }
        if (key == "key") {
            // Opaque to us; keep up to 8 hex digits when given as hex, else ignore.
            std::uint32_t k = 0;
            std::from_chars(value.data(), value.data() + value.size(), k, 16);
            p.key = k;
            return {};
        }
        if (key == "event") {
            if (value == "started") {
                p.event = Event::started;
            } else if (value == "completed") {
                p.event = Event::completed;
            } else if (value == "stopped") {
                p.event = Event::stopped;
            } else if (value.empty() || value == "empty" || value == "paused") {
                p.event = Event::none;
            } else {
                return make_error(Errc::invalid_argument,
                                  "event: '" + std::string(value.substr(0, 32)) +
                                      "' is not started, completed, stopped or empty");
            }
            return {};
        }
        return {};  // ip, trackerid, supportcrypto, ...: ignored (the source address counts)
    });
    if (!st) return std::move(st).error();
    if (!have_hash) return make_error(Errc::invalid_argument, "info_hash: missing");
    if (!have_peer_id) return make_error(Errc::invalid_argument, "peer_id: missing");
    if (!have_port) return make_error(Errc::invalid_argument, "port: missing");
    return p;
}

Result<std::size_t> parse_scrape_query(std::string_view query, std::span<InfoHash> out) {
    std::size_t n = 0;
    auto st = for_each_param(query, [&](std::string_view key, std::string_view value) -> Status {
        if (key != "info_hash") return {};
        if (n == out.size()) {
            return make_error(Errc::too_large, "info_hash: more than " +
                                                   std::to_string(out.size()) + " in one scrape");
        }
        return decode_fixed("info_hash", value, out[n++]);
    });
    if (!st) return std::move(st).error();
    return n;
}

}  // namespace aciswarm::tracker::http
