// Human durations for flags and config: "90s", "15m", "24h", "7d", "1h30m", "250ms".
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace aciswarm {

// Units: ms, s, m, h, d. A bare number is seconds. Fails on empty input,
// unknown units, negative values and overflow, naming the input.
Result<std::chrono::milliseconds> parse_duration(std::string_view text);

// The shortest exact spelling: 5400000ms -> "1h30m".
std::string format_duration(std::chrono::milliseconds d);

}  // namespace aciswarm
