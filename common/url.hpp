// Percent-encoding (RFC 3986) and query strings, strict: a '%' not followed by
// two hex digits is an error, never passed through.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.hpp"

namespace aciswarm {

// Encodes every byte except RFC 3986 unreserved characters (A-Z a-z 0-9 - . _ ~).
std::string percent_encode(std::span<const std::uint8_t> bytes);
std::string percent_encode(std::string_view text);

enum class PlusIs { literal, space };

// Decodes %XX escapes (either case). With PlusIs::space, '+' becomes ' '
// (application/x-www-form-urlencoded). Fails on a truncated or non-hex escape.
Result<std::string> percent_decode(std::string_view text, PlusIs plus = PlusIs::literal);

// Decodes into a caller buffer without allocating; returns the decoded length.
// Fails when out is too small or an escape is bad.
Result<std::size_t> percent_decode_into(std::string_view text, std::span<std::uint8_t> out,
                                        PlusIs plus = PlusIs::literal);

// Calls f(key, value) -> Status for each "key=value" segment of a query, in order, still
// percent-encoded and without allocating: empty segments are skipped, a segment without '='
// has an empty value. Stops at the first error f returns.
template <class F>
Status for_each_query_param(std::string_view query, F&& f) {
    while (!query.empty()) {
        const std::size_t amp = query.find('&');
        const std::string_view segment = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        if (segment.empty()) continue;
        const std::size_t eq = segment.find('=');
        const std::string_view value =
            eq == std::string_view::npos ? std::string_view{} : segment.substr(eq + 1);
        if (auto ok = f(segment.substr(0, eq), value); !ok) return ok;
    }
    return {};
}

// `url` without its userinfo ("https://u:p@h/x" -> "https://h/x"), for the
// messages and files that must never carry a registry's credentials.
std::string url_without_userinfo(std::string_view url);

// Private swarms (docs/private.md): a node's key rides in its tracker URLs as
// this query parameter.
inline constexpr std::string_view passkey_param_name = "passkey";

// One query parameter: parse_query's result, with_query_params's input (which
// uses it as given: callers pass only characters that need no escaping).
struct QueryParam {
    std::string key;
    std::string value;
};

// `url` with "name=value" added to its query for each parameter whose name the
// query does not have yet, before any fragment ("http://t/a?x=1#f" + y=2 ->
// "http://t/a?x=1&y=2#f"). The one way the agent adds keys to tracker URLs.
std::string with_query_params(std::string_view url, std::span<const QueryParam> params);

// `url` with "passkey=KEY" added to its query (kept as is when it has a
// passkey already).
std::string with_passkey(std::string_view url, std::string_view key);

// `url` without any parameter named `key` (the rest of its query and its
// fragment kept as they were).
std::string without_query_param(std::string_view url, std::string_view key);

// `url` without any "passkey" parameter: a tracker URL before a new key is
// added (SIGHUP).
std::string without_passkey(std::string_view url);

// `text` with the value of every "passkey=" replaced by "REDACTED" and the
// userinfo of every URL in it removed: tracker and web seed URLs and
// libtorrent's messages about them, for logs and errors.
std::string redact_url_secrets(std::string_view text);

// Splits "a=1&b=%20&c" into decoded pairs, in order (keys may repeat; "c" has an
// empty value). '+' is a space in both keys and values. Empty segments are skipped.
Result<std::vector<QueryParam>> parse_query(std::string_view query);

}  // namespace aciswarm
