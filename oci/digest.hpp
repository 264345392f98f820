// OCI content digests: the strong type for "sha256:<64 lowercase hex>" and an
// incremental verifier that hashes bytes as they stream by.
//
// Text form (the distribution spec's digest grammar, restricted to the one
// algorithm we accept):
//   offset 0   "sha256:"            7 bytes, the algorithm and its separator
//   offset 7   64 lowercase hex      the SHA-256 of the content
//   total      71 bytes
// Only sha256 is accepted: sha512 and other registered algorithms are refused
// with a message that says so (every registry in use serves sha256).
//
// parse_digest is pure over a string_view (fuzz target: tests/fuzz/oci.cmake).
// Thread: a Digest is an immutable value; a Sha256Verifier belongs to one
// thread at a time. Nothing here touches disk.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "common/digest.hpp"
#include "common/fixed_bytes.hpp"
#include "common/result.hpp"

namespace aciswarm::oci {

inline constexpr std::string_view sha256_prefix = "sha256:";
inline constexpr std::size_t digest_text_size = 71;

class Digest : public FixedBytes<32, Digest> {
  public:
    static constexpr const char* type_name = "digest";
    using FixedBytes::FixedBytes;

    // "sha256:<hex>".
    std::string to_string() const { return std::string(sha256_prefix) + hex(); }
    // SHA-256 of `bytes`.
    static Digest of(std::string_view bytes);
};

// Parses "sha256:<64 lowercase hex>". Errors name the input (escaped, cut) and
// say what is wrong: another algorithm ("only sha256 is accepted"), a missing
// ':', a wrong length, an uppercase or non-hex digit.
Result<Digest> parse_digest(std::string_view text);

// Hashes bytes as they arrive; finish() compares with the expected digest.
class Sha256Verifier {
  public:
    explicit Sha256Verifier(Digest expected);
    void update(std::string_view bytes);
    std::uint64_t bytes() const { return bytes_; }
    // Ok when the bytes seen hash to the expected digest; Errc::corrupt
    // naming both digests otherwise. Call once.
    Status finish();

  private:
    Digest expected_;
    aciswarm::Digest sha256_{aciswarm::Digest::Algorithm::sha256};
    std::uint64_t bytes_ = 0;
};

}  // namespace aciswarm::oci

ACISWARM_FIXED_BYTES_HASH(aciswarm::oci::Digest);
