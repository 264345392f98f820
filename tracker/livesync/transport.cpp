#include "tracker/livesync/transport.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/system_error.hpp"

namespace aciswarm::livesync {
namespace {

template <class T>
bool set_opt(int fd, int level, int name, const T& value) {
    return setsockopt(fd, level, name, &value, sizeof value) == 0;
}

// Interface index of the interface that holds `address`.
Result<unsigned> iface_index(const PeerEndpoint& address, const std::string& text) {
    ifaddrs* list = nullptr;
    if (getifaddrs(&list) != 0) return errno_error("getifaddrs", "livesync", errno, Errc::network);
    unsigned index = 0;
    for (ifaddrs* it = list; it != nullptr && index == 0; it = it->ifa_next) {
        if (it->ifa_addr == nullptr) continue;
        const int fam = it->ifa_addr->sa_family;
        if (fam != AF_INET && fam != AF_INET6) continue;
        auto e = PeerEndpoint::from_sockaddr(
            it->ifa_addr, fam == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6));
        if (e && e->address_bytes() == address.address_bytes() && e->is_v6() == address.is_v6()) {
            index = if_nametoindex(it->ifa_name);
        }
    }
    freeifaddrs(list);
    if (index == 0) {
        return make_error(Errc::not_found,
                          "--sync-iface '" + text + "': no local interface has this address");
    }
    return index;
}

Result<std::vector<PeerEndpoint>> resolve(const std::string& host_port) {
    auto direct = PeerEndpoint::parse(host_port);
    if (direct) return std::vector<PeerEndpoint>{*direct};
    const auto colon = host_port.rfind(':');
    if (colon == std::string::npos) {
        return make_error(Errc::invalid_argument,
                          "--sync-peer '" + host_port + "': want HOST:PORT");
    }
    const std::string host = host_port.substr(0, colon);
    const std::string port = host_port.substr(colon + 1);
    addrinfo hints{};
    hints.ai_socktype = SOCK_DGRAM;
    addrinfo* res = nullptr;
    if (int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &res); rc != 0) {
        return make_error(Errc::network, "--sync-peer '" + host_port + "': " + gai_strerror(rc));
    }
    std::vector<PeerEndpoint> out;
    for (addrinfo* a = res; a != nullptr; a = a->ai_next) {
        auto e = PeerEndpoint::from_sockaddr(a->ai_addr, a->ai_addrlen);
        if (e) out.push_back(*e);
    }
    freeaddrinfo(res);
    if (out.empty()) {
        return make_error(Errc::network, "--sync-peer '" + host_port + "': no addresses");
    }
    return out;
}

PeerEndpoint v4_mapped(const PeerEndpoint& e) {
    if (e.is_v6()) return e;
    std::array<std::uint8_t, 16> a{};
    a[10] = 0xff;
    a[11] = 0xff;
    std::copy_n(e.address_bytes().begin(), 4, a.begin() + 12);
    return PeerEndpoint::v6(a, e.port());
}

// A link-local (ff02::/16) group needs the interface as its scope id.
void set_scope(sockaddr_storage& ss, unsigned ifindex) {
    if (ss.ss_family == AF_INET6) reinterpret_cast<sockaddr_in6*>(&ss)->sin6_scope_id = ifindex;
}

Result<int> open_multicast(const LiveSyncConfig& c, unsigned& ifindex_out) {
    const PeerEndpoint& group = c.group;
    auto iface = PeerEndpoint::parse_address(*c.iface, 0);
    if (!iface) return with_context("--sync-iface", std::move(iface).error());
    auto index = iface_index(*iface, *c.iface);
    if (!index) return std::move(index).error();
    const int fam = group.is_v6() ? AF_INET6 : AF_INET;
    const int fd = socket(fam, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return errno_error("socket", "livesync multicast", errno, Errc::network);
    const auto fail = [&](const std::string& what) {
        const int err = errno;
        Error e = errno_error(what, "livesync multicast " + group.to_string(), err, Errc::network);
        ::close(fd);
        return e;
    };
    const int one = 1;
    const int zero = 0;
    set_opt(fd, SOL_SOCKET, SO_REUSEADDR, one);
    set_opt(fd, SOL_SOCKET, SO_REUSEPORT, one);
    set_opt(fd, SOL_SOCKET, SO_RCVBUF, 4 << 20);
    // Bind to the group itself, so unicast to the port does not arrive here.
    sockaddr_storage ss{};
    const std::size_t len = group.to_sockaddr(ss);
    set_scope(ss, *index);
    ifindex_out = *index;
    if (bind(fd, reinterpret_cast<sockaddr*>(&ss), static_cast<socklen_t>(len)) != 0) {
        return Result<int>(fail("bind"));
    }
    if (fam == AF_INET) {
        ip_mreqn mreq{};
        std::memcpy(&mreq.imr_multiaddr, group.address_bytes().data(), 4);
        std::memcpy(&mreq.imr_address, iface->address_bytes().data(), 4);
        mreq.imr_ifindex = static_cast<int>(*index);
        if (!set_opt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, mreq)) {
            return Result<int>(fail("IP_ADD_MEMBERSHIP"));
        }
        if (!set_opt(fd, IPPROTO_IP, IP_MULTICAST_IF, mreq)) {
            return Result<int>(fail("IP_MULTICAST_IF"));
        }
        const unsigned char ttl = 1;
        const unsigned char loop = 1;
        if (!set_opt(fd, IPPROTO_IP, IP_MULTICAST_TTL, ttl) ||
            !set_opt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, loop)) {
            return Result<int>(fail("IP_MULTICAST_TTL/LOOP"));
        }
        set_opt(fd, IPPROTO_IP, IP_MULTICAST_ALL, zero);
    } else {
        ipv6_mreq mreq{};
        std::memcpy(&mreq.ipv6mr_multiaddr, group.address_bytes().data(), 16);
        mreq.ipv6mr_interface = *index;
        if (!set_opt(fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, mreq)) {
            return Result<int>(fail("IPV6_JOIN_GROUP"));
        }
        const unsigned ifindex = *index;
        const int hops = 1;
        if (!set_opt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, ifindex)) {
            return Result<int>(fail("IPV6_MULTICAST_IF"));
        }
        if (!set_opt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, hops) ||
            !set_opt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, one)) {
            return Result<int>(fail("IPV6_MULTICAST_HOPS/LOOP"));
        }
    }
    return fd;
}

}  // namespace

