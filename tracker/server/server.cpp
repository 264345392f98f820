#include "tracker/server/server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "tracker/frontend/http/http_handler.hpp"
#include "tracker/frontend/http/http_reply.hpp"
#include "tracker/frontend/http/http_request.hpp"
#include "tracker/frontend/udp/udp_handler.hpp"
#include "tracker/frontend/udp/udp_packet.hpp"

namespace aciswarm::tracker {

const char* counter_name(Counter c) {
    static constexpr const char* names[] = {
        "http_announce",        "http_scrape",          "http_other",           "http_errors",
        "udp_connect",          "udp_announce",         "udp_scrape",           "udp_errors",
        "connections_accepted", "connections_rejected", "connections_timed_out"};
    return names[c];
}

namespace {

constexpr std::size_t kUdpBatch = 32;
constexpr std::size_t kHttpOut = 64 * 1024;

std::string errno_text(const char* what) {
    return std::string(what) + ": " + std::strerror(errno);
}

// Opens a listening/bound socket on `ep` with SO_REUSEPORT (IPv6 sockets are v6-only,
// so IPv4 and IPv6 listeners on the same port coexist).
Result<int> open_socket(const PeerEndpoint& ep, bool tcp) {
    const int family = ep.is_v6() ? AF_INET6 : AF_INET;
    const int fd =
        ::socket(family, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return make_error(Errc::io, errno_text("socket"));
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
    if (ep.is_v6()) ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    if (!tcp) {
        const int buf = 4 << 20;
        ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
        ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
    }
    sockaddr_storage ss{};
    const std::size_t len = ep.to_sockaddr(ss);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), static_cast<socklen_t>(len)) != 0) {
        const std::string msg = errno_text("bind");
        ::close(fd);
        return make_error(Errc::io, (tcp ? "http " : "udp ") + ep.to_string() + ": " + msg);
    }
    if (tcp && ::listen(fd, 1024) != 0) {
        const std::string msg = errno_text("listen");
        ::close(fd);
        return make_error(Errc::io, "http " + ep.to_string() + ": " + msg);
    }
    return fd;
}

PeerEndpoint bound_endpoint(int fd, const PeerEndpoint& fallback) {
    sockaddr_storage ss{};
    socklen_t len = sizeof(ss);
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return fallback;
    auto ep = PeerEndpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&ss), len);
    return ep ? *ep : fallback;
}

}  // namespace

struct Server::Worker {
    enum class Kind : std::uint8_t { http_listener, udp_socket, connection, wakeup };
    struct Pollable {
        Kind kind;
        int fd = -1;
        bool v6 = false;
    };
    struct Conn : Pollable {
        PeerEndpoint remote;
        std::array<char, http::kMaxRequestHead> in{};
        std::size_t in_len = 0;
        std::string pending;  // unsent output (only when a write would block)
        std::size_t pending_off = 0;
        std::uint32_t started = 0;  // when the current request's first byte came
        std::uint32_t last_active = 0;
        bool close_after_write = false;
        std::uint32_t served = 0;  // requests answered on this connection
        std::string address;       // remote address, the per-address count's key
        std::size_t index = 0;     // in Worker::conns
    };

    Server& server;
    WorkerCounters& counters;
    int epoll_fd = -1;
    Pollable wake{Kind::wakeup};
    std::vector<std::unique_ptr<Pollable>> sockets;
    std::vector<Conn*> conns;
    std::vector<std::unique_ptr<Conn>> free_conns;
    FastRng rng;
    PeerListBuffer peers;
    bool head_only = false;  // the request being answered is HEAD
    std::array<char, kHttpOut> out{};
    // UDP batch buffers.
    std::array<std::array<std::uint8_t, udp::kMaxPacket>, kUdpBatch> udp_in{};
    std::array<std::array<std::uint8_t, udp::kMaxReply>, kUdpBatch> udp_out{};
    std::array<sockaddr_storage, kUdpBatch> udp_from{};
    std::array<iovec, kUdpBatch> in_iov{};
    std::array<iovec, kUdpBatch> out_iov{};
    std::array<mmsghdr, kUdpBatch> in_msgs{};
    std::array<mmsghdr, kUdpBatch> out_msgs{};

