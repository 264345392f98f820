#include "tracker_binary.hpp"

#include <regex>

namespace aciswarm::test {
namespace {

int port_of(Process& p, const std::string& what) {
    auto m = p.wait_for_stderr(std::regex("listening " + what + ":([0-9]+)"));
    return m ? std::stoi((*m)[1]) : 0;
}

}  // namespace

TrackerBinary start_tracker_binary(const std::vector<std::string>& extra) {
    std::vector<std::string> argv = {bin("aciswarm-tracker"), "--http=127.0.0.1:0",
                                     "--http=[::1]:0",        "--udp=127.0.0.1:0",
                                     "--udp=[::1]:0",         "--workers=2"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    TrackerBinary t{Process::spawn(argv)};
    t.http4 = port_of(t.proc, "http 127\\.0\\.0\\.1");
    t.http6 = port_of(t.proc, "http \\[::1\\]");
    t.udp4 = port_of(t.proc, "udp 127\\.0\\.0\\.1");
    t.udp6 = port_of(t.proc, "udp \\[::1\\]");
    return t;
}

}  // namespace aciswarm::test
