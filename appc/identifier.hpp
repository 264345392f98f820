// appc's AC Identifier (spec/types.md of appc/spec): the type of image names
// and label names.
//
//   ^[a-z0-9]+([-._~/][a-z0-9]+)*$     e.g. "example.com/app", "a.b"
//
// Pure functions over text; no state.
#pragma once

#include <string>
#include <string_view>

namespace aciswarm::appc {

// ^[a-z0-9]+([<separators>][a-z0-9]+)*$: runs of lowercase letters and digits
// joined by single separators. The shape of both AC Identifier and AC Name.
bool matches_ac_pattern(std::string_view text, std::string_view separators);

inline constexpr std::string_view ac_identifier_separators = "-._~/";

// True when `text` is an AC Identifier.
bool is_ac_identifier(std::string_view text);

// The rule in words, for messages.
inline constexpr std::string_view ac_identifier_rule =
    "an appc name has lowercase letters a-z, digits 0-9 and the separators - . _ ~ /, "
    "starts and ends with a letter or digit, and has no two separators in a row";

// What is wrong with `text` as an AC Identifier, in words ("has an uppercase
// letter 'E'", "ends with '/'"), control characters escaped; "" when valid.
std::string ac_identifier_problem(std::string_view text);

}  // namespace aciswarm::appc
