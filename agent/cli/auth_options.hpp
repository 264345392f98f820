// --auth-dir, shared by the commands that make HTTPS requests to a registry
// (fetch, discover, trust): the credentials of http/auth.hpp (rkt's auth.d
// format) from DIR alone, else /etc/aciswarm/auth.d over /usr/lib/aciswarm/auth.d.
#pragma once

#include <string_view>

#include "common/log.hpp"
#include "common/options.hpp"
#include "common/result.hpp"
#include "http/auth.hpp"

namespace aciswarm::agent {

inline constexpr std::string_view auth_dir_help =
    "registry credentials (rkt's auth.d JSON files): this directory alone instead of "
    "/etc/aciswarm/auth.d over /usr/lib/aciswarm/auth.d";

// --auth-dir=DIR, else the system directories.
http::AuthDirs auth_dirs(const ParsedOptions& options);

// Loads the credentials; files this user cannot read are logged as warnings,
// the configured domains at -v (never a secret). A bad file is an error naming it.
Result<http::Credentials> load_auth_options(const ParsedOptions& options, Logger& log);

}  // namespace aciswarm::agent