    Worker(Server& s, WorkerCounters& c) : server(s), counters(c), rng(std::random_device{}()) {
        epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
        wake.fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        add(&wake, EPOLLIN);
    }
    ~Worker() {
        for (Conn* c : conns) {
            ::close(c->fd);
            delete c;  // owned through epoll's data pointer while open
        }
        for (auto& s : sockets)
            ::close(s->fd);
        ::close(wake.fd);
        ::close(epoll_fd);
    }

    void add(Pollable* p, std::uint32_t events) {
        epoll_event ev{};
        ev.events = events;
        ev.data.ptr = p;
        ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, p->fd, &ev);
    }
    void modify(Pollable* p, std::uint32_t events) {
        epoll_event ev{};
        ev.events = events;
        ev.data.ptr = p;
        ::epoll_ctl(epoll_fd, EPOLL_CTL_MOD, p->fd, &ev);
    }
    void add_socket(int fd, bool tcp, bool v6) {
        auto p = std::make_unique<Pollable>();
        p->kind = tcp ? Kind::http_listener : Kind::udp_socket;
        p->fd = fd;
        p->v6 = v6;
        add(p.get(), EPOLLIN);
        sockets.push_back(std::move(p));
    }

    std::uint32_t now() const { return server.tracker_.store().now_seconds(); }

    void run(const std::atomic<bool>& stopping) {
        std::array<epoll_event, 64> events{};
        std::uint32_t last_sweep = now();
        while (!stopping.load(std::memory_order_relaxed)) {
            const int n = ::epoll_wait(epoll_fd, events.data(), events.size(), 1000);
            for (int i = 0; i < n; ++i) {
                auto* p = static_cast<Pollable*>(events[i].data.ptr);
                switch (p->kind) {
                    case Kind::wakeup:
                        return;
                    case Kind::http_listener:
                        accept_all(*p);
                        break;
                    case Kind::udp_socket:
                        handle_udp(*p);
                        break;
                    case Kind::connection:
                        handle_conn(static_cast<Conn&>(*p), events[i].events);
                        break;
                }
            }
            const std::uint32_t t = now();
            if (t != last_sweep) {
                last_sweep = t;
                sweep(t);
            }
        }
    }

    // ---------------- HTTP ----------------

    void accept_all(Pollable& listener) {
        for (int k = 0; k < 64; ++k) {
            sockaddr_storage ss{};
            socklen_t len = sizeof(ss);
            const int fd = ::accept4(listener.fd, reinterpret_cast<sockaddr*>(&ss), &len,
                                     SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (fd < 0) return;
            auto remote = PeerEndpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&ss), len);
            if (!remote) {
                ::close(fd);
                continue;
            }
            std::string address = remote->normalized().address_string();
            if (!server.admit(address)) {
                counters.add(connections_rejected);
                ::close(fd);
                continue;
            }
            const int one = 1;
            ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
            std::unique_ptr<Conn> c;
            if (!free_conns.empty()) {
                c = std::move(free_conns.back());
                free_conns.pop_back();
            } else {
                c = std::make_unique<Conn>();
            }
            c->kind = Kind::connection;
            c->fd = fd;
            c->remote = remote->normalized();
            c->in_len = 0;
            c->pending.clear();
            c->pending_off = 0;
            c->close_after_write = false;
            c->served = 0;
            c->address = std::move(address);
            c->started = c->last_active = now();
            c->index = conns.size();
            conns.push_back(c.get());
            add(c.release(), EPOLLIN | EPOLLRDHUP);
            counters.add(connections_accepted);
        }
    }

    void close_conn(Conn& c) {
        ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, c.fd, nullptr);
        ::close(c.fd);
        c.fd = -1;
        conns[c.index] = conns.back();
        conns[c.index]->index = c.index;
        conns.pop_back();
        server.release(c.address);
        if (c.pending.capacity() > 4096) std::string().swap(c.pending);
        free_conns.emplace_back(&c);
    }

    void sweep(std::uint32_t t) {
        const std::uint32_t header = server.options_.header_timeout;
        const std::uint32_t idle = server.options_.idle_timeout;
        const std::uint32_t first = server.options_.first_request_timeout;
        for (std::size_t i = 0; i < conns.size();) {
            Conn& c = *conns[i];
            const bool partial = c.in_len > 0 || !c.pending.empty();
            const bool silent = !partial && c.served == 0;  // never sent a byte
            const bool expired = partial  ? t - c.started >= header
                                 : silent ? t - c.started >= first
                                          : t - c.last_active >= idle;
            if (expired) {
                counters.add(connections_timed_out);
                close_conn(c);  // moves another connection into slot i
            } else {
                ++i;
            }
        }
    }

    // Sends all of data (or queues the rest); returns false when the connection died.
    bool send_or_queue(Conn& c, const char* data, std::size_t len) {
        if (c.pending.empty()) {
            const ssize_t n = ::send(c.fd, data, len, MSG_NOSIGNAL);
            if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return false;
            const std::size_t sent = n < 0 ? 0 : static_cast<std::size_t>(n);
            if (sent == len) return true;
            data += sent;
            len -= sent;
        }
        c.pending.append(data, len);
        return true;
    }

    void handle_conn(Conn& c, std::uint32_t events) {
        if (events & EPOLLOUT) {
            if (!flush(c)) return close_conn(c);
            if (!c.pending.empty()) return;
            if (c.close_after_write) return close_conn(c);
            modify(&c, EPOLLIN | EPOLLRDHUP);
            if (c.in_len > 0 && !process(c)) return close_conn(c);
        }
        if (!(events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))) return;
        if (!c.pending.empty()) return;  // backpressure: finish writing first
        const ssize_t n = ::recv(c.fd, c.in.data() + c.in_len, c.in.size() - c.in_len, 0);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) return close_conn(c);
        if (n < 0) return;
        if (c.in_len == 0) c.started = now();
        c.in_len += static_cast<std::size_t>(n);
        c.last_active = now();
        if (!process(c)) return close_conn(c);
    }

    bool flush(Conn& c) {
        while (c.pending_off < c.pending.size()) {
            const ssize_t n = ::send(c.fd, c.pending.data() + c.pending_off,
                                     c.pending.size() - c.pending_off, MSG_NOSIGNAL);
            if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK;
            c.pending_off += static_cast<std::size_t>(n);
        }
        c.pending.clear();
        c.pending_off = 0;
        return true;
    }

    // Handles every complete request in the buffer; false: close the connection now.
    bool process(Conn& c) {
        while (c.in_len > 0) {
            const std::string_view buf(c.in.data(), c.in_len);
            const http::HeadParse parsed = http::parse_request_head(buf);
            if (parsed.state == http::HeadParse::State::incomplete) return true;
            if (parsed.state == http::HeadParse::State::error) {
                counters.add(http_errors);
                head_only = false;
                respond_text(c, parsed.error.status, parsed.error.reason, false);
                c.in_len = 0;
                return finish(c);
            }
            const http::RequestHead& head = parsed.head;
            const bool keep = head.keep_alive;
            handle_request(c, head);
            ++c.served;
            const std::size_t used = head.head_size;
            std::memmove(c.in.data(), c.in.data() + used, c.in_len - used);
            c.in_len -= used;
            c.started = now();
            if (!keep) {
                c.close_after_write = true;
                return finish(c);
            }
            if (!c.pending.empty()) {
                modify(&c, EPOLLOUT);
                return true;
            }
        }
        return true;
    }

    bool finish(Conn& c) {
        c.close_after_write = true;
        if (c.pending.empty()) return false;  // all written: close
        modify(&c, EPOLLOUT);
        return true;
    }

    void respond(Conn& c, int status, std::string_view type, std::string_view body, bool keep,
                 std::string_view extra_headers = {}) {
        char head[1024];  // room for a route's extra headers (the web pages' CSP)
        const std::size_t hn =
            http::encode_response_head(head, status, type, body.size(), keep, extra_headers);
        if (head_only) {  // HEAD: the same head, no body
            if (!send_or_queue(c, head, hn)) c.close_after_write = true;
            return;
        }
        // One send for head + body when they fit the scratch buffer.
        if (body.data() >= out.data() && body.data() < out.data() + out.size() &&
            body.data() == out.data() + 512 && hn <= 512) {
            char* start = out.data() + 512 - hn;
            std::memcpy(start, head, hn);
            if (!send_or_queue(c, start, hn + body.size())) c.close_after_write = true;
            return;
        }
        if (!send_or_queue(c, head, hn) || !send_or_queue(c, body.data(), body.size())) {
            c.close_after_write = true;
        }
    }

    void respond_text(Conn& c, int status, std::string_view text, bool keep) {
        respond(c, status, "text/plain", text, keep);
    }

    // Body area of the scratch buffer, leaving room in front for the response head.
    std::span<char> body_area() { return std::span(out.data() + 512, out.size() - 512); }

    Logger* verbose_log() const { return server.verbose_ ? &server.log_ : nullptr; }

    void handle_request(Conn& c, const http::RequestHead& head) {
        head_only = head.method == "HEAD";
        http::Context context{server.tracker_, peers, rng, server.routes_, verbose_log()};
        const http::Response response = http::handle_request(head, c.remote, body_area(), context);
        static constexpr Counter kinds[] = {http_announce, http_scrape, http_other};
        counters.add(kinds[static_cast<std::size_t>(response.kind)]);
        if (response.failed) counters.add(http_errors);
        respond(c, response.status, response.content_type, response.body(body_area()),
                head.keep_alive, response.extra_headers);
    }

    // ---------------- UDP ----------------

    void handle_udp(Pollable& sock) {
        for (int round = 0; round < 8; ++round) {
            for (std::size_t i = 0; i < kUdpBatch; ++i) {
                in_iov[i] = {udp_in[i].data(), udp_in[i].size()};
                in_msgs[i] = {};
                in_msgs[i].msg_hdr.msg_name = &udp_from[i];
                in_msgs[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
                in_msgs[i].msg_hdr.msg_iov = &in_iov[i];
                in_msgs[i].msg_hdr.msg_iovlen = 1;
            }
            const int got = ::recvmmsg(sock.fd, in_msgs.data(), kUdpBatch, MSG_DONTWAIT, nullptr);
            if (got <= 0) return;
            unsigned replies = 0;
            for (int i = 0; i < got; ++i) {
                const auto len = in_msgs[i].msg_len;
                // A datagram that filled the whole buffer may have been truncated: drop it.
                if (in_msgs[i].msg_hdr.msg_flags & MSG_TRUNC) {
                    counters.add(udp_errors);
                    continue;
                }
                auto from = PeerEndpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&udp_from[i]),
                                                        in_msgs[i].msg_hdr.msg_namelen);
                if (!from) continue;
                const std::size_t n =
                    handle_datagram(std::span(udp_in[i].data(), len), from->normalized(), sock.v6,
                                    udp_out[replies]);
                if (n == 0) continue;
                out_iov[replies] = {udp_out[replies].data(), n};
                out_msgs[replies] = {};
                out_msgs[replies].msg_hdr.msg_name = &udp_from[i];
                out_msgs[replies].msg_hdr.msg_namelen = in_msgs[i].msg_hdr.msg_namelen;
                out_msgs[replies].msg_hdr.msg_iov = &out_iov[replies];
                out_msgs[replies].msg_hdr.msg_iovlen = 1;
                ++replies;
            }
            for (unsigned sent = 0; sent < replies;) {
                const int k = ::sendmmsg(sock.fd, out_msgs.data() + sent, replies - sent, 0);
                if (k <= 0) break;  // a full socket buffer drops replies, as UDP may
                sent += static_cast<unsigned>(k);
            }
            if (static_cast<std::size_t>(got) < kUdpBatch) return;
        }
    }

    template <std::size_t N>
    std::size_t handle_datagram(std::span<const std::uint8_t> packet, const PeerEndpoint& from,
                                bool v6, std::array<std::uint8_t, N>& reply) {
        udp::Context context{server.tracker_, server.connection_ids_, peers, rng, verbose_log()};
        const udp::Handled handled = udp::handle(packet, from, v6, reply, context);
        switch (handled.kind) {
            case udp::RequestKind::invalid:
                break;
            case udp::RequestKind::connect:
                counters.add(udp_connect);
                break;
            case udp::RequestKind::announce:
                counters.add(udp_announce);
                break;
            case udp::RequestKind::scrape:
                counters.add(udp_scrape);
                break;
        }
        if (handled.failed) counters.add(udp_errors);
        return handled.size;
    }
};

