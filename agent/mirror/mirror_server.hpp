// The mirror's HTTP listener (`aciswarm daemon --mirror=ADDR:PORT`):
// libmicrohttpd with a thread per connection, because answering one request
// may wait for the swarm or the upstream registry (bounded by the source)
// and must not hold up the daemon's loop or the other pulls.
//
// GET and HEAD only (anything else is 405, as Mirror says). Limits: 64
// connections, 60 s idle timeout, 16 KiB of request head per connection
// (libmicrohttpd answers a larger one with 431).
// Threads: libmicrohttpd's listener and connection threads call the Mirror;
// the destructor stops them all (waiting for answers being sent). Nothing
// survives kill -9.
#pragma once

#include <memory>

#include "agent/mirror/mirror.hpp"
#include "common/peer_endpoint.hpp"
#include "common/result.hpp"

namespace aciswarm::agent::mirror {

class MirrorServer {
  public:
    // Binds `address` (port 0: any free port) and serves `mirror` from then on.
    static Result<std::unique_ptr<MirrorServer>> start(const PeerEndpoint& address,
                                                       std::shared_ptr<Mirror> mirror);
    ~MirrorServer();
    MirrorServer(const MirrorServer&) = delete;
    MirrorServer& operator=(const MirrorServer&) = delete;

    PeerEndpoint endpoint() const { return bound_; }  // the port actually bound

  private:
    struct Impl;
    MirrorServer(std::unique_ptr<Impl> impl, PeerEndpoint bound);
    std::unique_ptr<Impl> impl_;
    PeerEndpoint bound_;
};

}  // namespace aciswarm::agent::mirror
