// The daemon's HTTP listener for its web page and /metrics (`--web`):
// libmicrohttpd in its epoll mode, driven from the daemon's own poll loop
// (external polling): the daemon polls fd() for POLLIN and calls run() every
// loop turn, so each request is answered on the loop thread, which owns the
// seeder and the backend the page reads. No second thread, no locks.
//
// Read-only: GET and HEAD, anything else is 405. Every answer carries
// web::security_headers() and Cache-Control: no-store. Limits: 32 connections,
// 8 per client address, 10 s idle timeout, 16 KiB of memory per connection
// (libmicrohttpd answers a larger request head with 431).
// Thread: the daemon's loop thread. Nothing survives kill -9 (no state).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "common/peer_endpoint.hpp"
#include "common/result.hpp"
#include "web/html.hpp"

namespace aciswarm::agent {

class WebServer {
  public:
    // Answers a request path (without the query string).
    using Handler = std::function<aciswarm::web::Response(std::string_view path)>;

    // Binds `address` (port 0: any free port) and starts serving from run().
    static Result<std::unique_ptr<WebServer>> start(const PeerEndpoint& address, Handler handler);
    ~WebServer();
    WebServer(const WebServer&) = delete;
    WebServer& operator=(const WebServer&) = delete;

    int fd() const;                                   // readable when run() has work
    void run();                                       // never blocks
    PeerEndpoint endpoint() const { return bound_; }  // the port actually bound

  private:
    struct Impl;
    explicit WebServer(std::unique_ptr<Impl> impl, PeerEndpoint bound);
    std::unique_ptr<Impl> impl_;
    PeerEndpoint bound_;
};

}  // namespace aciswarm::agent
