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

// RAII for the RNP handles used here: each is freed by its rnp_*_destroy.
template <auto destroy>
struct RnpDeleter {
    template <typename T>
    void operator()(T* handle) const {
        destroy(handle);
    }
};
using Ffi = std::unique_ptr<rnp_ffi_st, RnpDeleter<rnp_ffi_destroy>>;
using Input = std::unique_ptr<rnp_input_st, RnpDeleter<rnp_input_destroy>>;
using Output = std::unique_ptr<rnp_output_st, RnpDeleter<rnp_output_destroy>>;
using Key = std::unique_ptr<rnp_key_handle_st, RnpDeleter<rnp_key_handle_destroy>>;
using VerifyOp = std::unique_ptr<rnp_op_verify_st, RnpDeleter<rnp_op_verify_destroy>>;
using SignOp = std::unique_ptr<rnp_op_sign_st, RnpDeleter<rnp_op_sign_destroy>>;
using SigHandle =
    std::unique_ptr<rnp_signature_handle_st, RnpDeleter<rnp_signature_handle_destroy>>;

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

Output memory_output() {
    rnp_output_t raw = nullptr;
    rnp_output_to_memory(&raw, 0);
    return Output(raw);
}

// What a memory output holds so far.
std::string output_text(rnp_output_t out) {
    std::uint8_t* buf = nullptr;
    std::size_t len = 0;
    rnp_output_memory_get_buf(out, &buf, &len, false);
    return std::string(reinterpret_cast<const char*>(buf), len);
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

// An RNP context holding the keys of one key file, and its only primary key.
struct OneKey {
    Ffi ffi;
    Key primary;  // declared after ffi: released before it
};

// Loads `bytes` (secret keys too when `secret`); fails unless they hold
// exactly one primary key (`wanted` names it in the error).
Result<OneKey> load_one_key(std::span<const std::uint8_t> bytes, bool secret, std::string_view what,
                            std::string_view wanted) {
    auto ffi = new_ffi();
    if (!ffi) return std::move(ffi).error();
    if (auto ok = import_keys(ffi->get(), bytes, secret, what); !ok) return std::move(ok).error();
    std::vector<Key> primaries = primary_keys(ffi->get());
    if (primaries.size() != 1) {
        return make_error(Errc::invalid_argument, std::string(what) + ": holds " +
                                                      std::to_string(primaries.size()) +
                                                      " primary keys, want " + std::string(wanted));
    }
    Key primary = std::move(primaries[0]);
    primaries.clear();
    return OneKey{std::move(*ffi), std::move(primary)};
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

// When the key expires (unix seconds), or nullopt when it never does.
std::optional<std::uint64_t> expiry_of(rnp_key_handle_t key) {
    std::uint32_t created = 0;
    std::uint32_t expiration = 0;  // seconds after creation, 0 = never
    if (rnp_key_get_creation(key, &created) != RNP_SUCCESS ||
        rnp_key_get_expiration(key, &expiration) != RNP_SUCCESS || expiration == 0) {
        return std::nullopt;
    }
    return std::uint64_t{created} + expiration;
}

// Revoked or expired at `now`: the key, or nullopt when usable.
std::optional<std::string> unusable(rnp_key_handle_t key, std::uint64_t now) {
    bool revoked = false;
    if (rnp_key_is_revoked(key, &revoked) == RNP_SUCCESS && revoked) {
        return "key " + Fingerprint{fingerprint_of(key)}.grouped() + " is revoked";
    }
    if (const auto until = expiry_of(key); until && now >= *until) {
        return "key " + Fingerprint{fingerprint_of(key)}.grouped() + " expired on " +
               utc_date(*until);
    }
    return std::nullopt;
}

// Who made a signature, as it says (issuer fingerprint, else key id).
std::string issuer_of(rnp_op_verify_signature_t sig) {
    rnp_signature_handle_t h = nullptr;
    if (rnp_op_verify_signature_get_handle(sig, &h) != RNP_SUCCESS) return "an unnamed key";
    SigHandle handle(h);
    char* fp = nullptr;
    if (rnp_signature_get_key_fprint(h, &fp) == RNP_SUCCESS && fp != nullptr) {
        return "key " + Fingerprint{lower(take(fp))}.grouped();
    }
    rnp_buffer_destroy(fp);
    char* id = nullptr;
    if (rnp_signature_get_keyid(h, &id) == RNP_SUCCESS && id != nullptr)
        return "key id " + take(id);
    rnp_buffer_destroy(id);
    return "an unnamed key";
}

// One signature of a verification: its signer's fingerprints when it is valid
// and made by a trusted, usable key; else why not.
Result<SignatureCheck> check_signature(rnp_ffi_t ffi, rnp_op_verify_signature_t sig,
                                       std::uint64_t now_s, std::string_view what) {
    const std::string named = issuer_of(sig);
    const rnp_result_t status = rnp_op_verify_signature_get_status(sig);
    rnp_key_handle_t k = nullptr;
    if (rnp_op_verify_signature_get_key(sig, &k) != RNP_SUCCESS || k == nullptr ||
        status == RNP_ERROR_KEY_NOT_FOUND) {
        if (k != nullptr) rnp_key_handle_destroy(k);
        return untrusted(what, "signed by " + named + ", which is not trusted");
    }
    Key signer(k);
    Key primary = primary_of(ffi, signer.get());
    if (!primary) return untrusted(what, named + ": no primary key");
    SignatureCheck check{Fingerprint{fingerprint_of(primary.get())},
                         Fingerprint{fingerprint_of(signer.get())}};
    std::optional<std::string> problem = unusable(primary.get(), now_s);
    if (!problem && signer.get() != primary.get()) problem = unusable(signer.get(), now_s);
    if (problem) return untrusted(what, *problem);
    if (status == RNP_SUCCESS) return check;
    const std::string reason =
        status == RNP_ERROR_SIGNATURE_EXPIRED ? "expired signature"
        : status == RNP_ERROR_SIGNATURE_INVALID
            ? "bad signature (the image or its .asc was altered)"
            : std::string("signature not valid (") + rnp_result_to_string(status) + ")";
    return untrusted(what, reason + " by key " + check.primary.grouped());
}

// The first signature that checks, else the first signature's failure.
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
        auto check = check_signature(ffi->get(), sig, now_s, what);
        if (check) return check;
        if (!first_failure) first_failure = std::move(check).error();
    }
    return first_failure ? *first_failure : untrusted(what, "no valid signature");
}

