// A gtest fixture whose tests run in a network namespace of their own, so livesync's
// multicast never leaves the machine: the test process unshares one (the trackers it
// spawns inherit it) with lo up and IPv4 multicast routed to lo. IPv6 multicast is not
// looped back on lo, so with ipv6_veth a veth pair (both ends in this namespace) carries
// fd00:4242::1 for an IPv6 group. Each test case runs in its own process (ctest), so the
// namespace is per case.
#pragma once

#include <gtest/gtest.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "tests/support/process.hpp"

namespace aciswarm::test {

inline bool enter_private_netns(bool ipv6_veth, std::string& why) {
    if (unshare(CLONE_NEWNET) != 0) {
        why = std::string("unshare(CLONE_NEWNET): ") + std::strerror(errno);
        return false;
    }
    std::vector<std::vector<std::string>> commands{
        {"ip", "link", "set", "lo", "up"},
        {"ip", "link", "set", "lo", "multicast", "on"},
        {"ip", "route", "add", "224.0.0.0/4", "dev", "lo"}};
    if (ipv6_veth) {
        commands.push_back({"ip", "link", "add", "lsv0", "type", "veth", "peer", "name", "lsv1"});
        commands.push_back({"ip", "link", "set", "lsv1", "up"});
        commands.push_back({"ip", "link", "set", "lsv0", "multicast", "on", "up"});
        commands.push_back({"ip", "addr", "add", "fd00:4242::1/64", "dev", "lsv0", "nodad"});
    }
    for (const auto& cmd : commands) {
        auto r = run(cmd);
        if (r.status.code != 0) {
            why = cmd[0] + " " + cmd[1] + " ...: " + r.err;
            return false;
        }
    }
    return true;
}

class PrivateNetnsTest : public ::testing::Test {
  protected:
    explicit PrivateNetnsTest(bool ipv6_veth = false) : ipv6_veth_(ipv6_veth) {}

    // Skips the test without root; fails it when root cannot set the namespace up.
    void SetUp() override {
        std::string why;
        if (!enter_private_netns(ipv6_veth_, why)) {
            if (geteuid() != 0) GTEST_SKIP() << "needs root for a network namespace: " << why;
            FAIL() << why;
        }
    }

  private:
    bool ipv6_veth_;
};

}  // namespace aciswarm::test
