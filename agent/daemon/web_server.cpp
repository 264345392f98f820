#include "agent/daemon/web_server.hpp"

#include <microhttpd.h>

#include <string>

#include "common/fd.hpp"
#include "common/tcp_listen.hpp"

namespace aciswarm::agent {
namespace {

constexpr unsigned kMaxConnections = 32;
constexpr unsigned kMaxConnectionsPerAddress = 8;
constexpr unsigned kIdleTimeoutSeconds = 10;
constexpr std::size_t kConnectionMemory = 16 * 1024;

// "Name: value\r\n" lines (web::security_headers()) onto a response.
void add_header_lines(MHD_Response* response, std::string_view lines) {
    while (!lines.empty()) {
        const auto end = lines.find("\r\n");
        const std::string_view line = lines.substr(0, end);
        const auto colon = line.find(": ");
        if (colon != std::string_view::npos) {
            MHD_add_response_header(response, std::string(line.substr(0, colon)).c_str(),
                                    std::string(line.substr(colon + 2)).c_str());
        }
        if (end == std::string_view::npos) break;
        lines.remove_prefix(end + 2);
    }
}

}  // namespace

struct WebServer::Impl {
    Handler handler;
    MHD_Daemon* daemon = nullptr;
    ~Impl() {
        if (daemon != nullptr) MHD_stop_daemon(daemon);  // closes the listening socket too
    }

    static MHD_Result answer(void* cls, MHD_Connection* connection, const char* url,
                             const char* method, const char* /*version*/,
                             const char* /*upload_data*/, std::size_t* upload_size,
                             void** request_state) {
        // First call: the head only. A body (none is expected) is read and dropped.
        if (*request_state == nullptr) {
            *request_state = cls;
            return MHD_YES;
        }
        if (*upload_size != 0) {
            *upload_size = 0;
            return MHD_YES;
        }
        const std::string_view verb(method);
        const bool allowed = verb == "GET" || verb == "HEAD";
        aciswarm::web::Response r = allowed
                                        ? static_cast<Impl*>(cls)->handler(url)
                                        : aciswarm::web::Response{405, "text/plain; charset=utf-8",
                                                                  "read-only: GET and HEAD only\n"};
        MHD_Response* response =
            MHD_create_response_from_buffer(r.body.size(), r.body.data(), MHD_RESPMEM_MUST_COPY);
        if (response == nullptr) return MHD_NO;
        MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE,
                                std::string(r.content_type).c_str());
        MHD_add_response_header(response, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
        if (!allowed) MHD_add_response_header(response, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
        add_header_lines(response, aciswarm::web::security_headers());
        const MHD_Result queued =
            MHD_queue_response(connection, static_cast<unsigned>(r.status), response);
        MHD_destroy_response(response);
        return queued;
    }
};

WebServer::WebServer(std::unique_ptr<Impl> impl, PeerEndpoint bound)
    : impl_(std::move(impl)), bound_(bound) {}

WebServer::~WebServer() = default;

Result<std::unique_ptr<WebServer>> WebServer::start(const PeerEndpoint& address, Handler handler) {
    auto listener = listen_tcp(address, "web", Blocking::no);
    if (!listener) return listener.error();
    auto impl = std::make_unique<Impl>();
    impl->handler = std::move(handler);
    const int listen_fd = listener->fd.get();
    unsigned flags = MHD_USE_EPOLL;  // external polling: fd() and run()
    if (address.is_v6()) flags |= MHD_USE_IPv6;
    impl->daemon = MHD_start_daemon(
        flags, 0, nullptr, nullptr, &Impl::answer, impl.get(), MHD_OPTION_LISTEN_SOCKET, listen_fd,
        MHD_OPTION_CONNECTION_LIMIT, kMaxConnections, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        kMaxConnectionsPerAddress, MHD_OPTION_CONNECTION_TIMEOUT, kIdleTimeoutSeconds,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, kConnectionMemory, MHD_OPTION_END);
    if (impl->daemon == nullptr) {
        return make_error(Errc::io, "web " + address.to_string() + ": libmicrohttpd did not start");
    }
    [[maybe_unused]] const int owned_by_mhd = listener->fd.release();
    return std::unique_ptr<WebServer>(new WebServer(std::move(impl), listener->bound));
}

int WebServer::fd() const {
    const MHD_DaemonInfo* info = MHD_get_daemon_info(impl_->daemon, MHD_DAEMON_INFO_EPOLL_FD);
    return info == nullptr ? -1 : info->epoll_fd;
}

void WebServer::run() {
    MHD_run(impl_->daemon);
}

}  // namespace aciswarm::agent
