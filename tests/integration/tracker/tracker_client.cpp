#include "tracker_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <random>
#include <sstream>
#include <stdexcept>

#include <libtorrent/bdecode.hpp>

#include "common/url.hpp"

namespace aciswarm::test {

namespace {
std::size_t collect(char* p, std::size_t size, std::size_t n, void* out) {
    static_cast<std::string*>(out)->append(p, size * n);
    return size * n;
}
}  // namespace

HttpClient::HttpClient() : curl_(curl_easy_init()) {
    if (curl_ == nullptr) throw std::runtime_error("curl_easy_init failed");
}
HttpClient::~HttpClient() {
    curl_easy_cleanup(curl_);
}

HttpReply HttpClient::get(const std::string& url) {
    HttpReply r;
    curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &r.body);
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT, 10L);
    curl_easy_setopt(curl_, CURLOPT_NOPROXY, "*");
    if (curl_easy_perform(curl_) != CURLE_OK) return r;
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &r.status);
    curl_easy_getinfo(curl_, CURLINFO_NUM_CONNECTS, &r.new_connections);
    return r;
}

std::string announce_url(const std::string& base, const InfoHash& hash, std::uint16_t port,
                         std::uint64_t left, const std::string& extra) {
    PeerId id;
    std::random_device rd;
    for (auto& b : id.mutable_bytes())
        b = static_cast<std::uint8_t>('a' + rd() % 26);
    return base + "/announce?info_hash=" + percent_encode(hash.bytes()) +
           "&peer_id=" + percent_encode(id.bytes()) + "&port=" + std::to_string(port) +
           "&uploaded=0&downloaded=0&left=" + std::to_string(left) + extra;
}

int tcp_connect(const std::string& addr, int port) {
    auto ep = PeerEndpoint::parse_address(addr, static_cast<std::uint16_t>(port));
    if (!ep) return -1;
    sockaddr_storage ss{};
    const auto len = ep->to_sockaddr(ss);
    const int fd = ::socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&ss), static_cast<socklen_t>(len)) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

int tcp_connect_from(const std::string& source, const std::string& addr, int port) {
    auto ep = PeerEndpoint::parse_address(addr, static_cast<std::uint16_t>(port));
    auto src = PeerEndpoint::parse_address(source, 0);
    if (!ep || !src) return -1;
    sockaddr_storage ss{};
    const auto len = ep->to_sockaddr(ss);
    sockaddr_storage local{};
    const auto local_len = src->to_sockaddr(local);
    const int fd = ::socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&local), static_cast<socklen_t>(local_len)) != 0 ||
        ::connect(fd, reinterpret_cast<sockaddr*>(&ss), static_cast<socklen_t>(len)) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

std::optional<std::string> http_get_from(const std::string& source, const std::string& addr,
                                         int port, const std::string& target,
                                         std::chrono::milliseconds timeout) {
    const int fd = tcp_connect_from(source, addr, port);
    if (fd < 0) return std::nullopt;
    const std::string req = "GET " + target + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
    std::optional<std::string> reply;
    if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size())) {
        reply = read_until_eof(fd, timeout);
    }
    ::close(fd);
    if (reply && reply->empty()) return std::nullopt;  // closed without an answer
    return reply;
}

namespace {

std::vector<PeerEndpoint> compact_peers(lt::string_view bytes, std::size_t size) {
    std::vector<PeerEndpoint> out;
    for (std::size_t at = 0; at + size <= bytes.size(); at += size) {
        const auto* p = reinterpret_cast<const std::uint8_t*>(bytes.data() + at);
        if (auto ep = PeerEndpoint::from_compact(std::span(p, size))) out.push_back(*ep);
    }
    return out;
}

}  // namespace

std::optional<ZoneAnnounceReply> parse_zone_reply(const std::string& body) {
    lt::error_code ec;
    const lt::bdecode_node root =
        lt::bdecode(lt::span<const char>(body.data(), static_cast<int>(body.size())), ec);
    if (ec || root.type() != lt::bdecode_node::dict_t) return std::nullopt;
    ZoneAnnounceReply r;
    r.peers = compact_peers(root.dict_find_string_value("peers"), 6);
    const auto six = compact_peers(root.dict_find_string_value("peers6"), 18);
    r.peers.insert(r.peers.end(), six.begin(), six.end());
    const lt::bdecode_node zone = root.dict_find_dict("zone");
    if (!zone) return r;
    r.role = std::string(zone.dict_find_string_value("role"));
    r.zone = std::string(zone.dict_find_string_value("name"));
    r.leaders = compact_peers(zone.dict_find_string_value("leaders"), 6);
    const auto leaders6 = compact_peers(zone.dict_find_string_value("leaders6"), 18);
    r.leaders.insert(r.leaders.end(), leaders6.begin(), leaders6.end());
    return r;
}

