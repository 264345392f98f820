#include "agent/mirror/mirror_server.hpp"

#include <fcntl.h>
#include <microhttpd.h>

#include <string>

#include "common/fd.hpp"
#include "common/tcp_listen.hpp"

namespace aciswarm::agent::mirror {
namespace {

constexpr unsigned max_connections = 64;
constexpr unsigned idle_timeout_seconds = 60;
constexpr std::size_t connection_memory = 16 * 1024;

std::string header_value(MHD_Connection* connection, MHD_ValueKind kind, const char* name) {
    const char* v = MHD_lookup_connection_value(connection, kind, name);
    return v == nullptr ? std::string() : std::string(v);
}

// The response libmicrohttpd sends: the body, or the verified blob's file.
MHD_Response* to_mhd(const MirrorResponse& r) {
    if (!r.file) {
        return MHD_create_response_from_buffer(r.body.size(), const_cast<char*>(r.body.data()),
                                               MHD_RESPMEM_MUST_COPY);
    }
    const int fd = ::open(r.file->path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return nullptr;
    // libmicrohttpd closes fd when the response is destroyed.
    return MHD_create_response_from_fd64(r.file->size, fd);
}

}  // namespace

struct MirrorServer::Impl {
    std::shared_ptr<Mirror> mirror;
    MHD_Daemon* daemon = nullptr;
    ~Impl() {
        if (daemon != nullptr) MHD_stop_daemon(daemon);  // joins its threads, closes the socket
    }

    static MHD_Result answer(void* cls, MHD_Connection* connection, const char* url,
                             const char* method, const char* /*version*/,
                             const char* /*upload_data*/, std::size_t* upload_size,
                             void** request_state) {
        if (*request_state == nullptr) {  // the head only; a body is read and dropped
            *request_state = cls;
            return MHD_YES;
        }
        if (*upload_size != 0) {
            *upload_size = 0;
            return MHD_YES;
        }
        Mirror& mirror = *static_cast<Impl*>(cls)->mirror;
        const std::string_view verb(method);
        MirrorResponse r;
        if (verb == "GET" || verb == "HEAD") {
            MirrorRequest request;
            request.head = verb == "HEAD";
            request.path = url;
            if (const char* ns =
                    MHD_lookup_connection_value(connection, MHD_GET_ARGUMENT_KIND, "ns");
                ns != nullptr)
                request.ns = ns;
            request.accept = header_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
            request.authorization =
                header_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
            r = mirror.handle(request);
        } else {
            r = mirror.method_not_allowed();
        }
        MHD_Response* response = to_mhd(r);
        if (response == nullptr) return MHD_NO;  // the blob file vanished: drop the connection
        for (const auto& [name, value] : r.headers)
            MHD_add_response_header(response, name.c_str(), value.c_str());
        const MHD_Result queued =
            MHD_queue_response(connection, static_cast<unsigned>(r.status), response);
        MHD_destroy_response(response);
        return queued;
    }
};

MirrorServer::MirrorServer(std::unique_ptr<Impl> impl, PeerEndpoint bound)
    : impl_(std::move(impl)), bound_(bound) {}

MirrorServer::~MirrorServer() = default;

Result<std::unique_ptr<MirrorServer>> MirrorServer::start(const PeerEndpoint& address,
                                                          std::shared_ptr<Mirror> mirror) {
    auto listener = listen_tcp(address, "mirror", Blocking::yes);
    if (!listener) return listener.error();
    auto impl = std::make_unique<Impl>();
    impl->mirror = std::move(mirror);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION;
    if (address.is_v6()) flags |= MHD_USE_IPv6;
    impl->daemon =
        MHD_start_daemon(flags, 0, nullptr, nullptr, &Impl::answer, impl.get(),
                         MHD_OPTION_LISTEN_SOCKET, listener->fd.get(), MHD_OPTION_CONNECTION_LIMIT,
                         max_connections, MHD_OPTION_CONNECTION_TIMEOUT, idle_timeout_seconds,
                         MHD_OPTION_CONNECTION_MEMORY_LIMIT, connection_memory, MHD_OPTION_END);
    if (impl->daemon == nullptr) {
        return make_error(Errc::io,
                          "mirror " + address.to_string() + ": libmicrohttpd did not start");
    }
    [[maybe_unused]] const int owned_by_mhd = listener->fd.release();
    return std::unique_ptr<MirrorServer>(new MirrorServer(std::move(impl), listener->bound));
}

}  // namespace aciswarm::agent::mirror
