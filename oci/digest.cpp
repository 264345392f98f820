#include "oci/digest.hpp"

#include "common/text.hpp"

namespace aciswarm::oci {
namespace {

Error bad_digest(std::string_view text, std::string_view why) {
    return make_error(Errc::invalid_argument,
                      "digest " + escape_control(text, 80) + ": " + std::string(why));
}

Digest from_sha256(std::span<const std::uint8_t> bytes) {
    Digest out;
    std::copy(bytes.begin(), bytes.end(), out.mutable_bytes().begin());
    return out;
}

}  // namespace

Digest Digest::of(std::string_view bytes) {
    const std::vector<std::uint8_t> sum =
        aciswarm::Digest::of(aciswarm::Digest::Algorithm::sha256, bytes);
    return from_sha256(sum);
}

Result<Digest> parse_digest(std::string_view text) {
    const std::size_t colon = text.find(':');
    if (colon == std::string_view::npos) {
        return bad_digest(text, "want sha256:<64 lowercase hex digits>");
    }
    if (text.substr(0, colon) != "sha256") {
        return bad_digest(text, "only sha256 is accepted");
    }
    const std::string_view hex = text.substr(colon + 1);
    if (hex.size() != 64) {
        return bad_digest(text, std::to_string(hex.size()) + " hex digits, want 64");
    }
    for (std::size_t i = 0; i < hex.size(); ++i) {
        const char c = hex[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return bad_digest(
                text, "not a lowercase hex digit at offset " + std::to_string(colon + 1 + i));
        }
    }
    return Digest::from_hex(hex);
}

Sha256Verifier::Sha256Verifier(Digest expected) : expected_(expected) {}

void Sha256Verifier::update(std::string_view bytes) {
    sha256_.update(bytes);
    bytes_ += bytes.size();
}

Status Sha256Verifier::finish() {
    const Digest got = from_sha256(sha256_.finish());
    if (got == expected_) return {};
    return make_error(Errc::corrupt, "content of " + expected_.to_string() + " (" +
                                         std::to_string(bytes_) + " bytes) hashes to " +
                                         got.to_string());
}

}  // namespace aciswarm::oci