std::optional<std::string> announce_from(const std::string& source, int port,
                                         const std::string& target) {
    auto reply = http_get_from(source, "127.0.0.1", port, target, std::chrono::seconds(5));
    if (!reply) return std::nullopt;
    const auto end = reply->find("\r\n\r\n");
    if (end == std::string::npos || reply->rfind("HTTP/1.1 200", 0) != 0) return std::nullopt;
    return reply->substr(end + 4);
}

std::uint64_t cpu_ticks(int pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // Fields after the command (which may contain spaces) start after the last ')'.
    const auto close = text.rfind(')');
    if (close == std::string::npos) return 0;
    std::istringstream fields(text.substr(close + 2));
    std::string f;
    std::uint64_t utime = 0;
    std::uint64_t stime = 0;
    for (int i = 3; fields >> f; ++i) {  // field 3 is the state
        if (i == 14) utime = std::stoull(f);
        if (i == 15) {
            stime = std::stoull(f);
            break;
        }
    }
    return utime + stime;
}

std::uint64_t status_kb(int pid, const std::string& field) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind(field + ":", 0) == 0) return std::stoull(line.substr(field.size() + 1));
    }
    return 0;
}

std::optional<std::string> read_until_eof(int fd, std::chrono::milliseconds timeout) {
    std::string out;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return std::nullopt;
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return std::nullopt;
        char buf[4096];
        const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
        if (n <= 0) return out;
        out.append(buf, static_cast<std::size_t>(n));
    }
}

void put_be(std::vector<std::uint8_t>& v, std::uint64_t x, int bytes) {
    for (int i = bytes - 1; i >= 0; --i)
        v.push_back(static_cast<std::uint8_t>(x >> (8 * i)));
}

std::uint32_t be32(const std::vector<std::uint8_t>& v, std::size_t at) {
    return (std::uint32_t{v.at(at)} << 24) | (std::uint32_t{v.at(at + 1)} << 16) |
           (std::uint32_t{v.at(at + 2)} << 8) | v.at(at + 3);
}

UdpClient::UdpClient(const std::string& addr, int port) {
    auto ep = *PeerEndpoint::parse_address(addr, static_cast<std::uint16_t>(port));
    sockaddr_storage ss{};
    const auto len = ep.to_sockaddr(ss);
    fd_ = ::socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&ss), static_cast<socklen_t>(len)) != 0) {
        throw std::runtime_error("udp connect failed");
    }
}
UdpClient::~UdpClient() {
    ::close(fd_);
}

std::optional<std::vector<std::uint8_t>> UdpClient::request(const std::vector<std::uint8_t>& packet,
                                                            std::chrono::milliseconds timeout) {
    if (::send(fd_, packet.data(), packet.size(), 0) < 0) return std::nullopt;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return std::nullopt;
    std::vector<std::uint8_t> buf(65536);
    const ssize_t n = ::recv(fd_, buf.data(), buf.size(), 0);
    if (n < 0) return std::nullopt;
    buf.resize(static_cast<std::size_t>(n));
    return buf;
}

void UdpClient::send_only(const std::vector<std::uint8_t>& packet) {
    [[maybe_unused]] auto n = ::send(fd_, packet.data(), packet.size(), 0);
}

std::optional<std::uint64_t> UdpClient::connect() {
    std::vector<std::uint8_t> p;
    put_be(p, 0x41727101980ULL, 8);
    put_be(p, 0, 4);
    put_be(p, 1234, 4);
    auto r = request(p);
    if (!r || r->size() != 16 || be32(*r, 0) != 0 || be32(*r, 4) != 1234) return std::nullopt;
    return (std::uint64_t{be32(*r, 8)} << 32) | be32(*r, 12);
}

std::optional<std::vector<std::uint8_t>> UdpClient::announce(std::uint64_t conn,
                                                             const InfoHash& hash,
                                                             std::uint16_t port, std::uint64_t left,
                                                             std::uint32_t event) {
    std::vector<std::uint8_t> p;
    put_be(p, conn, 8);
    put_be(p, 1, 4);
    put_be(p, 99, 4);
    p.insert(p.end(), hash.bytes().begin(), hash.bytes().end());
    for (int i = 0; i < 20; ++i)
        p.push_back('u');
    put_be(p, 0, 8);
    put_be(p, left, 8);
    put_be(p, 0, 8);
    put_be(p, event, 4);
    put_be(p, 0, 4);
    put_be(p, 0, 4);
    put_be(p, 0xffffffffULL, 4);
    put_be(p, port, 2);
    return request(p);
}

std::optional<std::vector<std::uint8_t>> UdpClient::scrape(std::uint64_t conn,
                                                           const std::vector<InfoHash>& hashes) {
    std::vector<std::uint8_t> p;
    put_be(p, conn, 8);
    put_be(p, 2, 4);
    put_be(p, 77, 4);
    for (const auto& h : hashes)
        p.insert(p.end(), h.bytes().begin(), h.bytes().end());
    return request(p);
}

}  // namespace aciswarm::test
