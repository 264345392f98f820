#include "common/tcp_listen.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <string>

#include "common/system_error.hpp"

namespace aciswarm {

Result<TcpListener> listen_tcp(const PeerEndpoint& address, std::string_view server,
                               Blocking blocking) {
    const std::string where = std::string(server) + " " + address.to_string();
    sockaddr_storage addr{};
    const std::size_t len = address.to_sockaddr(addr);
    const int type = SOCK_STREAM | SOCK_CLOEXEC | (blocking == Blocking::no ? SOCK_NONBLOCK : 0);
    UniqueFd fd(::socket(addr.ss_family, type, 0));
    if (!fd) return errno_error("socket", where, errno);
    const int one = 1;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr), static_cast<socklen_t>(len)) !=
        0)
        return errno_error("bind", where, errno);
    if (::listen(fd.get(), 64) != 0) return errno_error("listen", where, errno);
    sockaddr_storage local{};
    socklen_t local_len = sizeof local;
    if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&local), &local_len) != 0)
        return errno_error("getsockname", where, errno);
    auto bound = PeerEndpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&local), local_len);
    if (!bound) return bound.error();
    return TcpListener{std::move(fd), *bound};
}

}  // namespace aciswarm