Result<std::unique_ptr<Transport>> Transport::open(const LiveSyncConfig& config, Logger& log) {
    std::unique_ptr<Transport> t(new Transport());
    t->group_ = config.group;
    if (config.multicast()) {
        auto fd = open_multicast(config, t->ifindex_);
        if (!fd) return std::move(fd).error();
        t->mcast_fd_ = *fd;
        log.info("listening livesync-multicast ", config.group.to_string(), " via ", *config.iface);
    }
    if (config.unicast()) {
        for (const auto& p : config.peers) {
            auto addrs = resolve(p);
            if (!addrs) return std::move(addrs).error();
            for (const auto& a : *addrs) {
                if (a.is_v6() && !config.bind.is_v6()) {
                    return make_error(
                        Errc::invalid_argument,
                        "--sync-peer '" + p +
                            "': IPv6 peer needs an IPv6 --sync-bind (e.g. [::]:9696)");
                }
                t->peers_.push_back(a);
            }
        }
        t->unicast_v6_ = config.bind.is_v6();
        const int fd = socket(t->unicast_v6_ ? AF_INET6 : AF_INET,
                              SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) return errno_error("socket", "livesync unicast", errno, Errc::network);
        t->unicast_fd_ = fd;
        const int zero = 0;
        set_opt(fd, SOL_SOCKET, SO_RCVBUF, 4 << 20);
        if (t->unicast_v6_) {
            set_opt(fd, IPPROTO_IPV6, IPV6_V6ONLY, zero);
        } else {
            set_opt(fd, IPPROTO_IP, IP_MULTICAST_ALL, zero);
        }
        sockaddr_storage ss{};
        const std::size_t len = config.bind.to_sockaddr(ss);
        if (bind(fd, reinterpret_cast<sockaddr*>(&ss), static_cast<socklen_t>(len)) != 0) {
            const int err = errno;
            return errno_error("bind", "livesync " + config.bind.to_string(), err, Errc::network);
        }
        socklen_t sl = sizeof ss;
        if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &sl) != 0) {
            return errno_error("getsockname", "livesync unicast", errno, Errc::network);
        }
        auto local = PeerEndpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&ss), sl);
        if (!local) return std::move(local).error();
        t->unicast_local_ = *local;
        log.info("listening livesync ", local->to_string());
    }
    return t;
}

Transport::~Transport() {
    if (mcast_fd_ >= 0) ::close(mcast_fd_);
    if (unicast_fd_ >= 0) ::close(unicast_fd_);
}

std::vector<int> Transport::fds() const {
    std::vector<int> out;
    if (mcast_fd_ >= 0) out.push_back(mcast_fd_);
    if (unicast_fd_ >= 0) out.push_back(unicast_fd_);
    return out;
}

std::size_t Transport::send(std::span<const std::uint8_t> datagram) {
    std::size_t failures = 0;
    const auto send_to = [&](int fd, const PeerEndpoint& to) {
        sockaddr_storage ss{};
        const std::size_t len = to.to_sockaddr(ss);
        if (fd == mcast_fd_) set_scope(ss, ifindex_);
        // A full send buffer is waited out briefly rather than dropping the packet.
        for (int attempt = 0; attempt < 100; ++attempt) {
            const ssize_t n =
                ::sendto(fd, datagram.data(), datagram.size(), 0, reinterpret_cast<sockaddr*>(&ss),
                         static_cast<socklen_t>(len));
            if (n >= 0) return;
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == ENOBUFS) {
                pollfd p{fd, POLLOUT, 0};
                ::poll(&p, 1, 10);
                continue;
            }
            break;
        }
        ++failures;
    };
    if (mcast_fd_ >= 0) send_to(mcast_fd_, group_);
    if (unicast_fd_ >= 0) {
        for (const auto& p : peers_)
            send_to(unicast_fd_, unicast_v6_ ? v4_mapped(p) : p);
    }
    return failures;
}

std::optional<Transport::Datagram> Transport::receive(int fd, std::span<std::uint8_t> buffer) {
    sockaddr_storage ss{};
    socklen_t sl = sizeof ss;
    for (;;) {
        const ssize_t n = ::recvfrom(fd, buffer.data(), buffer.size(), MSG_TRUNC,
                                     reinterpret_cast<sockaddr*>(&ss), &sl);
        if (n < 0) {
            if (errno == EINTR) continue;
            return std::nullopt;
        }
        auto source = PeerEndpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&ss), sl);
        return Datagram{static_cast<std::size_t>(n),
                        source ? source->normalized() : PeerEndpoint()};
    }
}

}  // namespace aciswarm::livesync
