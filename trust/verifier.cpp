#include "trust/verifier.hpp"

#include <vector>

#include "trust/printable.hpp"

namespace aciswarm::trust {

Result<SignatureCheck> ImageVerifier::verify(const std::filesystem::path& blob,
                                             std::string_view image_name,
                                             const std::optional<std::string>& signature) const {
    const std::string what = "image " + printable(image_name);
    const std::string skip = " (--insecure-options=image skips the check)";
    if (!signature || signature->empty()) {
        return make_error(Errc::untrusted, what + ": no signature (.aci.asc) to check" + skip);
    }
    auto entries = store_.keys_for(image_name);
    if (!entries) return std::move(entries).error();
    std::vector<std::string> keys;
    for (const TrustedKey& k : *entries) {
        auto bytes = read_key_file(k.file);
        if (bytes) keys.push_back(std::move(*bytes));
    }
    auto check = verify_detached_file(blob, as_bytes(*signature), keys, clock_->wall_now(), what);
    if (!check) {
        Error e = std::move(check).error();
        if (e.code == Errc::untrusted && e.message.ends_with("which is not trusted")) {
            e.message += " for " + printable(image_name) +
                         (keys.empty() ? " (no key is trusted for this name;" : " (") +
                         " aciswarm trust --prefix=" + printable(image_name) + " KEY)";
        } else if (e.code == Errc::untrusted) {
            e.message += skip;
        }
        return e;
    }
    return check;
}

}  // namespace aciswarm::trust
