#include "trust/openpgp.hpp"

#include <rnp/rnp.h>
#include <rnp/rnp_err.h>

#include <fcntl.h>

#include <cctype>
#include <chrono>
#include <cstring>
#include <ctime>
#include <memory>

#include "common/fd.hpp"
#include "trust/printable.hpp"

namespace aciswarm::trust {
namespace {

// RAII for the RNP handles used here.
struct FfiDeleter {
    void operator()(rnp_ffi_st* f) const { rnp_ffi_destroy(f); }
};
struct InputDeleter {
    void operator()(rnp_input_st* i) const { rnp_input_destroy(i); }
};
struct OutputDeleter {
    void operator()(rnp_output_st* o) const { rnp_output_destroy(o); }
};
struct KeyDeleter {
    void operator()(rnp_key_handle_st* k) const { rnp_key_handle_destroy(k); }
};
struct VerifyDeleter {
    void operator()(rnp_op_verify_st* o) const { rnp_op_verify_destroy(o); }
};
struct SignDeleter {
    void operator()(rnp_op_sign_st* o) const { rnp_op_sign_destroy(o); }
};
struct SigDeleter {
    void operator()(rnp_signature_handle_st* s) const { rnp_signature_handle_destroy(s); }
};
using Ffi = std::unique_ptr<rnp_ffi_st, FfiDeleter>;
using Input = std::unique_ptr<rnp_input_st, InputDeleter>;
using Output = std::unique_ptr<rnp_output_st, OutputDeleter>;
using Key = std::unique_ptr<rnp_key_handle_st, KeyDeleter>;
using VerifyOp = std::unique_ptr<rnp_op_verify_st, VerifyDeleter>;
using SignOp = std::unique_ptr<rnp_op_sign_st, SignDeleter>;
using SigHandle = std::unique_ptr<rnp_signature_handle_st, SigDeleter>;

// An RNP-allocated string, freed with rnp_buffer_destroy.
std::string take(char* s) {
    std::string out = s != nullptr ? s : "";
    rnp_buffer_destroy(s);
    return out;
}

std::string lower(std::string s) {
    for (char& c : s)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

Error untrusted(std::string_view what, const std::string& message) {
    return make_error(Errc::untrusted, std::string(what) + ": " + message);
}

Result<Ffi> new_ffi() {
    rnp_ffi_t raw = nullptr;
    if (rnp_ffi_create(&raw, "GPG", "GPG") != RNP_SUCCESS) {
        return make_error(Errc::internal, "OpenPGP: cannot create an RNP context");
    }
    // RNP logs parse details of bad input to stderr; the caller reports one line instead.
    UniqueFd devnull(::open("/dev/null", O_WRONLY | O_CLOEXEC));
    if (devnull && rnp_ffi_set_log_fd(raw, devnull.get()) == RNP_SUCCESS) {
        devnull.release();  // the RNP context closes it when destroyed
    }
    return Ffi(raw);
}

Result<Input> memory_input(std::span<const std::uint8_t> bytes) {
    rnp_input_t raw = nullptr;
    // RNP wants a non-null pointer even for an empty buffer.
    static const std::uint8_t empty = 0;
    if (rnp_input_from_memory(&raw, bytes.empty() ? &empty : bytes.data(), bytes.size(), false) !=
        RNP_SUCCESS) {
        return make_error(Errc::internal, "OpenPGP: cannot wrap input");
    }
    return Input(raw);
}

// Imports keys (armoured or binary) into ffi. Errc::invalid_argument on junk.
Status import_keys(rnp_ffi_t ffi, std::span<const std::uint8_t> bytes, bool secret,
                   std::string_view what) {
    auto in = memory_input(bytes);
    if (!in) return std::move(in).error();
    const std::uint32_t flags =
        RNP_LOAD_SAVE_PUBLIC_KEYS | (secret ? RNP_LOAD_SAVE_SECRET_KEYS : 0U);
    char* results = nullptr;
    const rnp_result_t rc = rnp_import_keys(ffi, in->get(), flags, &results);
    rnp_buffer_destroy(results);
    if (rc != RNP_SUCCESS) {
        return make_error(Errc::invalid_argument, std::string(what) + ": not an OpenPGP key (" +
                                                      rnp_result_to_string(rc) + ")");
    }
    return {};
}

// Every primary key in ffi.
std::vector<Key> primary_keys(rnp_ffi_t ffi) {
    std::vector<Key> out;
    rnp_identifier_iterator_t it = nullptr;
    if (rnp_identifier_iterator_create(ffi, &it, "fingerprint") != RNP_SUCCESS) return out;
    const char* id = nullptr;
    while (rnp_identifier_iterator_next(it, &id) == RNP_SUCCESS && id != nullptr) {
        rnp_key_handle_t k = nullptr;
        if (rnp_locate_key(ffi, "fingerprint", id, &k) != RNP_SUCCESS || k == nullptr) continue;
        Key key(k);
        bool primary = false;
        if (rnp_key_is_primary(k, &primary) == RNP_SUCCESS && primary)
            out.push_back(std::move(key));
    }
    rnp_identifier_iterator_destroy(it);
    return out;
}

std::string fingerprint_of(rnp_key_handle_t key) {
    char* fp = nullptr;
    if (rnp_key_get_fprint(key, &fp) != RNP_SUCCESS) return "";
    return lower(take(fp));
}

// The primary key of a (sub)key handle: itself when it is primary.
Key primary_of(rnp_ffi_t ffi, rnp_key_handle_t key) {
    bool primary = false;
    if (rnp_key_is_primary(key, &primary) == RNP_SUCCESS && primary) {
        rnp_key_handle_t again = nullptr;
        char* fp = nullptr;
        if (rnp_key_get_fprint(key, &fp) != RNP_SUCCESS) return Key();
        const std::string f = take(fp);
        rnp_locate_key(ffi, "fingerprint", f.c_str(), &again);
        return Key(again);
    }
    char* pfp = nullptr;
    if (rnp_key_get_primary_fprint(key, &pfp) != RNP_SUCCESS) return Key();
    const std::string f = take(pfp);
    rnp_key_handle_t p = nullptr;
    rnp_locate_key(ffi, "fingerprint", f.c_str(), &p);
    return Key(p);
}

std::string utc_date(std::uint64_t unix_seconds) {
    const std::time_t t = static_cast<std::time_t>(unix_seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%SZ", &tm);
    return buf;
}

std::uint64_t unix_seconds(Clock::WallTime t) {
    const auto s = std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
    return s < 0 ? 0 : static_cast<std::uint64_t>(s);
}

// Revoked or expired at `now`: the key, or nullopt when usable.
std::optional<std::string> unusable(rnp_key_handle_t key, std::uint64_t now) {
    bool revoked = false;
    if (rnp_key_is_revoked(key, &revoked) == RNP_SUCCESS && revoked) {
        return "key " + Fingerprint{fingerprint_of(key)}.grouped() + " is revoked";
    }
    std::uint32_t created = 0;
    std::uint32_t expiration = 0;  // seconds after creation, 0 = never
    if (rnp_key_get_creation(key, &created) == RNP_SUCCESS &&
        rnp_key_get_expiration(key, &expiration) == RNP_SUCCESS && expiration != 0) {
        const std::uint64_t until = std::uint64_t{created} + expiration;
        if (now >= until) {
            return "key " + Fingerprint{fingerprint_of(key)}.grouped() + " expired on " +
                   utc_date(until);
        }
    }
    return std::nullopt;
}

Result<SignatureCheck> verify_with(Input data, std::span<const std::uint8_t> signature,
                                   std::span<const std::string> keys, Clock::WallTime now,
                                   std::string_view what) {
    auto ffi = new_ffi();
    if (!ffi) return std::move(ffi).error();
    for (const std::string& k : keys) {
        // Trust store files were checked when trusted; a key that no longer
        // reads is skipped rather than failing every other key.
        if (auto ok = import_keys(ffi->get(), as_bytes(k), false, "trusted key"); !ok) continue;
    }
    auto sig_in = memory_input(signature);
    if (!sig_in) return std::move(sig_in).error();
    rnp_op_verify_t raw = nullptr;
    if (rnp_op_verify_detached_create(&raw, ffi->get(), data.get(), sig_in->get()) != RNP_SUCCESS) {
        return make_error(Errc::internal, std::string(what) + ": cannot start verification");
    }
    VerifyOp op(raw);
    const rnp_result_t exec_rc = rnp_op_verify_execute(op.get());
    std::size_t count = 0;
    if (rnp_op_verify_get_signature_count(op.get(), &count) != RNP_SUCCESS || count == 0) {
        return untrusted(what, std::string("the .asc holds no readable OpenPGP signature (") +
                                   rnp_result_to_string(exec_rc) + ")");
    }
    const std::uint64_t now_s = unix_seconds(now);
    std::optional<Error> first_failure;
    for (std::size_t i = 0; i < count; ++i) {
        rnp_op_verify_signature_t sig = nullptr;
        if (rnp_op_verify_get_signature_at(op.get(), i, &sig) != RNP_SUCCESS) continue;
        // Who signed, as the signature says (issuer fingerprint, else key id).
        std::string named;
        rnp_signature_handle_t h = nullptr;
        if (rnp_op_verify_signature_get_handle(sig, &h) == RNP_SUCCESS) {
            SigHandle handle(h);
            char* fp = nullptr;
            if (rnp_signature_get_key_fprint(h, &fp) == RNP_SUCCESS && fp != nullptr) {
                named = "key " + Fingerprint{lower(take(fp))}.grouped();
            } else {
                rnp_buffer_destroy(fp);
                char* id = nullptr;
                if (rnp_signature_get_keyid(h, &id) == RNP_SUCCESS && id != nullptr) {
                    named = "key id " + take(id);
                } else {
                    rnp_buffer_destroy(id);
                }
            }
        }
        if (named.empty()) named = "an unnamed key";
        const rnp_result_t status = rnp_op_verify_signature_get_status(sig);
        rnp_key_handle_t k = nullptr;
        if (rnp_op_verify_signature_get_key(sig, &k) != RNP_SUCCESS || k == nullptr ||
            status == RNP_ERROR_KEY_NOT_FOUND) {
            if (k != nullptr) rnp_key_handle_destroy(k);
            if (!first_failure) {
                first_failure = untrusted(what, "signed by " + named + ", which is not trusted");
            }
            continue;
        }
        Key signer(k);
        Key primary = primary_of(ffi->get(), signer.get());
        if (!primary) {
            if (!first_failure) first_failure = untrusted(what, named + ": no primary key");
            continue;
        }
        SignatureCheck check{Fingerprint{fingerprint_of(primary.get())},
                             Fingerprint{fingerprint_of(signer.get())}};
        std::optional<std::string> problem = unusable(primary.get(), now_s);
        if (!problem && signer.get() != primary.get()) problem = unusable(signer.get(), now_s);
        if (problem) {
            if (!first_failure) first_failure = untrusted(what, *problem);
            continue;
        }
        if (status == RNP_SUCCESS) return check;
        if (!first_failure) {
            std::string reason =
                status == RNP_ERROR_SIGNATURE_EXPIRED ? "expired signature"
                : status == RNP_ERROR_SIGNATURE_INVALID
                    ? "bad signature (the image or its .asc was altered)"
                    : std::string("signature not valid (") + rnp_result_to_string(status) + ")";
            first_failure = untrusted(what, reason + " by key " + check.primary.grouped());
        }
    }
    return first_failure ? *first_failure : untrusted(what, "no valid signature");
}

}  // namespace

Result<Fingerprint> Fingerprint::parse(std::string_view text) {
    std::string hex;
    for (char c : text) {
        if (c == ' ') continue;
        if (!std::isxdigit(static_cast<unsigned char>(c)) || hex.size() >= 40) {
            return make_error(Errc::invalid_argument,
                              "fingerprint '" + printable(text) +
                                  "': want 40 hex digits (a v4 OpenPGP fingerprint)");
        }
        hex.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
    if (hex.size() != 40) {
        return make_error(
            Errc::invalid_argument,
            "fingerprint '" + printable(text) + "': want 40 hex digits (a v4 OpenPGP fingerprint)");
    }
    return Fingerprint{hex};
}

std::string Fingerprint::grouped() const {
    std::string out;
    for (std::size_t i = 0; i < hex.size(); ++i) {
        if (i > 0 && i % 4 == 0) out += i == 20 ? "  " : " ";
        out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(hex[i]))));
    }
    return out;
}

Result<KeyInfo> read_public_key(std::span<const std::uint8_t> bytes, std::string_view what) {
    auto ffi = new_ffi();
    if (!ffi) return std::move(ffi).error();
    if (auto ok = import_keys(ffi->get(), bytes, false, what); !ok) return std::move(ok).error();
    std::vector<Key> primaries = primary_keys(ffi->get());
    if (primaries.size() != 1) {
        return make_error(Errc::invalid_argument, std::string(what) + ": holds " +
                                                      std::to_string(primaries.size()) +
                                                      " primary keys, want exactly one");
    }
    rnp_key_handle_t k = primaries[0].get();
    KeyInfo info;
    info.fingerprint = Fingerprint{fingerprint_of(k)};
    std::size_t uids = 0;
    rnp_key_get_uid_count(k, &uids);
    for (std::size_t i = 0; i < uids; ++i) {
        char* uid = nullptr;
        if (rnp_key_get_uid_at(k, i, &uid) == RNP_SUCCESS) info.user_ids.push_back(take(uid));
    }
    rnp_key_is_revoked(k, &info.revoked);
    rnp_key_allows_usage(k, "sign", &info.can_sign);
    std::size_t subs = 0;
    rnp_key_get_subkey_count(k, &subs);
    for (std::size_t i = 0; i < subs; ++i) {
        rnp_key_handle_t s = nullptr;
        if (rnp_key_get_subkey_at(k, i, &s) != RNP_SUCCESS) continue;
        Key sub(s);
        info.subkeys.push_back(Fingerprint{fingerprint_of(s)});
        bool sign = false;
        if (rnp_key_allows_usage(s, "sign", &sign) == RNP_SUCCESS && sign) info.can_sign = true;
    }
    std::uint32_t created = 0;
    std::uint32_t expiration = 0;
    if (rnp_key_get_creation(k, &created) == RNP_SUCCESS &&
        rnp_key_get_expiration(k, &expiration) == RNP_SUCCESS && expiration != 0) {
        info.expires = Clock::WallTime(std::chrono::seconds(std::uint64_t{created} + expiration));
    }
    return info;
}

Result<std::string> public_key_of_secret(std::span<const std::uint8_t> secret_key,
                                         std::string_view what) {
    auto ffi = new_ffi();
    if (!ffi) return std::move(ffi).error();
    if (auto ok = import_keys(ffi->get(), secret_key, true, what); !ok)
        return std::move(ok).error();
    std::vector<Key> primaries = primary_keys(ffi->get());
    if (primaries.size() != 1) {
        return make_error(Errc::invalid_argument, std::string(what) + ": holds " +
                                                      std::to_string(primaries.size()) +
                                                      " primary keys, want exactly one");
    }
    rnp_output_t raw = nullptr;
    rnp_output_to_memory(&raw, 0);
    Output out(raw);
    if (rnp_key_export(primaries[0].get(), out.get(),
                       RNP_KEY_EXPORT_ARMORED | RNP_KEY_EXPORT_PUBLIC | RNP_KEY_EXPORT_SUBKEYS) !=
        RNP_SUCCESS) {
        return make_error(Errc::internal, std::string(what) + ": cannot export the public key");
    }
    std::uint8_t* buf = nullptr;
    std::size_t len = 0;
    rnp_output_memory_get_buf(out.get(), &buf, &len, false);
    return std::string(reinterpret_cast<const char*>(buf), len);
}

Result<SignatureCheck> verify_detached_file(const std::filesystem::path& data,
                                            std::span<const std::uint8_t> signature,
                                            std::span<const std::string> keys, Clock::WallTime now,
                                            std::string_view what) {
    rnp_input_t raw = nullptr;
    if (rnp_input_from_path(&raw, data.c_str()) != RNP_SUCCESS) {
        return make_error(Errc::io, std::string(what) + ": cannot read " + data.string());
    }
    return verify_with(Input(raw), signature, keys, now, what);
}

Result<SignatureCheck> verify_detached(std::span<const std::uint8_t> data,
                                       std::span<const std::uint8_t> signature,
                                       std::span<const std::string> keys, Clock::WallTime now,
                                       std::string_view what) {
    auto in = memory_input(data);
    if (!in) return std::move(in).error();
    return verify_with(std::move(*in), signature, keys, now, what);
}

Result<std::string> sign_detached_file(const std::filesystem::path& data,
                                       std::span<const std::uint8_t> secret_key,
                                       const std::string& passphrase, std::string_view what) {
    auto ffi = new_ffi();
    if (!ffi) return std::move(ffi).error();
    if (auto ok = import_keys(ffi->get(), secret_key, true, what); !ok)
        return std::move(ok).error();
    std::vector<Key> primaries = primary_keys(ffi->get());
    if (primaries.size() != 1) {
        return make_error(Errc::invalid_argument, std::string(what) + ": holds " +
                                                      std::to_string(primaries.size()) +
                                                      " primary keys, want exactly one secret key");
    }
    // The newest signing-capable secret (sub)key, else the primary.
    rnp_key_handle_t primary = primaries[0].get();
    std::vector<Key> subkeys;
    rnp_key_handle_t signer = nullptr;
    std::size_t subs = 0;
    rnp_key_get_subkey_count(primary, &subs);
    for (std::size_t i = 0; i < subs; ++i) {
        rnp_key_handle_t s = nullptr;
        if (rnp_key_get_subkey_at(primary, i, &s) != RNP_SUCCESS) continue;
        subkeys.emplace_back(s);
        bool sign = false;
        bool secret = false;
        bool valid = false;
        if (rnp_key_allows_usage(s, "sign", &sign) == RNP_SUCCESS && sign &&
            rnp_key_have_secret(s, &secret) == RNP_SUCCESS && secret &&
            rnp_key_is_valid(s, &valid) == RNP_SUCCESS && valid) {
            signer = s;
        }
    }
    if (signer == nullptr) {
        bool sign = false;
        bool secret = false;
        if (rnp_key_allows_usage(primary, "sign", &sign) == RNP_SUCCESS && sign &&
            rnp_key_have_secret(primary, &secret) == RNP_SUCCESS && secret) {
            signer = primary;
        }
    }
    if (signer == nullptr) {
        return make_error(Errc::invalid_argument,
                          std::string(what) + ": no secret key that can sign");
    }
    bool locked = false;
    if (rnp_key_is_locked(signer, &locked) == RNP_SUCCESS && locked) {
        // Protected keys need the passphrase; an unprotected one unlocks with anything.
        bool is_protected = false;
        rnp_key_is_protected(signer, &is_protected);
        if (is_protected &&
            rnp_key_unlock(signer, passphrase.empty() ? nullptr : passphrase.c_str()) !=
                RNP_SUCCESS) {
            return make_error(Errc::permission,
                              std::string(what) + ": wrong passphrase for the secret key");
        }
    }
    rnp_input_t in_raw = nullptr;
    if (rnp_input_from_path(&in_raw, data.c_str()) != RNP_SUCCESS) {
        return make_error(Errc::io, "cannot read " + data.string());
    }
    Input in(in_raw);
    rnp_output_t out_raw = nullptr;
    rnp_output_to_memory(&out_raw, 0);
    Output out(out_raw);
    rnp_op_sign_t op_raw = nullptr;
    if (rnp_op_sign_detached_create(&op_raw, ffi->get(), in.get(), out.get()) != RNP_SUCCESS) {
        return make_error(Errc::internal, std::string(what) + ": cannot start signing");
    }
    SignOp op(op_raw);
    rnp_op_sign_set_armor(op.get(), true);
    rnp_op_sign_set_hash(op.get(), "SHA256");
    if (rnp_op_sign_add_signature(op.get(), signer, nullptr) != RNP_SUCCESS) {
        return make_error(Errc::internal, std::string(what) + ": cannot add the signer");
    }
    if (const rnp_result_t rc = rnp_op_sign_execute(op.get()); rc != RNP_SUCCESS) {
        return make_error(Errc::internal,
                          "sign " + data.string() + ": " + rnp_result_to_string(rc));
    }
    std::uint8_t* buf = nullptr;
    std::size_t len = 0;
    rnp_output_memory_get_buf(out.get(), &buf, &len, false);
    return std::string(reinterpret_cast<const char*>(buf), len);
}

}  // namespace aciswarm::trust
