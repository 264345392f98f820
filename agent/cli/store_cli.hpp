// Shared by the subcommands that use the image store (import, image *, and
// later fetch/run): the --store option, opening the store with the default
// root (store.hpp default_store_root), and the ACISWARM_TEST_PAUSE_AT hook.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "agent/cli/cli.hpp"
#include "agent/store/store.hpp"
#include "common/options.hpp"

namespace aciswarm::agent {

// --store=DIR, -v and --help, to append to a command's own options.
std::vector<OptionSpec> store_command_options(std::vector<OptionSpec> own);

// Opens the store at --store or the default root. When the environment sets
// ACISWARM_TEST_PAUSE_AT=POINT[,POINT...], the process prints
// "aciswarm: paused at POINT" to stderr at that point of an import or removal
// and stops itself with SIGSTOP; integration tests then kill -9 it there or
// resume it with SIGCONT (points: store.hpp StoreOptions::on_point).
// --max-image-size (when the command has it) bounds imports and downloads.
// read_only: for commands that only read (image list, cat-manifest, export,
// du): no write access to the store is needed (StoreOptions::read_only).
Result<store::Store> open_store(const ParsedOptions& options, CliContext& ctx,
                                bool read_only = false);

// --max-image-size=SIZE: a size as common/units.hpp reads it (4G, 512M; 1024-based), > 0.
Result<std::uint64_t> parse_max_image_size(const std::string& text);
inline constexpr const char* max_image_size_help =
    "largest image accepted, as stored and uncompressed (suffix k, M, G; default 8G)";

// Resolves a user-typed image id prefix, printing the error on failure.
std::optional<store::ImageRecord> find_image(const store::Store& s, const std::string& prefix,
                                             CliContext& ctx);

// "2026-01-01 12:00:00Z"; RFC 3339 "2026-01-01T12:00:00Z" with rfc3339 = true.
std::string format_time(Clock::WallTime t, bool rfc3339 = false);

}  // namespace aciswarm::agent
