// aciswarm-tracker-load: a closed-loop load generator for BitTorrent trackers
// (any tracker: aciswarm-tracker, opentracker, ...), loopback only.
//
//   aciswarm-tracker-load --url=udp://127.0.0.1:6969 --hashes=FILE --kind=announce
//       --duration=10 --concurrency=64 --peers=100000 --zipf=1.0
//
// Keeps --concurrency requests in flight (one per client socket; each socket is
// bound to its own 127.0.0.x source address so peers differ by ip and port) and
// sends the next request on each reply: closed-loop pacing, no open-loop burst.
// Info hashes come from --hashes (40 hex digits per line) with Zipf-skewed
// popularity; peers are (source address, port) pairs. UDP clients connect once
// (BEP 15) and reconnect on an error reply; HTTP clients use keep-alive and
// reconnect when the server closes. Bounded by --duration and --max-requests.
// --fill announces every (torrent, peer slot) once, for memory measurements.
// Prints one line: responses/s, p50/p99 latency (microseconds), errors.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "common/hex.hpp"
#include "common/info_hash.hpp"
#include "common/options.hpp"
#include "common/url.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using namespace aciswarm;

struct Options {
    bool udp = true;
    std::string host = "127.0.0.1";
    int port = 0;
    std::string path = "/announce";
    bool scrape = false;
    double duration = 10;
    std::uint64_t max_requests = 50'000'000;
    int concurrency = 64;
    std::uint32_t peers = 100'000;
    double zipf = 1.0;
    bool fill = false;
    std::uint32_t fill_peers = 10;
    std::vector<InfoHash> hashes;
};

// Zipf(s) over [0, n) by inverse CDF on a precomputed table.
class Zipf {
  public:
    Zipf(std::size_t n, double s) : cdf_(n) {
        double sum = 0;
        for (std::size_t i = 0; i < n; ++i)
            sum += 1.0 / std::pow(static_cast<double>(i + 1), s);
        double acc = 0;
        for (std::size_t i = 0; i < n; ++i) {
            acc += 1.0 / std::pow(static_cast<double>(i + 1), s) / sum;
            cdf_[i] = acc;
        }
    }
    std::size_t operator()(std::mt19937_64& rng) {
        const double u = std::uniform_real_distribution<double>(0, 1)(rng);
        return std::min<std::size_t>(
            static_cast<std::size_t>(std::lower_bound(cdf_.begin(), cdf_.end(), u) - cdf_.begin()),
            cdf_.size() - 1);
    }

  private:
    std::vector<double> cdf_;
};

void put(std::uint8_t*& p, std::uint64_t v, int bytes) {
    for (int i = bytes - 1; i >= 0; --i)
        *p++ = static_cast<std::uint8_t>(v >> (8 * i));
}
std::uint32_t get32(const std::uint8_t* p) {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
           p[3];
}

struct Client {
    int fd = -1;
    int index = 0;
    in_addr source{};
    bool connected = false;  // UDP: have a connection id; HTTP: TCP connected
    std::uint64_t connection_id = 0;
    std::uint32_t txid = 0;
    Clock::time_point sent;
    bool awaiting_connect = false;
    std::string in;  // HTTP response bytes
    std::uint64_t fill_next = 0;
};

class Load {
  public:
    explicit Load(Options o) : o_(std::move(o)), zipf_(o_.hashes.size(), o_.zipf), rng_(12345) {
        epoll_ = ::epoll_create1(0);
        latencies_.reserve(1 << 22);
    }

