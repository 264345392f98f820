#include "common/file_read.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "common/system_error.hpp"

namespace aciswarm {
namespace {

// Bytes read per pread: a stop request is seen at least this often.
constexpr std::size_t chunk_bytes = 1 << 20;

const char* file_type_name(mode_t mode) {
    if (S_ISDIR(mode)) return "a directory";
    if (S_ISCHR(mode)) return "a character device";
    if (S_ISBLK(mode)) return "a block device";
    if (S_ISFIFO(mode)) return "a FIFO";
    if (S_ISSOCK(mode)) return "a socket";
    if (S_ISLNK(mode)) return "a symbolic link";
    return "not a regular file";
}

// A failed open, fstat or pread of `name`: O_NOFOLLOW's ELOOP is a refused
// symbolic link, not a loop.
Error file_error(std::string_view name, int err) {
    if (err == ELOOP) {
        return make_error(Errc::unsupported,
                          std::string(name) + ": a symbolic link (not followed)");
    }
    return errno_error("", name, err);
}

// fstat an open descriptor and refuse anything but a regular file.
Result<struct stat> stat_regular_file(int fd, std::string_view name) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) return file_error(name, errno);
    if (!S_ISREG(st.st_mode)) {
        return make_error(Errc::unsupported, std::string(name) + ": " + file_type_name(st.st_mode) +
                                                 ", not a regular file");
    }
    return st;
}

}  // namespace

Result<UniqueFd> open_regular_file(const std::string& path, Symlinks symlinks,
                                   std::string_view name) {
    const std::string_view who = name.empty() ? std::string_view(path) : name;
    int flags = O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
    if (symlinks == Symlinks::refuse) flags |= O_NOFOLLOW;
    UniqueFd fd(::open(path.c_str(), flags));
    if (!fd) return file_error(who, errno);
    if (auto st = stat_regular_file(fd.get(), who); !st) return st.error();
    return fd;
}

Result<std::size_t> check_regular_file(int fd, std::string_view name, std::size_t max_bytes) {
    auto st = stat_regular_file(fd, name);
    if (!st) return st.error();
    const auto size = static_cast<std::size_t>(st->st_size);
    if (size > max_bytes) {
        return make_error(Errc::too_large, std::string(name) + ": " + std::to_string(size) +
                                               " bytes, more than the limit of " +
                                               std::to_string(max_bytes));
    }
    return size;
}

Result<std::string> read_regular_file(int fd, std::string_view name, std::size_t max_bytes,
                                      std::stop_token stop) {
    auto size = check_regular_file(fd, name, max_bytes);
    if (!size) return size.error();
    std::string out;
    out.reserve(*size);
    std::size_t chunk = std::min<std::size_t>(chunk_bytes, max_bytes + 1);
    for (;;) {
        if (stop.stop_requested())
            return make_error(Errc::cancelled, std::string(name) + ": read cancelled");
        const std::size_t at = out.size();
        // One byte past the limit tells "exactly at the limit" from "grew past it".
        const std::size_t want = std::min(chunk, max_bytes + 1 - at);
        out.resize(at + want);
        const ssize_t n = ::pread(fd, out.data() + at, want, static_cast<off_t>(at));
        if (n < 0) {
            if (errno == EINTR) {
                out.resize(at);
                continue;
            }
            return file_error(name, errno);
        }
        out.resize(at + static_cast<std::size_t>(n));
        if (n == 0) return out;
        if (out.size() > max_bytes) {
            return make_error(Errc::too_large, std::string(name) + ": more than the limit of " +
                                                   std::to_string(max_bytes) + " bytes");
        }
    }
}

Result<std::string> read_file_bounded(const std::string& path, std::size_t max_bytes,
                                      Symlinks symlinks, std::stop_token stop) {
    auto fd = open_regular_file(path, symlinks);
    if (!fd) return fd.error();
    return read_regular_file(fd->get(), path, max_bytes, std::move(stop));
}

}  // namespace aciswarm