Server::Server(Tracker& tracker, Logger& log, ServerOptions options)
    : tracker_(tracker), log_(log), options_(std::move(options)) {
    verbose_ = options_.verbose;
    routes_.push_back([this](const http::RequestHead& head,
                             const PeerEndpoint&) -> std::optional<http::Response> {
        if (head.path == "/stats")
            return http::text_response(200, "application/json", stats_json());
        if (head.path == "/metrics") {
            return http::text_response(200, "text/plain; version=0.0.4", metrics_text());
        }
        return std::nullopt;
    });
    routes_.insert(routes_.end(), options_.routes.begin(), options_.routes.end());
    for (unsigned i = 0; i < std::max(1u, options_.workers); ++i) {
        counters_.push_back(std::make_unique<WorkerCounters>());
        workers_.push_back(std::make_unique<Worker>(*this, *counters_.back()));
    }
}

Server::~Server() {
    stop();
}

bool Server::admit(const std::string& address) {
    std::lock_guard lock(per_address_mutex_);
    const std::size_t open = open_connections_.load(std::memory_order_relaxed);
    if (open >= options_.max_connections) return false;
    auto it = per_address_.find(address);
    const std::size_t held = it == per_address_.end() ? 0 : it->second;
    if (held >= options_.max_connections_per_address) return false;
    // The reserve: the last slots only for an address that holds no connection yet.
    if (held > 0 && open + options_.reserved_connections >= options_.max_connections) return false;
    if (it == per_address_.end()) it = per_address_.emplace(address, 0).first;
    ++it->second;
    open_connections_.fetch_add(1, std::memory_order_relaxed);
    return true;
}

