// The policy that decides whether an image may enter the store: its detached
// signature must verify against a key the trust store trusts for the image's
// name (root keys, or keys for one of the name's prefixes), and that key must
// be neither revoked nor expired now. rkt's rule (`rkt fetch` without
// --insecure-options=image).
//
// Thread ownership: none; verify() reads the trust store afresh on each call
// (a key trusted a moment ago counts) and may run on any thread.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "trust/openpgp.hpp"
#include "trust/trust_store.hpp"

namespace aciswarm::trust {

class ImageVerifier {
  public:
    ImageVerifier(TrustDirs dirs, const Clock& clock) : store_(std::move(dirs)), clock_(&clock) {}

    // `blob` is the .aci file exactly as served; `signature` its .aci.asc
    // (nullopt: none was found). Errc::untrusted with one line naming the
    // image and, when known, the key's fingerprint.
    Result<SignatureCheck> verify(const std::filesystem::path& blob, std::string_view image_name,
                                  const std::optional<std::string>& signature) const;

  private:
    TrustStore store_;
    const Clock* clock_;
};

}  // namespace aciswarm::trust
