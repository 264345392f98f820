#include "common/fd.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "common/system_error.hpp"

namespace aciswarm {

void UniqueFd::reset(int fd) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
}

int UniqueFd::close_checked() {
    if (fd_ < 0) return 0;
    // Linux closes the descriptor even when close() fails (also on EINTR): never retry.
    const int rc = ::close(std::exchange(fd_, -1));
    return rc == 0 ? 0 : errno;
}

Status write_all(int fd, std::string_view bytes, std::string_view name) {
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno_error("write", name, errno);
        }
        done += static_cast<std::size_t>(n);
    }
    return {};
}

Status fsync_directory(const std::string& dir) {
    UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) return errno_error("open", dir, errno);
    if (::fsync(fd.get()) != 0) return errno_error("fsync", dir, errno);
    return {};
}

}  // namespace aciswarm
