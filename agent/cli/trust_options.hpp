// Shared by the commands that put images into the store (fetch, import) and
// by `aciswarm trust`: --trust-dir, and the verify hook built from it
// (trust/verifier.hpp) unless --insecure-options=image turned it off.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "agent/cli/cli.hpp"
#include "common/options.hpp"
#include "common/result.hpp"
#include "trust/trust_store.hpp"

namespace aciswarm::agent {

// Exit code of a fetch or import refused by the trust check (a missing, bad
// or untrusted signature), distinct from failures (1) and usage errors (2).
inline constexpr int exit_untrusted = 3;

using ImageVerifyFn =
    std::function<Result<std::string>(const std::filesystem::path& blob, std::string_view name,
                                      const std::optional<std::string>& signature)>;

inline constexpr std::string_view trust_dir_help =
    "trusted keys: this directory alone instead of /etc/aciswarm/trustedkeys over "
    "/usr/lib/aciswarm/trustedkeys";

// --trust-dir=DIR, else the system directories.
trust::TrustDirs trust_dirs(const ParsedOptions& options);

// The hook for FetchOptions::verify / ImportRequest::verify, or an empty
// function when `insecure_image` (after printing a warning to ctx.err).
ImageVerifyFn image_verifier(const ParsedOptions& options, bool insecure_image, CliContext& ctx);

// exit_untrusted for Errc::untrusted, else exit_failure.
int exit_code_for(const Error& error);

// A detached signature (armoured or binary, a few KiB) from `path`, at most
// max_signature_file_bytes (common/file_read.hpp's rules: a regular file only).
// Errors name `option` (e.g. "--signature") and the path.
inline constexpr std::size_t max_signature_file_bytes = 1 << 20;
Result<std::string> read_signature_file(const std::string& path, std::string_view option);

}  // namespace aciswarm::agent
