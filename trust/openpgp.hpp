// OpenPGP through RNP (librnp, in-process: no agent, no home directory): read
// a public key, check a detached signature over a file against a given set of
// keys, make a detached signature with a secret key. RNP does all the packet
// parsing; nothing here parses OpenPGP by hand.
//
// Every call builds its own RNP context from the bytes it is given and drops
// it before returning, so the functions are pure over their inputs (plus the
// file they read) and safe to call from any thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/result.hpp"

namespace aciswarm::trust {

// A v4 fingerprint as 40 lowercase hex digits: the file name rkt and aciswarm
// give a trusted key ("prefix.d/example.com/app/<fingerprint>").
struct Fingerprint {
    std::string hex;
    // Accepts 40 hex digits, upper or lower case, spaces allowed ("8B86 DE38 ...").
    static Result<Fingerprint> parse(std::string_view text);
    // "8B86 DE38 890D DB72 9186  7B02 5210 BD88 8818 2190", as gpg prints it.
    std::string grouped() const;
    friend bool operator==(const Fingerprint&, const Fingerprint&) = default;
};

struct KeyInfo {
    Fingerprint fingerprint;  // the primary key
    std::vector<std::string> user_ids;
    std::vector<Fingerprint> subkeys;
    bool revoked = false;
    bool can_sign = false;                   // the primary key or a subkey
    std::optional<Clock::WallTime> expires;  // primary key expiry, if any
};

// Reads exactly one OpenPGP public key (a primary key with its user ids and
// subkeys), ASCII-armoured or binary. More than one primary key, a secret key
// or anything unreadable is an error naming `what`.
Result<KeyInfo> read_public_key(std::span<const std::uint8_t> bytes, std::string_view what);

// The public part of a secret key file (armoured), for publishing beside a
// signed image. The passphrase is not needed for this.
Result<std::string> public_key_of_secret(std::span<const std::uint8_t> secret_key,
                                         std::string_view what);

struct SignatureCheck {
    Fingerprint primary;  // the trusted key the signature verified against
    Fingerprint signer;   // the (sub)key that made it; == primary unless a subkey signed
};

// Checks a detached signature (armoured or binary) over the whole file at
// `data` against `keys` (each a public key as read_public_key accepts). At
// `now` the signing key and its primary must be neither revoked nor expired.
// Every failure is Errc::untrusted (Errc::io if the file cannot be read) with
// a message naming `what` and the signer's fingerprint (or key id) when the
// signature names it.
Result<SignatureCheck> verify_detached_file(const std::filesystem::path& data,
                                            std::span<const std::uint8_t> signature,
                                            std::span<const std::string> keys, Clock::WallTime now,
                                            std::string_view what);

// The same over bytes in memory (the fuzz target and small inputs).
Result<SignatureCheck> verify_detached(std::span<const std::uint8_t> data,
                                       std::span<const std::uint8_t> signature,
                                       std::span<const std::string> keys, Clock::WallTime now,
                                       std::string_view what);

// An armoured detached signature over the file at `data`, by the signing
// (sub)key of the one secret key in `secret_key`, unlocked with `passphrase`
// (empty for an unprotected key). SHA-256.
Result<std::string> sign_detached_file(const std::filesystem::path& data,
                                       std::span<const std::uint8_t> secret_key,
                                       const std::string& passphrase, std::string_view what);

inline std::span<const std::uint8_t> as_bytes(std::string_view s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

}  // namespace aciswarm::trust
