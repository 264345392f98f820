// The network layer of aciswarm-tracker: N worker threads, each with its own
// epoll instance and its own socket per listen address (SO_REUSEPORT, so the
// kernel spreads connections and datagrams over the workers without a shared
// accept lock). HTTP/1.1 with keep-alive and pipelining; UDP per BEP 15 with
// recvmmsg/sendmmsg batches. Caps: --max-connections (over the cap a new
// connection is closed at once), --max-connections-per-address (one address
// cannot hold more), --reserved-connections (the last slots of the cap only go
// to addresses that hold no connection, so one client filling its share leaves
// room for announcers), --first-request-timeout (a new connection that sends
// nothing), --header-timeout (a client that never finishes its request is cut
// off), --idle-timeout (idle keep-alive connections).
//
// The frontends (tracker/frontend/{http,udp}) map requests onto the core; the
// server only moves bytes: sockets, epoll, buffers, framing, connection caps.
//
// Thread-safety: bind() and start()/stop() are called by the owning (main)
// thread; each worker owns its sockets and connections; counters are atomics
// read by any thread; sample_rates() is called by the main thread.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/clock.hpp"
#include "common/log.hpp"
#include "common/peer_endpoint.hpp"
#include "common/result.hpp"
#include "tracker/core/tracker.hpp"
#include "tracker/frontend/http/http_handler.hpp"
#include "tracker/frontend/udp/connection_id.hpp"

namespace aciswarm::tracker {

struct ServerOptions {
    std::vector<PeerEndpoint> http;
    std::vector<PeerEndpoint> udp;
    unsigned workers = 1;
    std::size_t max_connections = 4096;
    std::size_t max_connections_per_address = 128;
    std::size_t reserved_connections = 512;
    std::uint32_t first_request_timeout = 3;
    std::uint32_t header_timeout = 10;
    std::uint32_t idle_timeout = 30;
    bool verbose = false;  // one log line per request
    // Appended to /metrics (livesync's counters); called on a worker thread.
    std::function<std::string()> extra_metrics;
    // HTTP paths beyond /announce, /scrape, /stats and /metrics (e.g. a web
    // interface), tried in order before the 404; called on worker threads.
    std::vector<http::Route> routes;
};

// Request counters by protocol and kind.
enum Counter : std::size_t {
    http_announce,
    http_scrape,
    http_other,   // /stats, /metrics, 404s
    http_errors,  // failure replies and HTTP errors
    udp_connect,
    udp_announce,
    udp_scrape,
    udp_errors,  // error packets and dropped datagrams
    connections_accepted,
    connections_rejected,  // over --max-connections, per address or into the reserve
    connections_timed_out,
    counter_count
};
const char* counter_name(Counter c);

struct alignas(64) WorkerCounters {
    std::array<std::atomic<std::uint64_t>, counter_count> values{};
    void add(Counter c) { values[c].fetch_add(1, std::memory_order_relaxed); }
};

class Server {
  public:
    Server(Tracker& tracker, Logger& log, ServerOptions options);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Binds every listener in every worker; logs "listening PROTO ADDR:PORT" per address.
    Status bind();
    void start();
    void stop();

    std::array<std::uint64_t, counter_count> counters() const;
    // Recomputes requests/s from the counters since the previous call.
    void sample_rates(Clock::SteadyTime now);
    // Requests/s per counter as of the last sample_rates().
    std::array<double, counter_count> rates() const;
    std::string stats_json() const;
    std::string metrics_text() const;
    void set_verbose(bool v) { verbose_.store(v, std::memory_order_relaxed); }
    std::size_t open_connections() const { return open_connections_.load(); }

    struct Worker;

  private:
    friend struct Worker;
    Tracker& tracker_;
    Logger& log_;
    ServerOptions options_;
    udp::ConnectionIds connection_ids_;
    std::vector<http::Route> routes_;  // /stats, /metrics, then options_.routes
    std::vector<std::unique_ptr<Worker>> workers_;
    std::vector<std::thread> threads_;
    std::vector<std::unique_ptr<WorkerCounters>> counters_;
    std::atomic<std::size_t> open_connections_{0};
    // Open connections per source address (accept and close only, never per request).
    std::mutex per_address_mutex_;
    std::unordered_map<std::string, std::size_t> per_address_;
    // Counts a new connection from `address` if the caps allow it.
    bool admit(const std::string& address);
    void release(const std::string& address);
    std::atomic<bool> verbose_{false};

    mutable std::mutex rates_mutex_;
    std::array<std::uint64_t, counter_count> last_counts_{};
    Clock::SteadyTime last_sample_{};
    std::array<double, counter_count> rates_{};
};

}  // namespace aciswarm::tracker
