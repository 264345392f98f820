#include "agent/cli/interrupt.hpp"

#include <pthread.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>

namespace aciswarm::agent {

namespace {

sigset_t stop_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    return set;
}

}  // namespace

InterruptWatcher::InterruptWatcher(Logger& log) : log_(log) {
    const sigset_t set = stop_signals();
    ::pthread_sigmask(SIG_BLOCK, &set, &old_mask_);
    thread_ = std::jthread([this](std::stop_token self) {
        const sigset_t wanted = stop_signals();
        const timespec tick{0, 200'000'000};  // checks `self` 5 times a second
        while (!self.stop_requested()) {
            const int sig = ::sigtimedwait(&wanted, nullptr, &tick);
            if (sig < 0) continue;  // EAGAIN (tick) or EINTR
            if (!source_.stop_requested()) {
                log_.warn(
                    "interrupted: stopping (telling the tracker, keeping what was "
                    "downloaded); interrupt again to quit at once");
                source_.request_stop();
                continue;
            }
            ::_exit(130);
        }
    });
}

InterruptWatcher::~InterruptWatcher() {
    thread_.request_stop();
    thread_.join();
    ::pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
}

}  // namespace aciswarm::agent
