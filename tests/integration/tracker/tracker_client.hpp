// Small clients for the tracker integration tests: HTTP via libcurl (keep-alive
// through one easy handle), raw TCP, and BEP 15 over UDP sockets. Loopback only.
// Thread-safety: one thread per object.
#pragma once

#include <curl/curl.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/info_hash.hpp"
#include "common/peer_endpoint.hpp"

namespace aciswarm::test {

struct HttpReply {
    long status = 0;
    std::string body;
    long new_connections = 0;  // CURLINFO_NUM_CONNECTS: 0 when a connection was reused
};

class HttpClient {
  public:
    HttpClient();
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;
    HttpReply get(const std::string& url);

  private:
    CURL* curl_;
};

std::string announce_url(const std::string& base, const InfoHash& hash, std::uint16_t port,
                         std::uint64_t left, const std::string& extra = "");

// A connected TCP socket to addr:port; -1 on failure.
int tcp_connect(const std::string& addr, int port);
// Same, from a chosen local address (127.0.0.2 is another loopback source); -1 on failure.
int tcp_connect_from(const std::string& source, const std::string& addr, int port);
// One HTTP/1.1 GET with "Connection: close" on a fresh connection from `source`; the whole
// reply, or nullopt when none came within `timeout` (a bounded wait, not a timing assert).
std::optional<std::string> http_get_from(const std::string& source, const std::string& addr,
                                         int port, const std::string& target,
                                         std::chrono::milliseconds timeout);

// An announce reply as a zone-aware agent reads it (docs/zones.md, "Reply").
struct ZoneAnnounceReply {
    std::string role;  // "": the reply had no zone key
    std::string zone;
    std::vector<PeerEndpoint> leaders;  // best first
    std::vector<PeerEndpoint> peers;    // peers and peers6
};
// Parses a bencoded announce reply (the body only); nullopt when it is not one.
std::optional<ZoneAnnounceReply> parse_zone_reply(const std::string& body);
// One announce GET from `source` (a loopback address: 127.0.1.1 is a different host to
// the tracker) to the tracker on 127.0.0.1:port; the reply's body, or nullopt.
std::optional<std::string> announce_from(const std::string& source, int port,
                                         const std::string& target);

// /proc/PID/stat utime + stime, in clock ticks (sysconf(_SC_CLK_TCK) per second).
std::uint64_t cpu_ticks(int pid);
// A "VmRSS"-style line of /proc/PID/status, in kB (0 when missing).
std::uint64_t status_kb(int pid, const std::string& field);
// Reads until EOF or timeout; returns what was read, nullopt on timeout without EOF.
std::optional<std::string> read_until_eof(int fd, std::chrono::milliseconds timeout);

class UdpClient {
  public:
    UdpClient(const std::string& addr, int port);
    ~UdpClient();
    UdpClient(const UdpClient&) = delete;
    UdpClient& operator=(const UdpClient&) = delete;
    // Sends a datagram, waits up to 5 s for one reply (nullopt on timeout).
    std::optional<std::vector<std::uint8_t>> request(
        const std::vector<std::uint8_t>& packet,
        std::chrono::milliseconds timeout = std::chrono::seconds(5));
    int fd() const { return fd_; }
    void send_only(const std::vector<std::uint8_t>& packet);
    std::optional<std::uint64_t> connect();  // BEP 15 connect -> connection id
    std::optional<std::vector<std::uint8_t>> announce(std::uint64_t conn, const InfoHash& hash,
                                                      std::uint16_t port, std::uint64_t left,
                                                      std::uint32_t event = 0);
    std::optional<std::vector<std::uint8_t>> scrape(std::uint64_t conn,
                                                    const std::vector<InfoHash>& hashes);

  private:
    int fd_ = -1;
};

std::uint32_t be32(const std::vector<std::uint8_t>& v, std::size_t at);
void put_be(std::vector<std::uint8_t>& v, std::uint64_t x, int bytes);

}  // namespace aciswarm::test
