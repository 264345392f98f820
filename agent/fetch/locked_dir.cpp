#include "agent/fetch/locked_dir.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "common/system_error.hpp"

namespace aciswarm::agent::fetch {

namespace fs = std::filesystem;

Result<LockedDir> LockedDir::create(const fs::path& parent, std::string_view hint) {
    std::string tmpl = (parent / (std::string(hint) + ".XXXXXX")).string();
    if (::mkdtemp(tmpl.data()) == nullptr) return errno_error("mkdtemp", parent.string(), errno);
    LockedDir d;
    d.path_ = tmpl;
    const fs::path lock = d.path_ / ".lock";
    d.fd_ = UniqueFd(::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (!d.fd_) return errno_error("open", lock.string(), errno);
    if (::flock(d.fd_.get(), LOCK_EX) != 0) return errno_error("flock", lock.string(), errno);
    return d;
}

Result<LockedDir> LockedDir::open_named(const fs::path& parent, const std::string& name) {
    LockedDir d;
    const fs::path path = parent / name;
    const fs::path lock = path / ".lock";
    std::error_code ec;
    fs::create_directory(path, ec);
    if (ec) return make_error(Errc::io, path.string() + ": " + ec.message());
    d.fd_ = UniqueFd(::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (!d.fd_) return errno_error("open", lock.string(), errno);
    if (::flock(d.fd_.get(), LOCK_EX | LOCK_NB) != 0) {
        const int err = errno;
        return err == EWOULDBLOCK
                   ? make_error(Errc::already_exists, path.string() + ": in use by another fetch")
                   : errno_error("flock", lock.string(), err);
    }
    d.path_ = path;
    return d;
}

LockedDir& LockedDir::operator=(LockedDir&& other) noexcept {
    if (this != &other) {
        reset();
        path_ = std::exchange(other.path_, fs::path());
        fd_ = std::move(other.fd_);
    }
    return *this;
}

void LockedDir::keep() {
    path_.clear();
    reset();
}

void LockedDir::reset() {
    if (!path_.empty()) {
        std::error_code ec;
        fs::remove_all(path_, ec);
        path_.clear();
    }
    fd_.reset();
}

}  // namespace aciswarm::agent::fetch
