// Removing images: remove, gc by last use, verify (corrupt blobs go to
// quarantine/), disk usage, and export (a checked copy out of the store).
// Files go before the commit, so kill -9 in between leaves a row without a
// blob, which the next open removes; never a blob that looks valid.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <limits>

#include "agent/store/store_impl.hpp"
#include "common/digest.hpp"

namespace aciswarm::agent::store {
namespace fs = std::filesystem;
namespace {

constexpr std::size_t copy_chunk = 64 * 1024;

}  // namespace

Status Store::export_to(const ImageId& id, const fs::path& dest) const {
    auto rec = impl_->get(id);
    if (!rec) return std::move(rec).error();
    const fs::path src_path = impl_->blob_path(id);
    const int src = ::open(src_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (src < 0) return errno_error("open", src_path.string(), errno);
    const fs::path dir = dest.has_parent_path() ? dest.parent_path() : fs::path(".");
    std::string tmpl = (dir / ("." + dest.filename().string() + ".XXXXXX")).string();
    const int dst = ::mkostemp(tmpl.data(), O_CLOEXEC);
    if (dst < 0) {
        const int err = errno;
        ::close(src);
        return errno_error("create temporary file for", dest.string(), err);
    }
    auto cleanup = [&](Error e) -> Status {
        ::close(src);
        ::close(dst);
        ::unlink(tmpl.c_str());
        return e;
    };
    Digest digest(Digest::Algorithm::sha512);
    std::vector<std::uint8_t> buf(copy_chunk);
    for (;;) {
        const ssize_t n = ::read(src, buf.data(), buf.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return cleanup(errno_error("read", src_path.string(), errno));
        }
        if (n == 0) break;
        digest.update(std::span<const std::uint8_t>(buf.data(), static_cast<std::size_t>(n)));
        const std::string_view chunk(reinterpret_cast<const char*>(buf.data()),
                                     static_cast<std::size_t>(n));
        if (auto ok = write_all(dst, chunk, dest.string()); !ok) {
            return cleanup(std::move(ok).error());
        }
    }
    auto got = BlobSha512::from_bytes(digest.finish());
    if (!got || *got != rec->blob_sha512) {
        return cleanup(make_error(Errc::corrupt, src_path.string() +
                                                     ": blob does not match its recorded "
                                                     "digest (run `aciswarm image verify`)"));
    }
    if (::fchmod(dst, 0644) != 0) return cleanup(errno_error("chmod", dest.string(), errno));
    if (::fsync(dst) != 0) return cleanup(errno_error("fsync", dest.string(), errno));
    if (::rename(tmpl.c_str(), dest.c_str()) != 0) {
        return cleanup(errno_error("rename to " + dest.string(), tmpl, errno));
    }
    ::close(src);
    ::close(dst);
    return {};
}

Status Store::remove(const ImageId& id) {
    if (auto ok = impl_->exec("BEGIN IMMEDIATE", "begin remove"); !ok) return ok;
    if (auto ok = impl_->delete_row(id); !ok) return ok;
    if (sqlite3_changes(impl_->db) == 0) {
        impl_->rollback();
        return make_error(Errc::not_found, "no image " + id.display());
    }
    impl_->point("row-deleted");
    // Files go before the commit (see the top of this file).
    ::unlink(impl_->signature_path(id).c_str());
    if (::unlink(impl_->blob_path(id).c_str()) != 0 && errno != ENOENT) {
        const int err = errno;
        impl_->rollback();
        return errno_error("remove", impl_->blob_path(id).string(), err);
    }
    if (auto ok = impl_->exec("COMMIT", "commit remove"); !ok) return ok;
    impl_->log->info("store: removed ", id.display());
    return {};
}

Result<std::vector<ImageRecord>> Store::gc(const GcOptions& options) {
    auto all = list();
    if (!all) return all;
    const auto cutoff = impl_->clock->wall_now() - options.older_than;
    std::vector<ImageRecord> out;
    for (auto& r : *all) {
        if (r.last_used > cutoff || r.pinned || r.seeding()) continue;
        if (options.keep && options.keep(r)) continue;
        if (!options.dry_run) {
            if (auto ok = remove(r.id); !ok) {
                if (ok.error().code == Errc::not_found) continue;  // removed meanwhile
                return std::move(ok).error();
            }
        }
        out.push_back(std::move(r));
    }
    return out;
}

Result<VerifyReport> Store::verify() {
    auto all = list();
    if (!all) return std::move(all).error();
    VerifyReport report;
    for (const auto& r : *all) {
        ++report.checked;
        const fs::path blob = impl_->blob_path(r.id);
        std::error_code ec;
        std::optional<std::string> problem;
        bool missing = false;
        if (!fs::exists(blob, ec)) {
            missing = true;
        } else {
            // Stored blobs passed the limit of whoever imported them.
            auto info = read_aci_file(blob, AciLimits{std::numeric_limits<std::uint64_t>::max(),
                                                      std::numeric_limits<std::uint64_t>::max()});
            if (!info) {
                problem = info.error().message;
            } else if (info->blob_sha512 != r.blob_sha512) {
                problem = "blob SHA-512 " + info->blob_sha512.hex().substr(0, 16) +
                          "... differs from the recorded " + r.blob_sha512.hex().substr(0, 16) +
                          "...";
            } else if (info->id != r.id) {
                problem = "image ID is now " + info->id.display();
            }
        }
        if (!missing && !problem) {
            report.ok.push_back(r.id);
            continue;
        }
        if (auto ok = impl_->exec("BEGIN IMMEDIATE", "begin quarantine"); !ok) {
            return std::move(ok).error();
        }
        if (!missing) {
            const std::string stamp = std::to_string(to_unix_ms(impl_->clock->wall_now()));
            const fs::path dest = impl_->quarantine / (r.key() + "." + stamp + ".aci");
            if (::rename(blob.c_str(), dest.c_str()) != 0) {
                const int err = errno;
                impl_->rollback();
                return errno_error("quarantine", blob.string(), err);
            }
            ::unlink(impl_->signature_path(r.id).c_str());
        }
        if (auto ok = impl_->delete_row(r.id); !ok) return std::move(ok).error();
        if (auto ok = impl_->exec("COMMIT", "commit quarantine"); !ok) return std::move(ok).error();
        if (missing) {
            impl_->log->warn("store: ", r.id.display(), ": blob missing, index row removed");
            report.missing.push_back(r.id);
        } else {
            impl_->log->warn("store: ", r.id.display(), " is corrupt (", *problem, "), moved to ",
                             impl_->quarantine.string());
            report.corrupt.emplace_back(r.id, *problem);
        }
    }
    return report;
}

Result<DiskUsage> Store::disk_usage() const {
    DiskUsage du;
    std::error_code ec;
    auto sum_dir = [&](const fs::path& dir) {
        std::uint64_t total = 0;
        for (const auto& e : fs::recursive_directory_iterator(dir, ec)) {
            if (e.is_regular_file(ec)) total += e.file_size(ec);
        }
        return total;
    };
    for (const auto& e : fs::directory_iterator(impl_->blobs, ec)) {
        if (!e.is_regular_file(ec)) continue;
        const std::string name = e.path().filename().string();
        if (name.ends_with(".aci.asc")) {
            du.signature_bytes += e.file_size(ec);
        } else if (name.ends_with(".aci")) {
            du.blob_bytes += e.file_size(ec);
            ++du.images;
        }
    }
    for (const char* f : {"index.db", "index.db-wal", "index.db-shm"}) {
        const fs::path p = impl_->root / f;
        if (fs::exists(p, ec)) du.index_bytes += fs::file_size(p, ec);
    }
    du.staging_bytes = sum_dir(impl_->staging);
    du.quarantine_bytes = sum_dir(impl_->quarantine);
    return du;
}

}  // namespace aciswarm::agent::store
