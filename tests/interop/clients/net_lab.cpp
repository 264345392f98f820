#include "tests/interop/clients/net_lab.hpp"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <regex>
#include <sstream>

#include "tests/support/process.hpp"

namespace aciswarm::test {
namespace {

const std::string tag = "iop";

void kill_and_delete(const std::string& ns) {
    // Whatever a test started in the namespace and did not stop (a client
    // that forked, a process left by a killed test): by pid, then the namespace.
    auto pids = run({"ip", "netns", "pids", ns}, {}, 10s);
    std::istringstream in(pids.out);
    for (long pid = 0; in >> pid;) {
        if (pid > 1) ::kill(static_cast<pid_t>(pid), SIGKILL);
    }
    (void)run({"ip", "netns", "del", ns}, {}, 10s);
}

bool alive(long pid) {
    return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

}  // namespace

NetLab::NetLab() {
    const std::string pid = std::to_string(::getpid());
    server_ = tag + pid + "s";
    client_ = tag + pid + "c";
}

NetLab::~NetLab() {
    for (auto it = created_.rbegin(); it != created_.rend(); ++it)
        kill_and_delete(*it);
}

void NetLab::remove_stale() {
    auto list = run({"ip", "netns", "list"}, {}, 10s);
    static const std::regex name("^(" + tag + "([0-9]+)[sc])\\b");
    std::istringstream in(list.out);
    for (std::string line; std::getline(in, line);) {
        std::smatch m;
        if (!std::regex_search(line, m, name)) continue;
        const long pid = std::stol(m[2]);
        if (pid != ::getpid() && !alive(pid)) kill_and_delete(m[1]);
    }
}

std::string NetLab::create() {
    if (::geteuid() != 0) return "needs root (ip netns)";
    remove_stale();
    for (const auto& ns : {server_, client_}) {
        auto add = run({"ip", "netns", "add", ns}, {}, 10s);
        if (add.status.code != 0) return "ip netns add " + ns + ": " + add.err;
        created_.push_back(ns);
    }
    const std::vector<std::vector<std::string>> steps{
        {"ip", "-n", server_, "link", "add", "br0", "type", "bridge"},
        {"ip", "-n", server_, "link", "add", "v0", "type", "veth", "peer", "name", "c0", "netns",
         client_},
        {"ip", "-n", server_, "link", "set", "v0", "master", "br0"},
        {"ip", "-n", server_, "addr", "add", std::string(server_ip) + "/24", "dev", "br0"},
        {"ip", "-n", client_, "addr", "add", std::string(client_ip) + "/24", "dev", "c0"},
        {"ip", "-n", server_, "link", "set", "lo", "up"},
        {"ip", "-n", server_, "link", "set", "br0", "up"},
        {"ip", "-n", server_, "link", "set", "v0", "up"},
        {"ip", "-n", client_, "link", "set", "lo", "up"},
        {"ip", "-n", client_, "link", "set", "c0", "up"},
    };
    for (const auto& step : steps) {
        auto r = run(step, {}, 10s);
        if (r.status.code != 0) {
            std::string cmd;
            for (const auto& a : step)
                cmd += (cmd.empty() ? "" : " ") + a;
            return cmd + ": " + r.err;
        }
    }
    return "";
}

std::vector<std::string> NetLab::in_server(std::vector<std::string> argv) const {
    std::vector<std::string> out{"ip", "netns", "exec", server_};
    out.insert(out.end(), argv.begin(), argv.end());
    return out;
}

std::vector<std::string> NetLab::in_client(std::vector<std::string> argv) const {
    std::vector<std::string> out{"ip", "netns", "exec", client_};
    out.insert(out.end(), argv.begin(), argv.end());
    return out;
}

}  // namespace aciswarm::test
