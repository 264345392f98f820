#include "appc/name.hpp"

#include "appc/identifier.hpp"

namespace aciswarm::appc {

bool is_ac_name(std::string_view text) {
    return matches_ac_pattern(text, "-");
}

}  // namespace aciswarm::appc
