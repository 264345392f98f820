// Test worlds for HTTPS: a throw-away CA (openssl CLI), a private network
// namespace with its own /etc/hosts (so appc names, which have no port, can be
// served on 443), and nginx started with a generated config. Every resource is
// undone by the destructors, also when a test fails.
// Thread-safety: one thread per object.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/process.hpp"

namespace aciswarm::test {

struct TestCa {
    std::filesystem::path ca_cert;  // PEM: trust this (--ca-file / SSL_CERT_FILE)
    std::filesystem::path server_cert;
    std::filesystem::path server_key;
};

// Makes a CA and one server certificate for `subject_alt_names`
// ("DNS:example.test", "IP:127.0.0.1") in dir. Returns "" or what failed.
std::string make_test_ca(const std::filesystem::path& dir,
                         const std::vector<std::string>& subject_alt_names, TestCa& out);

// A network namespace with lo up and /etc/netns/NAME/{hosts,resolv.conf}
// (names not in hosts resolve against the namespace's own loopback: refused).
// Needs root.
class NetNs {
  public:
    explicit NetNs(std::string name) : name_(std::move(name)) {}
    ~NetNs();
    NetNs(const NetNs&) = delete;
    NetNs& operator=(const NetNs&) = delete;

    // hosts: "127.0.0.1 example.test\n..." (localhost is added). Returns "" or what failed.
    std::string create(const std::string& hosts);
    const std::string& name() const { return name_; }
    // argv prefixed with "ip netns exec NAME".
    std::vector<std::string> exec(std::vector<std::string> argv) const;

  private:
    std::string name_;
    bool created_ = false;
    bool etc_created_ = false;
};

// One `server { }` block for Nginx::start: TLS on `listen` ("127.0.0.1:443") with
// the CA's server certificate, `server_name` (none when empty), files from `root`,
// and `directives` (locations, headers: whole lines) inside.
std::string tls_server_block(const std::string& listen, const std::string& server_name,
                             const TestCa& ca, const std::filesystem::path& root,
                             const std::string& directives = "");

// nginx with a config of its own (pid file, temp paths, error log on stderr,
// no access log) and `servers` as the body of the http block; runs inside
// `netns` when one is given. start() returns once the listeners are bound.
class Nginx {
  public:
    Nginx() = default;
    ~Nginx();
    Nginx(const Nginx&) = delete;
    Nginx& operator=(const Nginx&) = delete;

    // Returns "" or what failed (with nginx's stderr).
    std::string start(const std::filesystem::path& work_dir, const std::string& servers,
                      const NetNs* netns = nullptr);
    void stop();

  private:
    std::optional<Process> process_;
};

}  // namespace aciswarm::test
