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

Status parse_port(std::string_view raw, std::uint16_t& out) {
    std::uint64_t port = 0;
    if (auto ok = parse_u64("port", raw, port); !ok) return ok;
    if (port == 0 || port > 65535) {
        return make_error(Errc::invalid_argument,
                          "port: " + std::to_string(port) + " is not in 1..65535");
    }
    out = static_cast<std::uint16_t>(port);
    return {};
}

// Huge values mean "as many as you give"; negative ones mean "the default" (-1).
Status parse_numwant(std::string_view raw, std::int64_t& out) {
    std::int64_t n = 0;
    const auto [ptr, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), n);
    if (raw.empty() || ptr != raw.data() + raw.size() ||
        (ec != std::errc{} && ec != std::errc::result_out_of_range)) {
        return make_error(Errc::invalid_argument,
                          "numwant: '" + std::string(raw.substr(0, 32)) + "' is not an integer");
    }
    if (ec == std::errc::result_out_of_range) n = raw.front() == '-' ? -1 : INT32_MAX;
    out = n < 0 ? -1 : std::min<std::int64_t>(n, INT32_MAX);
    return {};
}

Status parse_event(std::string_view raw, Event& out) {
    if (raw == "started") {
        out = Event::started;
    } else if (raw == "completed") {
        out = Event::completed;
    } else if (raw == "stopped") {
        out = Event::stopped;
    } else if (raw.empty() || raw == "empty" || raw == "paused") {
        out = Event::none;
    } else {
        return make_error(Errc::invalid_argument,
                          "event: '" + std::string(raw.substr(0, 32)) +
                              "' is not started, completed, stopped or empty");
    }
    return {};
}

// Opaque to us; keep up to 8 hex digits when given as hex, else 0.
std::uint32_t parse_key(std::string_view raw) {
    std::uint32_t k = 0;
    std::from_chars(raw.data(), raw.data() + raw.size(), k, 16);
    return k;
}

Status parse_zone(std::string_view raw, ZoneAnnounce& out) {
    std::uint8_t buf[zones::kMaxZoneName + 1];
    auto n = percent_decode_into(raw, std::span(buf, sizeof(buf)));
    if (!n) {
        return make_error(Errc::invalid_argument,
                          "zone: '" + std::string(raw.substr(0, 48)) + "' is not a zone name");
    }
    auto name = zones::ZoneName::parse(std::string_view(reinterpret_cast<const char*>(buf), *n));
    if (!name) return std::move(name).error();
    out.claimed = *name;
    out.aware = true;
    return {};
}

Status parse_leader(std::string_view raw, ZoneAnnounce& out) {
    if (raw != "candidate" && raw != "none") {
        return make_error(Errc::invalid_argument, "leader: '" + std::string(raw.substr(0, 32)) +
                                                      "' is not candidate or none");
    }
    out.candidate = raw == "candidate";
    out.aware = true;
    return {};
}

// Which of the required announce keys a query has given.
struct RequiredKeys {
    bool info_hash = false;
    bool peer_id = false;
    bool port = false;
};

// One key=value of an announce into p; unknown keys are ignored.
Status apply_announce_param(std::string_view key, std::string_view value, AnnounceParams& p,
                            RequiredKeys& seen) {
    if (key == "info_hash") {
        if (seen.info_hash) return make_error(Errc::invalid_argument, "info_hash: given twice");
        seen.info_hash = true;
        return decode_fixed("info_hash", value, p.info_hash);
    }
    if (key == "peer_id") {
        seen.peer_id = true;
        return decode_fixed("peer_id", value, p.peer_id);
    }
    if (key == "port") {
        if (auto ok = parse_port(value, p.port); !ok) return ok;
        seen.port = true;
        return {};
    }
    if (key == "uploaded") return parse_u64("uploaded", value, p.uploaded);
    if (key == "downloaded") return parse_u64("downloaded", value, p.downloaded);
    if (key == "left") return parse_u64("left", value, p.left);
    if (key == "numwant") return parse_numwant(value, p.numwant);
    if (key == "event") return parse_event(value, p.event);
    if (key == "zone") return parse_zone(value, p.zone);
    if (key == "leader") return parse_leader(value, p.zone);
    if (key == "up") return parse_u64("up", value, p.zone.capacity.up);
    if (key == "down") return parse_u64("down", value, p.zone.capacity.down);
    if (key == "compact") p.compact = value != "0";
    if (key == "no_peer_id") p.no_peer_id = value != "0";
    if (key == "key") p.key = parse_key(value);
    return {};  // ip, trackerid, supportcrypto, ...: ignored (the source address counts)
}

// An announce's keys; a /zone query needs no peer_id.
Result<AnnounceParams> parse_announce_keys(std::string_view query, bool peer_id_required) {
    AnnounceParams p;
    RequiredKeys seen;
    auto st = for_each_query_param(query, [&](std::string_view key, std::string_view value) {
        return apply_announce_param(key, value, p, seen);
    });
    if (!st) return std::move(st).error();
    if (!seen.info_hash) return make_error(Errc::invalid_argument, "info_hash: missing");
    if (peer_id_required && !seen.peer_id) {
        return make_error(Errc::invalid_argument, "peer_id: missing");
    }
    if (!seen.port) return make_error(Errc::invalid_argument, "port: missing");
    return p;
}
}  // namespace

Result<AnnounceParams> parse_announce_query(std::string_view query) {
    return parse_announce_keys(query, true);
}

Result<AnnounceParams> parse_zone_query(std::string_view query) {
    return parse_announce_keys(query, false);
}

Result<std::size_t> parse_scrape_query(std::string_view query, std::span<InfoHash> out) {
    std::size_t n = 0;
    auto st =
        for_each_query_param(query, [&](std::string_view key, std::string_view value) -> Status {
            if (key != "info_hash") return {};
            if (n == out.size()) {
                return make_error(
                    Errc::too_large,
                    "info_hash: more than " + std::to_string(out.size()) + " in one scrape");
            }
            return decode_fixed("info_hash", value, out[n++]);
        });
    if (!st) return std::move(st).error();
    return n;
}

}  // namespace aciswarm::tracker::http
