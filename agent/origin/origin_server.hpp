// The origin's HTTP(S) listener (`aciswarm origin --listen=ADDR:PORT`):
// libmicrohttpd with a thread per connection, because a request may wait for
// an upstream pull (bounded by Origin's --pull-timeout). TLS when a
// certificate and key are given (libmicrohttpd over GnuTLS).
//
// GET and HEAD of /metainfo/sha256:<hex>?ns=&repo= (Origin::handle); other
// methods are 405. Limits: 128 connections, 60 s idle timeout, 16 KiB of
// request head per connection.
// Threads: libmicrohttpd's; the destructor stops and joins them. Nothing
// survives kill -9.
#pragma once

#include <memory>
#include <string>

#include "agent/origin/origin.hpp"
#include "common/peer_endpoint.hpp"
#include "common/result.hpp"

namespace aciswarm::agent::origin {

struct TlsFiles {
    std::string cert_file;  // PEM; both empty = plain HTTP
    std::string key_file;
};

class OriginServer {
  public:
    // Binds `address` (port 0: any free port) and serves `origin`.
    static Result<std::unique_ptr<OriginServer>> start(const PeerEndpoint& address,
                                                       const TlsFiles& tls,
                                                       std::shared_ptr<Origin> origin);
    ~OriginServer();
    OriginServer(const OriginServer&) = delete;
    OriginServer& operator=(const OriginServer&) = delete;

    PeerEndpoint endpoint() const { return bound_; }

  private:
    struct Impl;
    OriginServer(std::unique_ptr<Impl> impl, PeerEndpoint bound);
    std::unique_ptr<Impl> impl_;
    PeerEndpoint bound_;
};

}  // namespace aciswarm::agent::origin