void Server::release(const std::string& address) {
    std::lock_guard lock(per_address_mutex_);
    if (auto it = per_address_.find(address); it != per_address_.end() && --it->second == 0) {
        per_address_.erase(it);
    }
    open_connections_.fetch_sub(1, std::memory_order_relaxed);
}

Status Server::bind() {
    auto bind_all = [&](const std::vector<PeerEndpoint>& addrs, bool tcp) -> Status {
        for (const PeerEndpoint& addr : addrs) {
            PeerEndpoint actual = addr;
            for (auto& w : workers_) {
                auto fd = open_socket(actual, tcp);
                if (!fd) return std::move(fd).error();
                if (actual.port() == 0) actual = bound_endpoint(*fd, addr);
                w->add_socket(*fd, tcp, addr.is_v6());
            }
            log_.info("listening ", tcp ? "http " : "udp ", actual.to_string());
        }
        return {};
    };
    if (auto ok = bind_all(options_.http, true); !ok) return ok;
    return bind_all(options_.udp, false);
}

namespace {
std::atomic<bool> never_stop{false};
}

void Server::start() {
    for (auto& w : workers_) {
        threads_.emplace_back([worker = w.get()] { worker->run(never_stop); });
    }
}

void Server::stop() {
    for (auto& w : workers_) {
        const std::uint64_t one = 1;
        [[maybe_unused]] auto r = ::write(w->wake.fd, &one, sizeof(one));
    }
    for (auto& t : threads_)
        t.join();
    threads_.clear();
}

