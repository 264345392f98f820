#include "tests/support/gpg.hpp"

#include <sstream>
#include <stdexcept>

#include "tests/support/process.hpp"

namespace aciswarm::test {

GpgHome::GpgHome() {
    std::filesystem::permissions(dir_.path(), std::filesystem::perms::owner_all);
}

GpgHome::~GpgHome() {
    run({"gpgconf", "--homedir", dir_.path().string(), "--kill", "all"}, {}, 20s);
}

std::string GpgHome::gpg(const std::vector<std::string>& args, const std::string& stdin_data) {
    std::vector<std::string> argv = {"gpg",     "--homedir", dir_.path().string(),
                                     "--batch", "--no-tty",  "--quiet"};
    argv.insert(argv.end(), args.begin(), args.end());
    SpawnOptions o;
    o.stdin_data = stdin_data;
    const RunResult r = run(argv, o, 120s);
    if (!r.status.exited() || r.status.code != 0) {
        std::string cmd;
        for (const auto& a : argv)
            cmd += a + " ";
        throw std::runtime_error("gpg failed: " + cmd + "\n" + r.err);
    }
    return r.out;
}

std::vector<std::string> GpgHome::fingerprints(const std::string& who, bool subkeys) {
    const std::string listing = gpg({"--with-colons", "--list-keys", who});
    std::istringstream in(listing);
    std::string line;
    std::vector<std::string> out;
    bool in_sub = false;
    while (std::getline(in, line)) {
        if (line.starts_with("pub:")) in_sub = false;
        if (line.starts_with("sub:")) in_sub = true;
        if (line.starts_with("fpr:") && in_sub == subkeys) {
            // fpr:::::::::FPR:
            std::vector<std::string> f;
            std::stringstream ss(line);
            std::string part;
            while (std::getline(ss, part, ':'))
                f.push_back(part);
            if (f.size() > 9) out.push_back(f[9]);
        }
    }
    return out;
}

std::string GpgHome::gen_key(const std::string& uid, const std::string& algo,
                             const std::string& usage, const std::string& expire,
                             const std::string& faked_time) {
    std::vector<std::string> args = {"--pinentry-mode", "loopback", "--passphrase", ""};
    if (!faked_time.empty()) {
        args.insert(args.end(), {"--faked-system-time", faked_time, "--ignore-time-conflict"});
    }
    args.insert(args.end(), {"--quick-gen-key", uid, algo, usage, expire});
    gpg(args);
    auto fps = fingerprints(uid, false);
    if (fps.empty()) throw std::runtime_error("gpg made no key for " + uid);
    return fps.back();
}

std::string GpgHome::gen_key_with_passphrase(const std::string& uid,
                                             const std::string& passphrase) {
    gpg({"--pinentry-mode", "loopback", "--passphrase", passphrase, "--quick-gen-key", uid,
         "ed25519", "sign", "never"});
    return fingerprints(uid, false).back();
}

std::string GpgHome::add_signing_subkey(const std::string& fpr) {
    const auto before = fingerprints(fpr, true);
    gpg({"--pinentry-mode", "loopback", "--passphrase", "", "--quick-add-key", fpr, "ed25519",
         "sign", "never"});
    for (const std::string& s : fingerprints(fpr, true)) {
        bool old = false;
        for (const std::string& b : before)
            old = old || b == s;
        if (!old) return s;
    }
    throw std::runtime_error("gpg added no subkey to " + fpr);
}

void GpgHome::revoke(const std::string& fpr) {
    std::string cert = read_file(dir_.path() / "openpgp-revocs.d" / (fpr + ".rev"));
    // gpg writes the certificate with a ':' before the armour line so it is
    // not imported by accident.
    const std::string guard = ":-----BEGIN PGP PUBLIC KEY BLOCK-----";
    const auto at = cert.find(guard);
    if (at == std::string::npos) throw std::runtime_error("no revocation certificate for " + fpr);
    cert.erase(at, 1);
    gpg({"--import"}, cert);
}

std::string GpgHome::export_public(const std::string& fpr, bool armor) {
    std::vector<std::string> args;
    if (armor) args.push_back("--armor");
    args.insert(args.end(), {"--export", fpr});
    return gpg(args);
}

std::string GpgHome::export_secret(const std::string& fpr, const std::string& passphrase) {
    return gpg({"--pinentry-mode", "loopback", "--passphrase", passphrase, "--armor",
                "--export-secret-keys", fpr});
}

std::string GpgHome::sign(const std::filesystem::path& file, const std::string& key, bool armor,
                          const std::string& faked_time) {
    const std::filesystem::path out = dir_.path() / "last.sig";
    std::vector<std::string> args = {
        "--pinentry-mode", "loopback", "--passphrase", "",          "--yes",
        "--local-user",    key,        "--output",     out.string()};
    if (!faked_time.empty()) {
        args.insert(args.end(), {"--faked-system-time", faked_time, "--ignore-time-conflict"});
    }
    if (armor) args.push_back("--armor");
    args.insert(args.end(), {"--detach-sign", file.string()});
    gpg(args);
    return read_file(out);
}

int GpgHome::verify(const std::filesystem::path& signature, const std::filesystem::path& file) {
    const RunResult r = run({"gpg", "--homedir", dir_.path().string(), "--batch", "--no-tty",
                             "--quiet", "--verify", signature.string(), file.string()},
                            {}, 600s);
    return r.status.exited() ? r.status.code : -1;
}

}  // namespace aciswarm::test
