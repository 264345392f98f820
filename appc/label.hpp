// appc image labels: name -> value pairs next to an image's name ("version",
// "os", "arch", ...), in manifests and in image arguments.
//
// The spec gives one rule for a label name in both places (spec/aci.md,
// image manifest; spec/discovery.md, image strings): it is an AC Identifier
// ("a.b" and "example.com/x" are valid label names) and it is not "name".
// Discovery and the store both check it here, so an image argument that
// discovery accepts cannot be refused at import for its label names.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>

namespace aciswarm::appc {

// Labels of one image: name -> value, names unique, sorted by name.
using Labels = std::map<std::string, std::string, std::less<>>;

// What is wrong with `name` as a label name, in words ("has an uppercase
// letter 'O'", "is reserved: ..."), control characters escaped; "" when valid.
std::string label_name_problem(std::string_view name);

bool is_label_name(std::string_view name);

}  // namespace aciswarm::appc