std::array<std::uint64_t, counter_count> Server::counters() const {
    std::array<std::uint64_t, counter_count> sum{};
    for (const auto& c : counters_) {
        for (std::size_t i = 0; i < counter_count; ++i) {
            sum[i] += c->values[i].load(std::memory_order_relaxed);
        }
    }
    return sum;
}

void Server::sample_rates(Clock::SteadyTime now) {
    const auto current = counters();
    std::lock_guard lock(rates_mutex_);
    if (last_sample_ != Clock::SteadyTime{}) {
        const double seconds = std::chrono::duration<double>(now - last_sample_).count();
        if (seconds > 0) {
            for (std::size_t i = 0; i < counter_count; ++i) {
                rates_[i] = static_cast<double>(current[i] - last_counts_[i]) / seconds;
            }
        }
    }
    last_counts_ = current;
    last_sample_ = now;
}

std::array<double, counter_count> Server::rates() const {
    std::lock_guard lock(rates_mutex_);
    return rates_;
}

std::string Server::stats_json() const {
    const TrackerTotals t = tracker_.totals();
    const auto c = counters();
    const std::array<double, counter_count> rates = this->rates();
    nlohmann::json j;
    j["torrents"] = t.torrents;
    j["seeders"] = t.seeders;
    j["leechers"] = t.leechers;
    j["peers"] = {{"ipv4", t.peers_v4}, {"ipv6", t.peers_v6}};
    j["completed"] = t.completed;
    j["zones"] = {{"zones", t.zones},
                  {"leaders", t.leaders},
                  {"elections", t.elections},
                  {"claims_ignored", t.zone_claims_ignored}};
    j["mode"] = mode_name(tracker_.settings().mode);
    j["connections"] = open_connections_.load();
    auto kinds = [&](auto values) {
        return nlohmann::json{
            {"http",
             {{"announce", values[http_announce]},
              {"scrape", values[http_scrape]},
              {"other", values[http_other]}}},
            {"udp",
             {{"connect", values[udp_connect]},
              {"announce", values[udp_announce]},
              {"scrape", values[udp_scrape]}}},
        };
    };
    j["requests"] = kinds(c);
    j["requests_per_second"] = kinds(rates);
    j["errors"] = {{"http", c[http_errors]}, {"udp", c[udp_errors]}};
    j["connections_rejected"] = c[connections_rejected];
    j["connections_timed_out"] = c[connections_timed_out];
    return j.dump();
}