    int run() {
        clients_.resize(static_cast<std::size_t>(o_.concurrency));
        for (int i = 0; i < o_.concurrency; ++i) {
            Client& c = clients_[static_cast<std::size_t>(i)];
            c.index = i;
            // 127.0.<i/250>.<1 + i%250>: one source address per client.
            c.source.s_addr = htonl((127u << 24) | (static_cast<unsigned>(i / 250) << 8) |
                                    (1 + static_cast<unsigned>(i % 250)));
            if (o_.fill) {
                c.fill_next = static_cast<std::uint64_t>(i);
            }
            if (!open(c)) return 1;
            send_next(c);
        }
        start_ = Clock::now();
        const auto end = start_ + std::chrono::duration<double>(o_.duration);
        std::vector<epoll_event> events(256);
        while (Clock::now() < end && responses_ + errors_ < o_.max_requests && active_ > 0) {
            const int n = ::epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), 100);
            for (int i = 0; i < n; ++i) {
                on_readable(clients_[events[static_cast<std::size_t>(i)].data.u32]);
            }
            // Replies lost (UDP) or stuck: resend after 1 s, counted as errors.
            const auto now = Clock::now();
            for (Client& c : clients_) {
                if (c.fd >= 0 && now - c.sent > std::chrono::seconds(1)) {
                    ++timeouts_;
                    if (!o_.udp) reopen(c);
                    send_next(c);
                }
            }
        }
        const double seconds = std::chrono::duration<double>(Clock::now() - start_).count();
        std::sort(latencies_.begin(), latencies_.end());
        auto pct = [&](double p) -> double {
            if (latencies_.empty()) return 0;
            return latencies_[std::min(
                latencies_.size() - 1,
                static_cast<std::size_t>(p * static_cast<double>(latencies_.size())))];
        };
        std::printf(
            "protocol=%s kind=%s responses=%llu seconds=%.2f responses_per_s=%.0f p50_us=%.0f "
            "p99_us=%.0f errors=%llu timeouts=%llu connects=%llu\n",
            o_.udp ? "udp" : "http", o_.scrape ? "scrape" : "announce",
            static_cast<unsigned long long>(responses_), seconds,
            static_cast<double>(responses_) / seconds, pct(0.5), pct(0.99),
            static_cast<unsigned long long>(errors_), static_cast<unsigned long long>(timeouts_),
            static_cast<unsigned long long>(connects_));
        return 0;
    }

  private:
    bool open(Client& c) {
        c.fd = ::socket(AF_INET, o_.udp ? SOCK_DGRAM : SOCK_STREAM, 0);
        sockaddr_in src{};
        src.sin_family = AF_INET;
        src.sin_addr = c.source;
        const int one = 1;
        ::setsockopt(c.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (::bind(c.fd, reinterpret_cast<sockaddr*>(&src), sizeof(src)) != 0) {
            std::perror("bind source");
            return false;
        }
        sockaddr_in dst{};
        dst.sin_family = AF_INET;
        dst.sin_port = htons(static_cast<std::uint16_t>(o_.port));
        ::inet_pton(AF_INET, o_.host.c_str(), &dst.sin_addr);
        if (!o_.udp) ::setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        // Loopback connects complete at once: connect blocking, then go non-blocking.
        if (::connect(c.fd, reinterpret_cast<sockaddr*>(&dst), sizeof(dst)) != 0) {
            std::perror("connect");
            return false;
        }
        ::fcntl(c.fd, F_SETFL, O_NONBLOCK);
        if (!o_.udp) ++connects_;
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u32 = static_cast<std::uint32_t>(c.index);
        ::epoll_ctl(epoll_, EPOLL_CTL_ADD, c.fd, &ev);
        ++active_;
        return true;
    }

    void reopen(Client& c) {
        ::epoll_ctl(epoll_, EPOLL_CTL_DEL, c.fd, nullptr);
        ::close(c.fd);
        --active_;
        c.in.clear();
        open(c);
    }

    // Picks the next (torrent, peer port); in fill mode walks every pair once.
    bool next_target(Client& c, std::size_t& torrent, std::uint16_t& port) {
        if (o_.fill) {
            const std::uint64_t total = o_.hashes.size() * std::uint64_t{o_.fill_peers};
            // Each client announces pairs i, i + concurrency, ...: (torrent, slot) = (i / p, i %
            // p).
            if (c.fill_next >= total) return false;
            torrent = static_cast<std::size_t>(c.fill_next / o_.fill_peers);
            const auto slot = c.fill_next % o_.fill_peers;
            (void)slot;
            // Peer = (this client's address, port): within a torrent, the pairs one client
            // announces are `concurrency` apart, so their ports differ.
            port = static_cast<std::uint16_t>(1024 + (c.fill_next / clients_.size()) % 60000);
            c.fill_next += clients_.size();
            return true;
        }
        torrent = zipf_(rng_);
        const std::uint32_t per_client =
            std::max<std::uint32_t>(1, o_.peers / static_cast<std::uint32_t>(clients_.size()));
        port =
            static_cast<std::uint16_t>(1024 + rng_() % std::min<std::uint32_t>(per_client, 60000));
        return true;
    }

    void send_next(Client& c) {
        c.sent = Clock::now();
        if (o_.udp) {
            std::uint8_t pkt[128];
            std::uint8_t* p = pkt;
            if (!c.connected) {
                put(p, 0x41727101980ULL, 8);
                put(p, 0, 4);
                put(p, ++c.txid, 4);
                c.awaiting_connect = true;
            } else {
                std::size_t torrent = 0;
                std::uint16_t port = 0;
                if (!next_target(c, torrent, port)) return finish(c);
                put(p, c.connection_id, 8);
                put(p, o_.scrape ? 2 : 1, 4);
                put(p, ++c.txid, 4);
                std::memcpy(p, o_.hashes[torrent].data(), 20);
                p += 20;
                if (!o_.scrape) {
                    std::memset(p, 'L', 20);
                    std::memcpy(p, &c.index, sizeof(c.index));
                    std::memcpy(p + 4, &port, sizeof(port));
                    p += 20;
                    put(p, 0, 8);
                    put(p, rng_() % 4 == 0 ? 0 : 1000, 8);  // a quarter are seeders
                    put(p, 0, 8);
                    put(p, 0, 4);
                    put(p, 0, 4);
                    put(p, rng_(), 4);
                    put(p, 50, 4);
                    put(p, port, 2);
                }
                c.awaiting_connect = false;
            }
            ::send(c.fd, pkt, static_cast<std::size_t>(p - pkt), 0);
            return;
        }
        std::size_t torrent = 0;
        std::uint16_t port = 0;
        if (!next_target(c, torrent, port)) return finish(c);
        std::string req = "GET ";
        req += o_.scrape ? "/scrape" : o_.path;
        req += "?info_hash=" + percent_encode(o_.hashes[torrent].bytes());
        if (!o_.scrape) {
            char peer_id[21];
            std::snprintf(peer_id, sizeof(peer_id), "-LD0001-%06d%05u", c.index, port);
            req += "&peer_id=" + percent_encode(std::string_view(peer_id, 20)) +
                   "&port=" + std::to_string(port) +
                   "&uploaded=0&downloaded=0&left=" + (rng_() % 4 == 0 ? "0" : "1000") +
                   "&numwant=50&compact=1";
        }
        req += " HTTP/1.1\r\nHost: " + o_.host + "\r\n\r\n";
        if (::send(c.fd, req.data(), req.size(), MSG_NOSIGNAL) < 0 && errno != EAGAIN) {
            // Not connected yet (EINPROGRESS) or closed: reconnect and retry on timeout.
            if (errno == ENOTCONN || errno == EPIPE || errno == ECONNRESET) reopen(c);
        }
        c.in.clear();
    }

    void finish(Client& c) {
        ::epoll_ctl(epoll_, EPOLL_CTL_DEL, c.fd, nullptr);
        ::close(c.fd);
        c.fd = -1;
        --active_;
    }

    void record(Client& c) {
        const auto us =
            std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - c.sent);
        if (latencies_.size() < latencies_.capacity()) {
            latencies_.push_back(static_cast<std::uint32_t>(us.count()));
        }
    }

    void on_readable(Client& c) {
        if (c.fd < 0) return;
        if (o_.udp) {
            std::uint8_t buf[4096];
            for (;;) {
                const ssize_t n = ::recv(c.fd, buf, sizeof(buf), 0);
                if (n < 8) return;
                const std::uint32_t action = get32(buf);
                if (get32(buf + 4) != c.txid) continue;  // stale reply
                if (action == 0 && n >= 16) {
                    c.connection_id = (std::uint64_t{get32(buf + 8)} << 32) | get32(buf + 12);
                    c.connected = true;
                } else if (action == 3) {
                    ++errors_;
                    c.connected = false;  // maybe an expired id: connect again
                } else {
                    ++responses_;
                    record(c);
                }
                send_next(c);
                return;
            }
        }
        char buf[16384];
        const ssize_t n = ::recv(c.fd, buf, sizeof(buf), 0);
        if (n <= 0) {
            if (n < 0 && errno == EAGAIN) return;
            // Closed: if a response is complete without Content-Length, it ends here.
            if (!c.in.empty() && c.in.find("\r\n\r\n") != std::string::npos) complete_http(c);
            reopen(c);
            send_next(c);
            return;
        }
        c.in.append(buf, static_cast<std::size_t>(n));
        const std::size_t head_end = c.in.find("\r\n\r\n");
        if (head_end == std::string::npos) return;
        const std::size_t cl = c.in.find("Content-Length: ");
        if (cl == std::string::npos || cl > head_end) return;  // wait for EOF
        const std::size_t length = std::strtoul(c.in.c_str() + cl + 16, nullptr, 10);
        if (c.in.size() < head_end + 4 + length) return;
        const bool closing =
            c.in.find("Connection: close") < head_end || c.in.rfind("HTTP/1.0", 0) == 0;
        complete_http(c);
        if (closing) reopen(c);
        send_next(c);
    }

    void complete_http(Client& c) {
        if (c.in.rfind("HTTP/1.", 0) == 0 && c.in.compare(9, 3, "200") == 0 &&
            c.in.find("failure reason") == std::string::npos) {
            ++responses_;
            record(c);
        } else {
            ++errors_;
        }
        c.in.clear();
    }

    Options o_;
    Zipf zipf_;
    std::mt19937_64 rng_;
    int epoll_ = -1;
    std::vector<Client> clients_;
    std::vector<std::uint32_t> latencies_;
    Clock::time_point start_;
    std::uint64_t responses_ = 0;
    std::uint64_t errors_ = 0;
    std::uint64_t timeouts_ = 0;
    std::uint64_t connects_ = 0;
    int active_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
    using K = OptionSpec::Kind;
    OptionParser parser(
        "usage: aciswarm-tracker-load --url=udp://127.0.0.1:PORT|http://127.0.0.1:PORT/announce "
        "--hashes=FILE [options]",
        {{"url", K::value, "tracker (loopback only)", "URL"},
         {"hashes", K::value, "file of info hashes, 40 hex digits per line", "FILE"},
         {"kind", K::value, "announce (default) or scrape", "KIND"},
         {"duration", K::value, "seconds to run (default 10, at most 120)", "SECONDS"},
         {"max-requests", K::value, "stop after this many replies", "N"},
         {"concurrency", K::value, "requests in flight = client sockets (default 64)", "N"},
         {"peers", K::value, "distinct peers (ip, port) overall (default 100000)", "N"},
         {"zipf", K::value, "popularity skew exponent (default 1.0)", "S"},
         {"fill", K::value, "announce each (torrent, peer) once then stop", "PEERS_PER_TORRENT"},
         {"help", K::flag, "show this help", "", 'h'}});
    auto parsed = parser.parse(std::vector<std::string>(argv + 1, argv + argc));
    if (!parsed) {
        std::cerr << parsed.error().message << "\n";
        return 2;
    }
    if (parsed->flag("help")) {
        std::cout << parser.help();
        return 0;
    }
    Options o;
    const std::string url = parsed->get_or("url", "");
    std::string rest;
    if (url.rfind("udp://", 0) == 0) {
        o.udp = true;
        rest = url.substr(6);
    } else if (url.rfind("http://", 0) == 0) {
        o.udp = false;
        rest = url.substr(7);
    } else {
        std::cerr << "--url: '" << url << "' is not udp://HOST:PORT or http://HOST:PORT/PATH\n";
        return 2;
    }
    const auto slash = rest.find('/');
    if (slash != std::string::npos) {
        o.path = rest.substr(slash);
        rest = rest.substr(0, slash);
    }
    const auto colon = rest.rfind(':');
    if (colon == std::string::npos) {
        std::cerr << "--url: no port\n";
        return 2;
    }
    o.host = rest.substr(0, colon);
    o.port = std::stoi(rest.substr(colon + 1));
    if (o.host.rfind("127.", 0) != 0) {
        std::cerr << "--url: only 127.0.0.0/8 targets are allowed\n";
        return 2;
    }
    o.scrape = parsed->get_or("kind", "announce") == "scrape";
    o.duration = std::min(120.0, std::stod(parsed->get_or("duration", "10")));
    o.max_requests = std::stoull(parsed->get_or("max-requests", "50000000"));
    o.concurrency = std::clamp(std::stoi(parsed->get_or("concurrency", "64")), 1, 4000);
    o.peers = static_cast<std::uint32_t>(std::stoul(parsed->get_or("peers", "100000")));
    o.zipf = std::stod(parsed->get_or("zipf", "1.0"));
    if (auto f = parsed->get("fill")) {
        o.fill = true;
        o.fill_peers = static_cast<std::uint32_t>(std::stoul(*f));
    }
    std::ifstream in(parsed->get_or("hashes", ""));
    std::string line;
    while (std::getline(in, line)) {
        if (line.size() < 40) continue;
        auto h = InfoHash::from_hex(line.substr(0, 40));
        if (h) o.hashes.push_back(*h);
    }
    if (o.hashes.empty()) {
        std::cerr << "--hashes: no info hashes read\n";
        return 2;
    }
    return Load(std::move(o)).run();
}
