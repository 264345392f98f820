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

struct QueryParam {
    std::string key;
    std::string value;
};

// Splits "a=1&b=%20&c" into decoded pairs, in order (keys may repeat; "c" has an
// empty value). '+' is a space in both keys and values. Empty segments are skipped.
Result<std::vector<QueryParam>> parse_query(std::string_view query);

}  // namespace aciswarm
