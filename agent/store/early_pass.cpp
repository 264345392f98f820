#include "agent/store/early_pass.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "common/system_error.hpp"

namespace aciswarm::agent::store {

// The file is opened here, before the caller can rename it into the store:
// the pass reads that inode whatever its name is later.
EarlyPass::EarlyPass(std::filesystem::path path, Options options)
    : path_(std::move(path)),
      options_(std::move(options)),
      fd_(::open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW)),
      open_errno_(fd_ ? 0 : errno),
      thread_([this] { run(); }) {}

EarlyPass::~EarlyPass() {
    cancel();
    thread_.join();
}

void EarlyPass::extend(std::uint64_t final_bytes) {
    {
        std::lock_guard lock(mu_);
        if (final_bytes <= final_) return;
        final_ = final_bytes;
    }
    cv_.notify_all();
}

void EarlyPass::complete(std::uint64_t size) {
    {
        std::lock_guard lock(mu_);
        final_ = size;
        size_ = size;
    }
    cv_.notify_all();
}

void EarlyPass::cancel() {
    {
        std::lock_guard lock(mu_);
        cancelled_ = true;
    }
    cv_.notify_all();
}

Result<EarlyPassResult> EarlyPass::result() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return done_; });
    return *result_;
}

// Starts writeback of what was read since the last hint (all: up to the end
// read so far), without waiting for it: the import's fsync then waits only
// for the rest. A failure is harmless (the fsync still writes everything).
void EarlyPass::hint_writeback(bool all) {
    const std::uint64_t pending = offset_ - written_back_;
    if (pending == 0 || (!all && pending < options_.writeback_every)) return;
    ::sync_file_range(fd_.get(), static_cast<off_t>(written_back_), static_cast<off_t>(pending),
                      SYNC_FILE_RANGE_WRITE);
    written_back_ = offset_;
}

Result<std::size_t> EarlyPass::read_next(std::span<std::uint8_t> buf) {
    std::uint64_t limit = 0;
    {
        std::unique_lock lock(mu_);
        for (;;) {
            if (cancelled_) return make_error(Errc::cancelled, path_.string() + ": pass cancelled");
            if (final_ > offset_) break;
            if (size_ && offset_ >= *size_) return std::size_t{0};
            lock.unlock();
            hint_writeback(true);
            if (options_.on_wait) options_.on_wait(offset_);
            lock.lock();
            cv_.wait(lock, [&] { return cancelled_ || final_ > offset_ || size_.has_value(); });
        }
        limit = final_;
    }
    if (!fd_) return errno_error("open", path_.string(), open_errno_);
    const auto want =
        static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), limit - offset_));
    for (;;) {
        const ssize_t n = ::pread(fd_.get(), buf.data(), want, static_cast<off_t>(offset_));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return errno_error("read", path_.string(), errno);
        if (n == 0) {
            return make_error(Errc::io, path_.string() + ": ends at " + std::to_string(offset_) +
                                            " bytes, before the " + std::to_string(limit) +
                                            " declared final");
        }
        offset_ += static_cast<std::uint64_t>(n);
        hint_writeback(false);
        return static_cast<std::size_t>(n);
    }
}

void EarlyPass::run() {
    const appc::ChunkReader reader = [this](std::span<std::uint8_t> buf) { return read_next(buf); };
    auto info = appc::read_aci_stream(reader, path_.string(), options_.limits);
    Result<EarlyPassResult> out = make_error(Errc::internal, "unset");
    struct stat st {};
    if (!info) {
        out = std::move(info).error();
    } else if (!fd_ || ::fstat(fd_.get(), &st) != 0) {
        out = make_error(Errc::io, path_.string() + ": the pass read no file");
    } else {
        out = EarlyPassResult{std::move(*info), st.st_dev, st.st_ino};
    }
    {
        std::lock_guard lock(mu_);
        result_ = std::move(out);
        done_ = true;
    }
    cv_.notify_all();
}

}  // namespace aciswarm::agent::store
