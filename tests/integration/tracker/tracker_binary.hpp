// The real aciswarm-tracker binary for the integration tests: started on loopback with
// port-0 HTTP and UDP listeners on 127.0.0.1 and [::1], the ports read from its
// "listening" lines. Thread-safety: one thread per object.
#pragma once

#include <string>
#include <vector>

#include "tests/support/process.hpp"

namespace aciswarm::test {

struct TrackerBinary {
    Process proc;
    int http4 = 0;  // 0: the tracker did not say it listens there
    int http6 = 0;
    int udp4 = 0;
    int udp6 = 0;
    std::string base4() const { return "http://127.0.0.1:" + std::to_string(http4); }
    std::string base6() const { return "http://[::1]:" + std::to_string(http6); }
};

// Starts the tracker with two workers and `extra` options after the listeners.
TrackerBinary start_tracker_binary(const std::vector<std::string>& extra);

}  // namespace aciswarm::test
