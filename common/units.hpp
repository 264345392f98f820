// Numbers people type into options and config files: integers, sizes, rates
// and durations. Every command (aciswarm's subcommands, the daemon's config,
// aciswarm-tracker) parses them here, so "4M" means the same thing everywhere.
//
//   sizes   4096, 512k, 4M, 4MiB, 1.5G, 2T     binary: k = KiB = 1024, M = MiB = 2^20,
//                                              G = GiB = 2^30, T = TiB = 2^40; a trailing
//                                              "B" is allowed after the binary form (4MiB,
//                                              not 4MB: "MB" is refused as ambiguous)
//   rates   the same, in bytes/s ("/s" may follow: 4M/s). Binary like libtorrent,
//           transmission and qBittorrent, whose rate limits are bytes/s with k = 1024.
//   durations  100ms, 30s, 5m, 6h, 7d, 1h30m; a bare number is seconds (common/duration.hpp)
//   integers   decimal, optional leading '-' where the range allows it
//
// A fraction ("1.5G") is allowed with a unit and rounds down to whole bytes.
// Errors are one line naming the option and the value as typed (control
// characters escaped): "--max-upload-rate: '4X' is not a rate: unknown unit 'X' (...)".
// Pure functions, no I/O.
#pragma once

#include <chrono>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace aciswarm {

// "4M" -> 4194304. Fails on empty input, junk, unknown units, negatives and
// values over 2^64-1, the message naming the text.
Result<std::uint64_t> parse_size(std::string_view text);
// A size in bytes/s; accepts a trailing "/s".
Result<std::uint64_t> parse_rate(std::string_view text);
// A decimal integer (no unit).
Result<std::int64_t> parse_integer(std::string_view text);

// The same with a range check; `option` is how the input is named in the
// message: "--max-upload-rate" for a flag, "max-upload-rate" for a config key.
Result<std::int64_t> parse_integer_option(std::string_view option, std::string_view text,
                                          std::int64_t min, std::int64_t max);
Result<std::uint64_t> parse_size_option(
    std::string_view option, std::string_view text, std::uint64_t min = 0,
    std::uint64_t max = std::numeric_limits<std::uint64_t>::max());
Result<std::uint64_t> parse_rate_option(
    std::string_view option, std::string_view text, std::uint64_t min = 0,
    std::uint64_t max = std::numeric_limits<std::uint64_t>::max());
Result<std::chrono::milliseconds> parse_duration_option(
    std::string_view option, std::string_view text,
    std::chrono::milliseconds min = std::chrono::milliseconds(0),
    std::chrono::milliseconds max = std::chrono::milliseconds::max());

// "4 MiB", "1.5 GiB", "512 B": for help text and messages.
std::string format_size(std::uint64_t bytes);

}  // namespace aciswarm
