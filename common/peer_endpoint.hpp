// A peer's address and port, IPv4 or IPv6, with the compact encodings of
// BEP 23 (6 bytes: IPv4 + port) and BEP 7 (18 bytes: IPv6 + port), network order.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "common/result.hpp"

struct sockaddr;
struct sockaddr_storage;

namespace aciswarm {

class PeerEndpoint {
  public:
    static constexpr std::size_t compact_v4_size = 6;
    static constexpr std::size_t compact_v6_size = 18;

    PeerEndpoint() = default;
    static PeerEndpoint v4(std::array<std::uint8_t, 4> addr, std::uint16_t port);
    static PeerEndpoint v6(const std::array<std::uint8_t, 16>& addr, std::uint16_t port);

    // "1.2.3.4:6881", "[::1]:6881". An IPv4-mapped IPv6 address stays IPv6 here;
    // call normalized() to fold it.
    static Result<PeerEndpoint> parse(std::string_view text);
    // An address without a port ("1.2.3.4", "::1", "[::1]").
    static Result<PeerEndpoint> parse_address(std::string_view text, std::uint16_t port);
    // From a compact 6- or 18-byte record.
    static Result<PeerEndpoint> from_compact(std::span<const std::uint8_t> bytes);
    // From a socket address (AF_INET or AF_INET6).
    static Result<PeerEndpoint> from_sockaddr(const sockaddr* addr, std::size_t len);

    bool is_v4() const { return !is_v6_; }
    bool is_v6() const { return is_v6_; }
    std::uint16_t port() const { return port_; }
    void set_port(std::uint16_t port) { port_ = port; }
    // IPv4: the first 4 bytes are the address; IPv6: all 16.
    const std::array<std::uint8_t, 16>& address_bytes() const { return addr_; }
    std::span<const std::uint8_t> address() const {
        return {addr_.data(), is_v6_ ? std::size_t{16} : std::size_t{4}};
    }

    // ::ffff:a.b.c.d becomes a.b.c.d, so a dual-stack socket sees one swarm.
    PeerEndpoint normalized() const;
    bool is_loopback() const;

    // Appends the compact form (6 or 18 bytes) to out; returns bytes written.
    std::size_t write_compact(std::uint8_t* out) const;
    std::string compact() const;

    std::string address_string() const;  // "1.2.3.4" or "::1"
    std::string to_string() const;       // "1.2.3.4:80" or "[::1]:80"
    // Fills a sockaddr_in/sockaddr_in6; returns its length.
    std::size_t to_sockaddr(sockaddr_storage& out) const;

    friend auto operator<=>(const PeerEndpoint&, const PeerEndpoint&) = default;

  private:
    std::array<std::uint8_t, 16> addr_{};
    std::uint16_t port_ = 0;
    bool is_v6_ = false;
};

}  // namespace aciswarm

template <>
struct std::hash<aciswarm::PeerEndpoint> {
    std::size_t operator()(const aciswarm::PeerEndpoint& e) const noexcept {
        std::uint64_t h = 0xcbf29ce484222325ULL ^ e.port() ^ (e.is_v6() ? 0x10000ULL : 0);
        for (std::uint8_t b : e.address())
            h = (h ^ b) * 0x100000001b3ULL;
        return static_cast<std::size_t>(h ^ (h >> 31));
    }
};
