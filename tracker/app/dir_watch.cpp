#include "tracker/app/dir_watch.hpp"

#include <sys/inotify.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "common/system_error.hpp"

namespace aciswarm::tracker {

namespace {

constexpr std::uint32_t kWatchMask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE |
                                     IN_CREATE | IN_DELETE_SELF | IN_ONLYDIR;

bool changes_the_set(std::uint32_t mask) {
    if ((mask & IN_CREATE) != 0) return (mask & IN_ISDIR) != 0;  // files count once written
    return (mask & (IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_DELETE_SELF |
                    IN_Q_OVERFLOW)) != 0;
}

}  // namespace

Result<DirWatch> DirWatch::open(const std::filesystem::path& root) {
    UniqueFd fd(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
    if (!fd) return errno_error("inotify_init1", root.string(), errno);
    if (::inotify_add_watch(fd.get(), root.c_str(), kWatchMask) < 0)
        return errno_error("inotify_add_watch", root.string(), errno);
    DirWatch watch(std::move(fd), root);
    watch.watch_tree();
    return watch;
}

bool DirWatch::drain() {
    bool changed = false;
    bool new_folder = false;
    alignas(inotify_event) std::array<char, 16 * 1024> buffer;
    for (;;) {
        const ssize_t n = ::read(fd_.get(), buffer.data(), buffer.size());
        if (n <= 0) break;  // EAGAIN: nothing more queued
        for (ssize_t at = 0; at < n;) {
            inotify_event event;
            std::memcpy(&event, buffer.data() + at, sizeof event);
            changed = changed || changes_the_set(event.mask);
            new_folder = new_folder || ((event.mask & IN_ISDIR) != 0 &&
                                        (event.mask & (IN_CREATE | IN_MOVED_TO)) != 0);
            at += static_cast<ssize_t>(sizeof(inotify_event) + event.len);
        }
    }
    if (new_folder) watch_tree();
    return changed;
}

void DirWatch::watch_tree() {
    std::error_code ec;
    std::filesystem::recursive_directory_iterator it(
        root_, std::filesystem::directory_options::skip_permission_denied, ec);
    for (; !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_directory(ec))
            ::inotify_add_watch(fd_.get(), it->path().c_str(), kWatchMask);  // idempotent
    }
}

}  // namespace aciswarm::tracker
