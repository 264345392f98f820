#include "agent/fetch/progress.hpp"

#include <array>
#include <utility>

namespace aciswarm::agent::fetch {
namespace {

constexpr std::array<std::pair<FetchPhase, std::string_view>, 6> phase_names{{
    {FetchPhase::discovering, "discovering"},
    {FetchPhase::metadata, "metadata"},
    {FetchPhase::downloading, "downloading"},
    {FetchPhase::https, "https"},
    {FetchPhase::verifying, "verifying"},
    {FetchPhase::done, "done"},
}};

}  // namespace

std::string_view fetch_phase_name(FetchPhase phase) {
    for (const auto& [p, name] : phase_names) {
        if (p == phase) return name;
    }
    return "?";
}

std::optional<FetchPhase> parse_fetch_phase(std::string_view name) {
    for (const auto& [p, n] : phase_names) {
        if (n == name) return p;
    }
    return std::nullopt;
}

}  // namespace aciswarm::agent::fetch
