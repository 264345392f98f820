// appc's AC Name (spec/types.md of appc/spec): the type of app, volume, port
// and isolator names inside manifests; stricter than an AC Identifier.
//
//   ^[a-z0-9]+(-[a-z0-9]+)*$           e.g. "version", "my-port2"
//
// Label names are NOT AC Names: they are AC Identifiers (appc/label.hpp).
#pragma once

#include <string_view>

namespace aciswarm::appc {

bool is_ac_name(std::string_view text);

}  // namespace aciswarm::appc
