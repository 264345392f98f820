// errno and write/fsync helpers of the store (store_impl.hpp).
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "agent/store/store_impl.hpp"

namespace aciswarm::agent::store {
namespace fs = std::filesystem;

Error errno_error(const std::string& what, int err) {
    const Errc code = err == ENOENT                     ? Errc::not_found
                      : (err == EACCES || err == EPERM) ? Errc::permission
                                                        : Errc::io;
    return make_error(code, what + ": " + std::strerror(err));
}

Status write_all(int fd, const std::uint8_t* data, std::size_t size, const fs::path& path) {
    std::size_t off = 0;
    while (off < size) {
        const ssize_t n = ::write(fd, data + off, size - off);
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno_error(path.string() + ": write", errno);
        }
        off += static_cast<std::size_t>(n);
    }
    return {};
}

Status fsync_fd(int fd, const fs::path& path) {
    if (::fsync(fd) != 0) return errno_error(path.string() + ": fsync", errno);
    return {};
}

Status fsync_dir(const fs::path& dir) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return errno_error(dir.string() + ": open", errno);
    const int rc = ::fsync(fd);
    const int err = errno;
    ::close(fd);
    if (rc != 0) return errno_error(dir.string() + ": fsync", err);
    return {};
}

}  // namespace aciswarm::agent::store
