#include "trust/trust_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <map>

#include "common/fd.hpp"
#include "common/file_read.hpp"
#include "common/system_error.hpp"
#include "trust/printable.hpp"

namespace aciswarm::trust {
namespace fs = std::filesystem;
namespace {

constexpr std::uintmax_t max_key_file_bytes = 1024 * 1024;

bool is_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_' ||
           c == '~' || c == '/';
}

}  // namespace

Result<std::string> read_key_file(const fs::path& p) {
    return read_file_bounded(p.string(), max_key_file_bytes);
}

namespace {

// Every key file under one trust directory, keyed by its path relative to it.
std::map<fs::path, TrustedKey> scan(const fs::path& dir, bool vendor) {
    std::map<fs::path, TrustedKey> out;
    if (dir.empty()) return out;
    auto add_from = [&](const fs::path& folder, const std::string& prefix) {
        std::error_code ec;
        for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
            if (!it->is_regular_file(ec)) continue;
            auto fp = Fingerprint::parse(it->path().filename().string());
            if (!fp) continue;  // editors' backups, temp files
            out[fs::relative(it->path(), dir, ec)] = TrustedKey{prefix, *fp, it->path(), vendor};
        }
    };
    add_from(dir / "root.d", "");
    const fs::path prefix_root = dir / "prefix.d";
    std::error_code ec;
    for (fs::recursive_directory_iterator it(prefix_root, ec), end; !ec && it != end;
         it.increment(ec)) {
        if (!it->is_directory(ec)) continue;
        add_from(it->path(), fs::relative(it->path(), prefix_root, ec).generic_string());
    }
    return out;
}

Status write_atomically(const fs::path& target, std::string_view bytes) {
    std::error_code ec;
    fs::create_directories(target.parent_path(), ec);
    if (ec) {
        return make_error(ec == std::errc::permission_denied ? Errc::permission : Errc::io,
                          target.parent_path().string() + ": " + ec.message() +
                              " (as a user, choose another with --trust-dir=DIR)");
    }
    std::string tmp = (target.parent_path() / ".key.XXXXXX").string();
    UniqueFd fd(::mkostemp(tmp.data(), O_CLOEXEC));
    if (!fd) return errno_error("create", target.parent_path().string(), errno);
    auto fail = [&](std::string_view operation, const fs::path& subject, int err) -> Status {
        ::unlink(tmp.c_str());
        return errno_error(operation, subject.string(), err);
    };
    if (::fchmod(fd.get(), 0644) != 0) return fail("chmod", tmp, errno);
    if (auto written = write_all(fd.get(), bytes, tmp); !written) {
        ::unlink(tmp.c_str());
        return written;
    }
    if (::fsync(fd.get()) != 0) return fail("sync", tmp, errno);
    if (const int err = fd.close_checked(); err != 0) return fail("sync", tmp, err);
    if (::rename(tmp.c_str(), target.c_str()) != 0) return fail("rename", target, errno);
    // The rename survives a power cut only once its directory is synced.
    return fsync_directory(target.parent_path().string());
}

fs::path relative_path(std::string_view prefix, const Fingerprint& fp) {
    return prefix.empty() ? fs::path("root.d") / fp.hex
                          : fs::path("prefix.d") / std::string(prefix) / fp.hex;
}

}  // namespace

TrustDirs TrustDirs::system_default() {
    return TrustDirs{fs::path(default_admin_dir), fs::path(default_vendor_dir)};
}

TrustDirs TrustDirs::only(fs::path dir) {
    return TrustDirs{std::move(dir), {}};
}

Status check_prefix(std::string_view prefix) {
    auto bad = [&](const std::string& why) -> Status {
        return make_error(Errc::invalid_argument, "prefix '" + printable(prefix) + "': " + why);
    };
    if (prefix.empty()) return bad("empty (use --root to trust a key for every name)");
    if (prefix.size() > 512) return bad("longer than 512 bytes");
    for (char c : prefix) {
        if (!is_name_char(c)) {
            return bad("only lowercase letters, digits and . - _ ~ / may appear (appc names)");
        }
    }
    std::size_t start = 0;
    while (start <= prefix.size()) {
        std::size_t slash = prefix.find('/', start);
        if (slash == std::string_view::npos) slash = prefix.size();
        const std::string_view seg = prefix.substr(start, slash - start);
        if (seg.empty() || seg == "." || seg == "..") {
            return bad("empty, '.' or '..' path segment");
        }
        start = slash + 1;
    }
    return {};
}

std::vector<std::string> prefixes_of(std::string_view image_name) {
    std::vector<std::string> out;
    std::string name(image_name);
    while (!name.empty()) {
        if (check_prefix(name)) out.push_back(name);
        const std::size_t slash = name.rfind('/');
        if (slash == std::string::npos) break;
        name.resize(slash);
    }
    return out;
}

Result<TrustedKey> TrustStore::add(std::string_view prefix, std::span<const std::uint8_t> key,
                                   std::string_view what) {
    if (!prefix.empty()) {
        if (auto ok = check_prefix(prefix); !ok) return std::move(ok).error();
    }
    auto info = read_public_key(key, what);
    if (!info) return std::move(info).error();
    const fs::path file = dirs_.admin / relative_path(prefix, info->fingerprint);
    if (auto ok = write_atomically(
            file, std::string_view(reinterpret_cast<const char*>(key.data()), key.size()));
        !ok) {
        return std::move(ok).error();
    }
    return TrustedKey{std::string(prefix), info->fingerprint, file, false};
}

Result<std::vector<TrustedKey>> TrustStore::list() const {
    const auto admin = scan(dirs_.admin, false);
    const auto vendor = scan(dirs_.vendor, true);
    std::vector<TrustedKey> out;
    for (const auto& [rel, key] : admin) {
        std::error_code ec;
        if (fs::file_size(key.file, ec) == 0) continue;  // disables a vendor key
        out.push_back(key);
    }
    for (const auto& [rel, key] : vendor) {
        if (!admin.contains(rel)) out.push_back(key);
    }
    return out;
}

Result<std::vector<TrustedKey>> TrustStore::remove(const Fingerprint& fingerprint) {
    auto all = list();
    if (!all) return std::move(all).error();
    std::vector<TrustedKey> removed;
    for (const TrustedKey& k : *all) {
        if (!(k.fingerprint == fingerprint)) continue;
        if (k.vendor) {
            const fs::path shadow = dirs_.admin / relative_path(k.prefix, k.fingerprint);
            if (auto ok = write_atomically(shadow, ""); !ok) return std::move(ok).error();
        } else if (::unlink(k.file.c_str()) != 0 && errno != ENOENT) {
            return errno_error("remove", k.file.string(), errno);
        }
        removed.push_back(k);
    }
    if (removed.empty()) {
        return make_error(Errc::not_found, "no trusted key has fingerprint " +
                                               fingerprint.grouped() +
                                               " (see aciswarm trust list)");
    }
    return removed;
}

Result<std::vector<TrustedKey>> TrustStore::keys_for(std::string_view image_name) const {
    auto all = list();
    if (!all) return std::move(all).error();
    const std::vector<std::string> prefixes = prefixes_of(image_name);
    std::vector<TrustedKey> out;
    for (const TrustedKey& k : *all) {
        bool applies = k.root();
        for (const std::string& p : prefixes)
            applies = applies || k.prefix == p;
        if (applies) out.push_back(k);
    }
    return out;
}

}  // namespace aciswarm::trust
