// Two network namespaces this test process creates, joined by a bridge, for
// BitTorrent clients that refuse loopback peers (transmission 3.00 ignores
// 127.0.0.0/8):
//
//   iop<pid>s  "server": aciswarm-tracker, the everseed, aciswarm fetch.
//              Bridge br0 = 10.77.0.1/24, veth v0 enslaved to it.
//   iop<pid>c  "client": the third-party client. veth c0 = 10.77.0.2/24
//              (v0's peer).
//
// Nothing is created in the host's namespace: the veth pair is made inside
// the namespaces. Each namespace has its own loopback too, so a client's
// control port (qBittorrent's WebUI, transmission's RPC) can be a fixed
// number there without colliding with anything on the host.
//
// Cleanup: ~NetLab kills whatever still runs inside the two namespaces and
// deletes them (with them every link), also when a test fails. Processes the
// test started should be stopped first (declare them after the lab). A test
// process killed outright leaves its namespaces behind: remove_stale(), run
// by create(), removes the ones whose creator pid is gone.
// Needs root. Thread-safety: one thread per object.
#pragma once

#include <string>
#include <vector>

namespace aciswarm::test {

class NetLab {
  public:
    static constexpr const char* server_ip = "10.77.0.1";
    static constexpr const char* client_ip = "10.77.0.2";

    NetLab();
    ~NetLab();
    NetLab(const NetLab&) = delete;
    NetLab& operator=(const NetLab&) = delete;

    // Returns "" or what failed.
    std::string create();

    // argv run inside a namespace ("ip netns exec NAME argv...").
    std::vector<std::string> in_server(std::vector<std::string> argv) const;
    std::vector<std::string> in_client(std::vector<std::string> argv) const;

    const std::string& server_ns() const { return server_; }
    const std::string& client_ns() const { return client_; }

    // Deletes iop<pid>{s,c} namespaces whose pid is no longer alive (kills
    // what runs in them first).
    static void remove_stale();

  private:
    std::string server_;
    std::string client_;
    std::vector<std::string> created_;
};

}  // namespace aciswarm::test
