// Ctrl-C (SIGINT) and SIGTERM for commands that must wind down cleanly (fetch:
// announce "stopped", keep the partial download): the first signal requests
// stop on a std::stop_source and logs what happens next; a second one exits at
// once (status 130, as a shell reports an interrupt).
//
// Threads: construct before any other thread starts (the engine's): it blocks
// both signals in the calling thread, which every later thread inherits, and
// takes them synchronously on its own thread (sigwait). The destructor
// restores the previous mask and stops that thread.
#pragma once

#include <signal.h>

#include <stop_token>
#include <thread>

#include "common/log.hpp"

namespace aciswarm::agent {

class InterruptWatcher {
  public:
    explicit InterruptWatcher(Logger& log);
    ~InterruptWatcher();
    InterruptWatcher(const InterruptWatcher&) = delete;
    InterruptWatcher& operator=(const InterruptWatcher&) = delete;

    std::stop_token token() const { return source_.get_token(); }
    bool interrupted() const { return source_.stop_requested(); }

  private:
    Logger& log_;
    std::stop_source source_;
    sigset_t old_mask_{};
    std::jthread thread_;
};

}  // namespace aciswarm::agent
