#include "agent/fetch/daemon_handoff.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

namespace aciswarm::agent::fetch {

Status hand_to_daemon(const std::string& socket_path, const ImageId& image,
                      const std::string& policy, std::chrono::milliseconds timeout) {
    const std::string who = "daemon socket " + socket_path;
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (socket_path.size() >= sizeof(addr.sun_path)) {
        return make_error(Errc::invalid_argument, who + ": path too long");
    }
    std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return make_error(Errc::io, who + ": socket: " + std::strerror(errno));
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
        const int err = errno;
        const Errc code = err == ENOENT || err == ECONNREFUSED ? Errc::not_found
                          : err == EACCES || err == EPERM      ? Errc::permission
                                                               : Errc::io;
        return make_error(code,
                          who + ": " + std::strerror(err) + " (is `aciswarm daemon` running?)");
    }
    nlohmann::json req{{"op", "seed"}, {"image", image.full()}, {"policy", policy}};
    const std::string line = req.dump() + "\n";
    std::size_t sent = 0;
    while (sent < line.size()) {
        const ssize_t n = ::send(fd, line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            return make_error(Errc::io, who + ": send: " + std::strerror(errno));
        }
        sent += static_cast<std::size_t>(n);
    }
    std::string buffer;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (auto nl = buffer.find('\n'); nl != std::string::npos) {
            auto reply = nlohmann::json::parse(buffer.substr(0, nl), nullptr, false);
            if (reply.is_discarded() || !reply.is_object()) {
                return make_error(Errc::protocol, who + ": reply is not a JSON object");
            }
            if (reply.contains("event")) {  // progress lines are not for us
                buffer.erase(0, nl + 1);
                continue;
            }
            if (reply.value("ok", false)) return {};
            const std::string why = reply.contains("error") && reply["error"].is_string()
                                        ? reply["error"].get<std::string>()
                                        : std::string("request refused");
            return make_error(Errc::protocol, who + ": " + why);
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return make_error(Errc::timeout, who + ": no reply");
        pollfd p{fd, POLLIN, 0};
        const int rc = ::poll(&p, 1, static_cast<int>(left.count()));
        if (rc < 0 && errno != EINTR)
            return make_error(Errc::io, who + ": poll: " + std::strerror(errno));
        if (rc <= 0) continue;
        char chunk[4096];
        const ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            return make_error(Errc::io, who + ": recv: " + std::strerror(errno));
        }
        if (n == 0) return make_error(Errc::protocol, who + ": closed without a reply");
        buffer.append(chunk, static_cast<std::size_t>(n));
        if (buffer.size() > 1024 * 1024)
            return make_error(Errc::too_large, who + ": reply too large");
    }
}

}  // namespace aciswarm::agent::fetch
