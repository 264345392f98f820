// Real GnuPG for tests of aciswarm's OpenPGP code: a throw-away GNUPGHOME,
// keys made with `gpg --batch --quick-gen-key`, detached signatures with
// `gpg --detach-sign`, so aciswarm's verifier (RNP) is checked against another
// implementation. The destructor stops the gpg-agent it started and removes
// the home directory.
// Thread-safety: one thread per GpgHome.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "tests/support/temp_dir.hpp"

namespace aciswarm::test {

class GpgHome {
  public:
    GpgHome();
    ~GpgHome();
    GpgHome(const GpgHome&) = delete;
    GpgHome& operator=(const GpgHome&) = delete;

    const std::filesystem::path& path() const { return dir_.path(); }

    // A new key without passphrase; returns its fingerprint (40 uppercase hex).
    // algo/usage/expire as --quick-gen-key takes them ("ed25519", "sign", "1d",
    // "never"); faked_time ("20200101T000000") runs gpg at that time.
    std::string gen_key(const std::string& uid, const std::string& algo = "ed25519",
                        const std::string& usage = "sign", const std::string& expire = "never",
                        const std::string& faked_time = "");
    // A passphrase-protected key (for publish --sign-key tests).
    std::string gen_key_with_passphrase(const std::string& uid, const std::string& passphrase);
    // Adds a signing subkey to `fpr`; returns the subkey's fingerprint.
    std::string add_signing_subkey(const std::string& fpr);
    // Imports the revocation certificate gpg made at key creation.
    void revoke(const std::string& fpr);

    std::string export_public(const std::string& fpr, bool armor = true);
    std::string export_secret(const std::string& fpr, const std::string& passphrase = "");
    // Detached signature of `file` by `key` ("FPR" or "SUBFPR!" to force a subkey).
    std::string sign(const std::filesystem::path& file, const std::string& key, bool armor = true,
                     const std::string& faked_time = "");
    // `gpg --verify` exit code with the public key of fpr imported (benchmarks).
    int verify(const std::filesystem::path& signature, const std::filesystem::path& file);

    // Runs gpg with this home; throws (test failure) on a non-zero exit.
    std::string gpg(const std::vector<std::string>& args, const std::string& stdin_data = "");

  private:
    std::vector<std::string> fingerprints(const std::string& who, bool subkeys);
    TempDir dir_;
};

}  // namespace aciswarm::test
