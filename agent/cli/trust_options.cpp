#include "agent/cli/trust_options.hpp"

#include <memory>
#include <ostream>

#include "common/file_read.hpp"
#include "trust/verifier.hpp"

namespace aciswarm::agent {

trust::TrustDirs trust_dirs(const ParsedOptions& options) {
    if (auto dir = options.get("trust-dir")) return trust::TrustDirs::only(*dir);
    return trust::TrustDirs::system_default();
}

ImageVerifyFn image_verifier(const ParsedOptions& options, bool insecure_image, CliContext& ctx) {
    if (insecure_image) {
        ctx.log.warn("--insecure-options=image: image signatures are not checked");
        return {};
    }
    auto verifier = std::make_shared<trust::ImageVerifier>(trust_dirs(options), ctx.clock);
    return [verifier](const std::filesystem::path& blob, std::string_view name,
                      const std::optional<std::string>& signature) -> Result<std::string> {
        auto check = verifier->verify(blob, name, signature);
        if (!check) return std::move(check).error();
        return check->primary.hex;
    };
}

int exit_code_for(const Error& error) {
    return error.code == Errc::untrusted ? exit_untrusted : exit_failure;
}

Result<std::string> read_signature_file(const std::string& path, std::string_view option) {
    auto bytes = read_file_bounded(path, max_signature_file_bytes);
    if (!bytes && !option.empty()) return with_context(option, std::move(bytes).error());
    return bytes;
}

}  // namespace aciswarm::agent
