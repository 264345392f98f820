#include "agent/cli/auth_options.hpp"

namespace aciswarm::agent {

http::AuthDirs auth_dirs(const ParsedOptions& options) {
    if (auto dir = options.get("auth-dir")) return http::AuthDirs::only(*dir);
    return http::AuthDirs::system_default();
}

Result<http::Credentials> load_auth_options(const ParsedOptions& options, Logger& log) {
    auto loaded = http::load_credentials(auth_dirs(options));
    if (!loaded) return with_context("auth.d", std::move(loaded).error());
    for (const std::string& skipped : loaded->skipped)
        log.warn("auth.d: passing over ", skipped);
    for (const std::string& domain : loaded->credentials.domains())
        log.debug("auth.d: credentials configured for ", domain);
    return std::move(loaded->credentials);
}

}  // namespace aciswarm::agent
