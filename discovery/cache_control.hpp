// How long a discovery page may be reused, from its Cache-Control header.
//
//   "public, max-age=300"   -> 300 s
//   "no-cache" / "no-store" -> 0 s
//   "" / "private"          -> nullopt (no lifetime given)
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace aciswarm::discovery {

// Pure. Directive names are case-insensitive; a quoted max-age value is accepted;
// a malformed max-age is ignored; no-store or no-cache win over max-age.
std::optional<std::chrono::seconds> parse_max_age(std::string_view cache_control);

}  // namespace aciswarm::discovery
