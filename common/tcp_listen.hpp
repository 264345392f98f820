// A bound, listening TCP socket for the agent's small HTTP servers (the
// daemon's --web page, its --mirror): port 0 takes the kernel's choice and
// `bound` says which. libmicrohttpd then takes the descriptor over
// (MHD_OPTION_LISTEN_SOCKET), so a server can report its real address.
// Nothing here survives kill -9: the kernel closes the socket.
#pragma once

#include <string_view>

#include "common/fd.hpp"
#include "common/peer_endpoint.hpp"
#include "common/result.hpp"

namespace aciswarm {

struct TcpListener {
    UniqueFd fd;
    PeerEndpoint bound;  // the address and port the socket listens on
};

enum class Blocking { yes, no };

// SO_REUSEADDR, a backlog of 64, close-on-exec. `server` names the server in
// errors: "web 127.0.0.1:0: bind: Address already in use".
Result<TcpListener> listen_tcp(const PeerEndpoint& address, std::string_view server,
                               Blocking blocking);

}  // namespace aciswarm
