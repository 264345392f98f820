// Staging files and the staging cleaner. Files and directories in staging/
// are held by flocks, so a cleaner in another process (Store::open) removes
// only what no live process holds; kill -9 releases the flock and the next
// open removes the file.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <utility>

#include "agent/store/store_impl.hpp"

namespace aciswarm::agent::store {
namespace fs = std::filesystem;
namespace {

// An interrupted swarm download (agent/fetch: staging/partial-<info hash>
// with libtorrent's resume data) that the next fetch of the same torrent
// resumes. Kept for partial_max_age after its last save, then cleaned.
bool resumable_partial(const fs::path& dir) {
    static constexpr auto partial_max_age = std::chrono::hours(24 * 7);
    if (!dir.filename().string().starts_with("partial-")) return false;
    std::error_code ec;
    const auto saved = fs::last_write_time(dir / "resume", ec);
    if (ec) return false;
    return fs::file_time_type::clock::now() - saved < partial_max_age;
}

// A download in progress (agent/fetch) holds an flock on DIR/.lock.
bool directory_held(const fs::path& dir) {
    const int lock_fd = ::open((dir / ".lock").c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    const bool held = lock_fd >= 0 && ::flock(lock_fd, LOCK_EX | LOCK_NB) != 0;
    if (lock_fd >= 0) ::close(lock_fd);
    return held;
}

}  // namespace

StagingFile::~StagingFile() {
    if (fd_ >= 0) {
        ::unlink(path_.c_str());
        ::close(fd_);
    }
}

StagingFile::StagingFile(StagingFile&& other) noexcept
    : path_(std::move(other.path_)), fd_(std::exchange(other.fd_, -1)) {}

StagingFile& StagingFile::operator=(StagingFile&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) {
            ::unlink(path_.c_str());
            ::close(fd_);
        }
        path_ = std::move(other.path_);
        fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
}

Status StagingFile::write(std::span<const std::uint8_t> bytes) {
    return write_all(fd_,
                     std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()),
                     path_.string());
}

Status StagingFile::write(std::string_view bytes) {
    return write_all(fd_, bytes, path_.string());
}

Status StagingFile::sync() {
    if (::fsync(fd_) != 0) return errno_error("fsync", path_.string(), errno);
    return {};
}

void StagingFile::release() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

// Removes every file in staging/ no live process holds an flock on
// (resumable partial downloads stay).
void Store::Impl::clean_staging() const {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(staging, ec)) {
        const fs::path p = entry.path();
        if (entry.is_directory(ec)) {
            if (!directory_held(p) && !resumable_partial(p)) fs::remove_all(p, ec);
            continue;
        }
        const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0) {
            ::unlink(p.c_str());
            continue;
        }
        if (::flock(fd, LOCK_EX | LOCK_NB) == 0) {
            log->info("store: removing abandoned staging file ", p.string());
            ::unlink(p.c_str());
        }
        ::close(fd);
    }
}

Result<StagingFile> Store::Impl::create_staging_file(std::string_view hint) const {
    std::string safe;
    for (char c : hint.substr(0, 64)) {
        safe.push_back(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ? c
                                                                                           : '_');
    }
    if (safe.empty()) safe = "file";
    // A cleaner in another process may remove the file between mkstemp and
    // flock; then the path no longer names our inode and we try again.
    for (int attempt = 0; attempt < 8; ++attempt) {
        std::string tmpl = (staging / (safe + ".XXXXXX")).string();
        const int fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
        if (fd < 0) return errno_error("create staging file", staging.string(), errno);
        if (::flock(fd, LOCK_EX) != 0) {
            const int err = errno;
            ::close(fd);
            return errno_error("flock", tmpl, err);
        }
        struct stat by_fd {};
        struct stat by_path {};
        if (::fstat(fd, &by_fd) == 0 && ::stat(tmpl.c_str(), &by_path) == 0 &&
            by_fd.st_ino == by_path.st_ino && by_fd.st_dev == by_path.st_dev) {
            return StagingFile(tmpl, fd);
        }
        ::close(fd);
    }
    return make_error(Errc::io, staging.string() + ": staging file keeps disappearing");
}

Result<StagingFile> Store::create_staging_file(std::string_view hint) {
    return impl_->create_staging_file(hint);
}

fs::path Store::staging_dir() const {
    return impl_->staging;
}

}  // namespace aciswarm::agent::store