// True when `key` may sign and its secret is present (and, when
// `must_be_valid`, it is not revoked or expired).
bool can_sign_with(rnp_key_handle_t key, bool must_be_valid) {
    bool sign = false;
    bool secret = false;
    bool valid = !must_be_valid;
    return rnp_key_allows_usage(key, "sign", &sign) == RNP_SUCCESS && sign &&
           rnp_key_have_secret(key, &secret) == RNP_SUCCESS && secret &&
           (!must_be_valid || (rnp_key_is_valid(key, &valid) == RNP_SUCCESS && valid));
}

// The newest signing-capable valid secret subkey, else the primary when it can
// sign, else null. Subkey handles stay in `subkeys`.
rnp_key_handle_t choose_signer(rnp_key_handle_t primary, std::vector<Key>& subkeys) {
    rnp_key_handle_t signer = nullptr;
    std::size_t subs = 0;
    rnp_key_get_subkey_count(primary, &subs);
    for (std::size_t i = 0; i < subs; ++i) {
        rnp_key_handle_t s = nullptr;
        if (rnp_key_get_subkey_at(primary, i, &s) != RNP_SUCCESS) continue;
        subkeys.emplace_back(s);
        if (can_sign_with(s, true)) signer = s;
    }
    if (signer == nullptr && can_sign_with(primary, false)) signer = primary;
    return signer;
}

// Protected keys need the passphrase; an unprotected one unlocks with anything.
Status unlock(rnp_key_handle_t signer, const std::string& passphrase, std::string_view what) {
    bool locked = false;
    if (rnp_key_is_locked(signer, &locked) != RNP_SUCCESS || !locked) return {};
    bool is_protected = false;
    rnp_key_is_protected(signer, &is_protected);
    if (is_protected &&
        rnp_key_unlock(signer, passphrase.empty() ? nullptr : passphrase.c_str()) != RNP_SUCCESS) {
        return make_error(Errc::permission,
                          std::string(what) + ": wrong passphrase for the secret key");
    }
    return {};
}

// An armoured detached SHA-256 signature of the file `data` by `signer`.
Result<std::string> sign_file_with(rnp_ffi_t ffi, rnp_key_handle_t signer,
                                   const std::filesystem::path& data, std::string_view what) {
    rnp_input_t in_raw = nullptr;
    if (rnp_input_from_path(&in_raw, data.c_str()) != RNP_SUCCESS) {
        return make_error(Errc::io, "cannot read " + data.string());
    }
    Input in(in_raw);
    Output out = memory_output();
    rnp_op_sign_t op_raw = nullptr;
    if (rnp_op_sign_detached_create(&op_raw, ffi, in.get(), out.get()) != RNP_SUCCESS) {
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
    return output_text(out.get());
}

}  // namespace

Result<Fingerprint> Fingerprint::parse(std::string_view text) {
    const auto refused = [&] {
        return make_error(
            Errc::invalid_argument,
            "fingerprint '" + printable(text) + "': want 40 hex digits (a v4 OpenPGP fingerprint)");
    };
    std::string hex;
    for (char c : text) {
        if (c == ' ') continue;
        if (!std::isxdigit(static_cast<unsigned char>(c)) || hex.size() >= 40) return refused();
        hex.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
    if (hex.size() != 40) return refused();
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
    auto loaded = load_one_key(bytes, false, what, "exactly one");
    if (!loaded) return std::move(loaded).error();
    rnp_key_handle_t k = loaded->primary.get();
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
    if (const auto until = expiry_of(k)) {
        info.expires = Clock::WallTime(std::chrono::seconds(*until));
    }
    return info;
}

Result<std::string> public_key_of_secret(std::span<const std::uint8_t> secret_key,
                                         std::string_view what) {
    auto loaded = load_one_key(secret_key, true, what, "exactly one");
    if (!loaded) return std::move(loaded).error();
    Output out = memory_output();
    if (rnp_key_export(loaded->primary.get(), out.get(),
                       RNP_KEY_EXPORT_ARMORED | RNP_KEY_EXPORT_PUBLIC | RNP_KEY_EXPORT_SUBKEYS) !=
        RNP_SUCCESS) {
        return make_error(Errc::internal, std::string(what) + ": cannot export the public key");
    }
    return output_text(out.get());
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
    auto loaded = load_one_key(secret_key, true, what, "exactly one secret key");
    if (!loaded) return std::move(loaded).error();
    std::vector<Key> subkeys;
    rnp_key_handle_t signer = choose_signer(loaded->primary.get(), subkeys);
    if (signer == nullptr) {
        return make_error(Errc::invalid_argument,
                          std::string(what) + ": no secret key that can sign");
    }
    if (auto unlocked = unlock(signer, passphrase, what); !unlocked) {
        return std::move(unlocked).error();
    }
    return sign_file_with(loaded->ffi.get(), signer, data, what);
}

}  // namespace aciswarm::trust
