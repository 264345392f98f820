#include "agent/daemon/client.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include "common/system_error.hpp"

namespace aciswarm::agent {

Result<ApiClient> ApiClient::connect(const std::string& socket_path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (socket_path.size() >= sizeof addr.sun_path) {
        return make_error(Errc::invalid_argument, "socket " + socket_path + ": path too long");
    }
    std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) return errno_error("socket", "daemon socket " + socket_path, errno);
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
        const int err = errno;
        // Refused: a stale socket file with nobody behind it, as good as none.
        return errno_error("", "daemon socket " + socket_path, err,
                           err == ECONNREFUSED ? Errc::not_found : Errc::io);
    }
    return ApiClient(std::move(fd), socket_path);
}

Status ApiClient::send_raw(std::string_view bytes) {
    std::size_t off = 0;
    while (off < bytes.size()) {
        const ssize_t n = ::send(fd_.get(), bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno_error("send", "daemon socket " + path_, errno);
        }
        off += static_cast<std::size_t>(n);
    }
    return {};
}

Status ApiClient::send_with_files(std::string_view bytes, std::span<const int> files) {
    if (bytes.empty())
        return make_error(Errc::invalid_argument, "descriptors need at least a byte");
    std::vector<char> control(CMSG_SPACE(sizeof(int) * files.size()));
    iovec iov{const_cast<char*>(bytes.data()), bytes.size()};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    if (!files.empty()) {
        msg.msg_control = control.data();
        msg.msg_controllen = control.size();
        cmsghdr* cm = CMSG_FIRSTHDR(&msg);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int) * files.size());
        std::memcpy(CMSG_DATA(cm), files.data(), sizeof(int) * files.size());
    }
    ssize_t n = -1;
    do {
        n = ::sendmsg(fd_.get(), &msg, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        return errno_error("send", "daemon socket " + path_, errno);
    }
    return send_raw(bytes.substr(static_cast<std::size_t>(n)));  // the descriptors went with byte 0
}

Result<std::string> ApiClient::read_line(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        if (const std::size_t nl = buffer_.find('\n'); nl != std::string::npos) {
            std::string line = buffer_.substr(0, nl);
            buffer_.erase(0, nl + 1);
            return line;
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            return make_error(Errc::timeout, "daemon socket " + path_ + ": no reply");
        pollfd p{fd_.get(), POLLIN, 0};
        const int r = ::poll(&p, 1, static_cast<int>(left.count()));
        if (r < 0 && errno != EINTR) return errno_error("poll", "daemon socket " + path_, errno);
        if (r <= 0) continue;
        char buf[8192];
        const ssize_t n = ::recv(fd_.get(), buf, sizeof buf, 0);
        if (n == 0)
            return make_error(Errc::io, "daemon socket " + path_ + ": closed by the daemon");
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            return errno_error("recv", "daemon socket " + path_, errno);
        }
        buffer_.append(buf, static_cast<std::size_t>(n));
    }
}

Result<nlohmann::json> ApiClient::read_reply(std::chrono::milliseconds timeout) {
    auto line = read_line(timeout);
    if (!line) return line.error();
    nlohmann::json j = nlohmann::json::parse(*line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
        return make_error(Errc::protocol,
                          "daemon socket " + path_ + ": reply is not a JSON object");
    }
    return j;
}

Result<nlohmann::json> ApiClient::await_reply(const EventFn& on_event,
                                              std::chrono::milliseconds timeout) {
    while (true) {
        auto reply = read_reply(timeout);
        if (!reply) return reply;
        if (reply->contains("event")) {
            if (on_event) on_event(*reply);
            continue;
        }
        return reply;
    }
}

Result<nlohmann::json> ApiClient::call(const nlohmann::json& request, const EventFn& on_event,
                                       std::chrono::milliseconds timeout) {
    if (Status s = send_raw(request.dump() + "\n"); !s) return s.error();
    return await_reply(on_event, timeout);
}

Result<nlohmann::json> ApiClient::call_with_file(const nlohmann::json& request, int file,
                                                 const EventFn& on_event,
                                                 std::chrono::milliseconds timeout) {
    const int files[] = {file};
    if (Status s = send_with_files(request.dump() + "\n", files); !s) return s.error();
    return await_reply(on_event, timeout);
}

Result<nlohmann::json> ApiClient::request(const ApiRequest& request, const EventFn& on_event,
                                          std::chrono::milliseconds timeout) {
    return call(to_json(request), on_event, timeout);
}

Result<nlohmann::json> ApiClient::request_with_file(const ApiRequest& request, int file,
                                                    const EventFn& on_event,
                                                    std::chrono::milliseconds timeout) {
    return call_with_file(to_json(request), file, on_event, timeout);
}

Status reply_status(const nlohmann::json& reply) {
    if (reply.value("ok", false)) return {};
    return api_reply_error(reply);
}

Status call_daemon(const std::string& socket_path, const ApiRequest& request,
                   std::chrono::milliseconds timeout) {
    auto client = ApiClient::connect(socket_path);
    if (!client) {
        return make_error(client.error().code,
                          client.error().message + " (is `aciswarm daemon` running?)");
    }
    auto reply = client->request(request, {}, timeout);
    if (!reply) return reply.error();
    return reply_status(*reply);
}

}  // namespace aciswarm::agent
