#include "common/peer_endpoint.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace aciswarm {

PeerEndpoint PeerEndpoint::v4(std::array<std::uint8_t, 4> addr, std::uint16_t port) {
    PeerEndpoint e;
    std::copy(addr.begin(), addr.end(), e.addr_.begin());
    e.port_ = port;
    return e;
}

PeerEndpoint PeerEndpoint::v6(const std::array<std::uint8_t, 16>& addr, std::uint16_t port) {
    PeerEndpoint e;
    e.addr_ = addr;
    e.port_ = port;
    e.is_v6_ = true;
    return e;
}

Result<PeerEndpoint> PeerEndpoint::parse_address(std::string_view text, std::uint16_t port) {
    std::string_view host = text;
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    const std::string host_z(host);
    std::array<std::uint8_t, 16> bytes{};
    if (inet_pton(AF_INET, host_z.c_str(), bytes.data()) == 1) {
        return v4({bytes[0], bytes[1], bytes[2], bytes[3]}, port);
    }
    if (inet_pton(AF_INET6, host_z.c_str(), bytes.data()) == 1) return v6(bytes, port);
    return make_error(Errc::invalid_argument,
                      "address '" + std::string(text) + "': not an IPv4 or IPv6 address");
}

Result<PeerEndpoint> PeerEndpoint::parse(std::string_view text) {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
        return make_error(Errc::invalid_argument,
                          "endpoint '" + std::string(text) + "': want ADDRESS:PORT");
    }
    std::string_view host = text.substr(0, colon);
    const std::string_view port_text = text.substr(colon + 1);
    const bool bracketed = host.starts_with('[') && host.ends_with(']');
    if (!bracketed && host.find(':') != std::string_view::npos) {
        return make_error(Errc::invalid_argument, "endpoint '" + std::string(text) +
                                                      "': write IPv6 addresses as [ADDRESS]:PORT");
    }
    unsigned port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() ||
        port > 65535) {
        return make_error(
            Errc::invalid_argument,
            "endpoint '" + std::string(text) + "': bad port '" + std::string(port_text) + "'");
    }
    auto e = parse_address(host, static_cast<std::uint16_t>(port));
    if (!e) {
        return make_error(Errc::invalid_argument,
                          "endpoint '" + std::string(text) + "': bad address");
    }
    return e;
}

Result<PeerEndpoint> PeerEndpoint::from_compact(std::span<const std::uint8_t> bytes) {
    if (bytes.size() == compact_v4_size) {
        return v4({bytes[0], bytes[1], bytes[2], bytes[3]},
                  static_cast<std::uint16_t>(bytes[4] << 8 | bytes[5]));
    }
    if (bytes.size() == compact_v6_size) {
        std::array<std::uint8_t, 16> a{};
        std::copy_n(bytes.begin(), 16, a.begin());
        return v6(a, static_cast<std::uint16_t>(bytes[16] << 8 | bytes[17]));
    }
    return make_error(Errc::invalid_argument,
                      "compact peer: " + std::to_string(bytes.size()) + " bytes, want 6 or 18");
}

Result<PeerEndpoint> PeerEndpoint::from_sockaddr(const sockaddr* addr, std::size_t len) {
    if (addr->sa_family == AF_INET && len >= sizeof(sockaddr_in)) {
        sockaddr_in in{};
        std::memcpy(&in, addr, sizeof(in));
        std::array<std::uint8_t, 4> a{};
        std::memcpy(a.data(), &in.sin_addr, 4);
        return v4(a, ntohs(in.sin_port));
    }
    if (addr->sa_family == AF_INET6 && len >= sizeof(sockaddr_in6)) {
        sockaddr_in6 in6{};
        std::memcpy(&in6, addr, sizeof(in6));
        std::array<std::uint8_t, 16> a{};
        std::memcpy(a.data(), &in6.sin6_addr, 16);
        return v6(a, ntohs(in6.sin6_port));
    }
    return make_error(Errc::unsupported,
                      "socket address family " + std::to_string(addr->sa_family) + " is not IP");
}

PeerEndpoint PeerEndpoint::normalized() const {
    static constexpr std::uint8_t mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (is_v6_ && std::equal(std::begin(mapped_prefix), std::end(mapped_prefix), addr_.begin())) {
        return v4({addr_[12], addr_[13], addr_[14], addr_[15]}, port_);
    }
    return *this;
}

bool PeerEndpoint::is_loopback() const {
    const PeerEndpoint n = normalized();
    if (n.is_v4()) return n.addr_[0] == 127;
    static constexpr std::array<std::uint8_t, 16> loopback6 = {0, 0, 0, 0, 0, 0, 0, 0,
                                                               0, 0, 0, 0, 0, 0, 0, 1};
    return n.addr_ == loopback6;
}

std::size_t PeerEndpoint::write_compact(std::uint8_t* out) const {
    const std::size_t n = is_v6_ ? 16 : 4;
    std::memcpy(out, addr_.data(), n);
    out[n] = static_cast<std::uint8_t>(port_ >> 8);
    out[n + 1] = static_cast<std::uint8_t>(port_ & 0xff);
    return n + 2;
}

std::string PeerEndpoint::compact() const {
    std::string out(is_v6_ ? compact_v6_size : compact_v4_size, '\0');
    write_compact(reinterpret_cast<std::uint8_t*>(out.data()));
    return out;
}

std::string PeerEndpoint::address_string() const {
    char buf[INET6_ADDRSTRLEN] = {};
    inet_ntop(is_v6_ ? AF_INET6 : AF_INET, addr_.data(), buf, sizeof(buf));
    return buf;
}

std::string PeerEndpoint::to_string() const {
    const std::string port = std::to_string(port_);
    return is_v6_ ? "[" + address_string() + "]:" + port : address_string() + ":" + port;
}

std::size_t PeerEndpoint::to_sockaddr(sockaddr_storage& out) const {
    std::memset(&out, 0, sizeof(out));
    if (is_v6_) {
        sockaddr_in6 in6{};
        in6.sin6_family = AF_INET6;
        in6.sin6_port = htons(port_);
        std::memcpy(&in6.sin6_addr, addr_.data(), 16);
        std::memcpy(&out, &in6, sizeof(in6));
        return sizeof(in6);
    }
    sockaddr_in in{};
    in.sin_family = AF_INET;
    in.sin_port = htons(port_);
    std::memcpy(&in.sin_addr, addr_.data(), 4);
    std::memcpy(&out, &in, sizeof(in));
    return sizeof(in);
}

}  // namespace aciswarm