std::string Server::metrics_text() const {
    const TrackerTotals t = tracker_.totals();
    const auto c = counters();
    std::ostringstream m;
    m << "# HELP aciswarm_tracker_torrents Swarms held.\n# TYPE aciswarm_tracker_torrents gauge\n"
      << "aciswarm_tracker_torrents " << t.torrents << "\n"
      << "# HELP aciswarm_tracker_peers Peers by state.\n# TYPE aciswarm_tracker_peers gauge\n"
      << "aciswarm_tracker_peers{state=\"seeder\"} " << t.seeders << "\n"
      << "aciswarm_tracker_peers{state=\"leecher\"} " << t.leechers << "\n"
      << "# HELP aciswarm_tracker_completed_total Completions counted.\n"
      << "# TYPE aciswarm_tracker_completed_total counter\n"
      << "aciswarm_tracker_completed_total " << t.completed << "\n"
      << "# HELP aciswarm_tracker_zones Torrent and zone pairs with peers (docs/zones.md).\n"
      << "# TYPE aciswarm_tracker_zones gauge\n"
      << "aciswarm_tracker_zones " << t.zones << "\n"
      << "# HELP aciswarm_tracker_zone_leaders Leaders elected over all zones.\n"
      << "# TYPE aciswarm_tracker_zone_leaders gauge\n"
      << "aciswarm_tracker_zone_leaders " << t.leaders << "\n"
      << "# HELP aciswarm_tracker_zone_elections_total Elections that changed a zone's leaders.\n"
      << "# TYPE aciswarm_tracker_zone_elections_total counter\n"
      << "aciswarm_tracker_zone_elections_total " << t.elections << "\n"
      << "# HELP aciswarm_tracker_zone_claims_ignored_total Announced zones the CIDRs overruled.\n"
      << "# TYPE aciswarm_tracker_zone_claims_ignored_total counter\n"
      << "aciswarm_tracker_zone_claims_ignored_total " << t.zone_claims_ignored << "\n"
      << "# HELP aciswarm_tracker_requests_total Requests by protocol and kind.\n"
      << "# TYPE aciswarm_tracker_requests_total counter\n";
    const std::pair<Counter, const char*> kinds[] = {
        {http_announce, "protocol=\"http\",kind=\"announce\""},
        {http_scrape, "protocol=\"http\",kind=\"scrape\""},
        {http_other, "protocol=\"http\",kind=\"other\""},
        {udp_connect, "protocol=\"udp\",kind=\"connect\""},
        {udp_announce, "protocol=\"udp\",kind=\"announce\""},
        {udp_scrape, "protocol=\"udp\",kind=\"scrape\""}};
    for (const auto& [k, labels] : kinds) {
        m << "aciswarm_tracker_requests_total{" << labels << "} " << c[k] << "\n";
    }
    m << "# HELP aciswarm_tracker_errors_total Failure replies and dropped packets.\n"
      << "# TYPE aciswarm_tracker_errors_total counter\n"
      << "aciswarm_tracker_errors_total{protocol=\"http\"} " << c[http_errors] << "\n"
      << "aciswarm_tracker_errors_total{protocol=\"udp\"} " << c[udp_errors] << "\n"
      << "# HELP aciswarm_tracker_connections Open HTTP connections.\n"
      << "# TYPE aciswarm_tracker_connections gauge\n"
      << "aciswarm_tracker_connections " << open_connections_.load() << "\n"
      << "# TYPE aciswarm_tracker_connections_rejected_total counter\n"
      << "aciswarm_tracker_connections_rejected_total " << c[connections_rejected] << "\n"
      << "# TYPE aciswarm_tracker_connections_timed_out_total counter\n"
      << "aciswarm_tracker_connections_timed_out_total " << c[connections_timed_out] << "\n";
    if (options_.extra_metrics) m << options_.extra_metrics();
    return m.str();
}

}  // namespace aciswarm::tracker
