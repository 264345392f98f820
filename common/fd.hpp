// An owned POSIX file descriptor: the one RAII wrapper for open(), socket(),
// mkostemp() and friends. Closed on destruction; move-only, so exactly one
// owner closes it. Thread: the owner's; no shared state. A kill -9 leaves the
// kernel to close it (nothing to recover).
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "common/result.hpp"

namespace aciswarm {

class UniqueFd {
  public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) : fd_(fd) {}
    ~UniqueFd() { reset(); }
    UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept {
        if (this != &other) {
            reset();
            fd_ = std::exchange(other.fd_, -1);
        }
        return *this;
    }
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;

    int get() const { return fd_; }
    explicit operator bool() const { return fd_ >= 0; }
    // Gives up ownership: the caller closes the returned descriptor.
    int release() { return std::exchange(fd_, -1); }
    // Closes the owned descriptor (errors ignored: use close_checked where a
    // failed close means lost data) and takes ownership of `fd`.
    void reset(int fd = -1);
    // Closes the owned descriptor and returns close()'s errno, 0 on success
    // (after a write, close can report a deferred write error).
    int close_checked();

  private:
    int fd_ = -1;
};

// Writes all of `bytes` to `fd`, retrying short writes and EINTR. Errors name
// `name` ("NAME: write: No space left on device").
Status write_all(int fd, std::string_view bytes, std::string_view name);

// fsyncs a directory, so a rename or create inside it survives a power cut
// (not only a kill -9). Errors name the directory and the failed operation.
Status fsync_directory(const std::string& dir);

}  // namespace aciswarm
