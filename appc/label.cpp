#include "appc/label.hpp"

#include "appc/identifier.hpp"

namespace aciswarm::appc {

std::string label_name_problem(std::string_view name) {
    // The spec: "to avoid confusion with the image's name" a label cannot be "name".
    if (name == "name") return "is reserved: 'name' is the image's name, not a label";
    return ac_identifier_problem(name);
}

bool is_label_name(std::string_view name) {
    return name != "name" && is_ac_identifier(name);
}

}  // namespace aciswarm::appc
