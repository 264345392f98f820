#include "agent/origin/origin_server.hpp"

#include <microhttpd.h>

#include "common/file_read.hpp"
#include "common/tcp_listen.hpp"

namespace aciswarm::agent::origin {
namespace {

constexpr unsigned max_connections = 128;
constexpr unsigned idle_timeout_seconds = 60;
constexpr std::size_t connection_memory = 16 * 1024;
constexpr std::size_t max_pem_bytes = 1 << 20;

std::string query_value(MHD_Connection* connection, const char* name) {
    const char* v = MHD_lookup_connection_value(connection, MHD_GET_ARGUMENT_KIND, name);
    return v == nullptr ? std::string() : std::string(v);
}

}  // namespace

struct OriginServer::Impl {
    std::shared_ptr<Origin> origin;
    std::string cert;  // PEM text: libmicrohttpd keeps pointers to them
    std::string key;
    MHD_Daemon* daemon = nullptr;
    ~Impl() {
        if (daemon != nullptr) MHD_stop_daemon(daemon);
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
        const std::string_view verb(method);
        OriginResponse r{405, "GET or HEAD only\n", "text/plain; charset=utf-8"};
        if (verb == "GET" || verb == "HEAD") {
            r = static_cast<Impl*>(cls)->origin->handle(url, query_value(connection, "ns"),
                                                        query_value(connection, "repo"));
        }
        MHD_Response* response = MHD_create_response_from_buffer(
            r.body.size(), const_cast<char*>(r.body.data()), MHD_RESPMEM_MUST_COPY);
        if (response == nullptr) return MHD_NO;
        MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, r.content_type.c_str());
        MHD_add_response_header(response, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
        if (r.status == 503) MHD_add_response_header(response, MHD_HTTP_HEADER_RETRY_AFTER, "5");
        const MHD_Result queued =
            MHD_queue_response(connection, static_cast<unsigned>(r.status), response);
        MHD_destroy_response(response);
        return queued;
    }
};

OriginServer::OriginServer(std::unique_ptr<Impl> impl, PeerEndpoint bound)
    : impl_(std::move(impl)), bound_(bound) {}

OriginServer::~OriginServer() = default;

Result<std::unique_ptr<OriginServer>> OriginServer::start(const PeerEndpoint& address,
                                                          const TlsFiles& tls,
                                                          std::shared_ptr<Origin> origin) {
    const std::string where = "origin " + address.to_string();
    auto impl = std::make_unique<Impl>();
    impl->origin = std::move(origin);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION;
    if (address.is_v6()) flags |= MHD_USE_IPv6;
    const bool use_tls = !tls.cert_file.empty() || !tls.key_file.empty();
    if (use_tls) {
        auto cert = read_file_bounded(tls.cert_file, max_pem_bytes);
        if (!cert) return with_context(where, std::move(cert).error());
        auto key = read_file_bounded(tls.key_file, max_pem_bytes);
        if (!key) return with_context(where, std::move(key).error());
        impl->cert = std::move(*cert);
        impl->key = std::move(*key);
        flags |= MHD_USE_TLS;
    }
    auto listener = listen_tcp(address, "origin", Blocking::yes);
    if (!listener) return listener.error();
    // Options after the TLS pair's place are ignored without TLS (MHD_OPTION_END there).
    impl->daemon = MHD_start_daemon(
        flags, 0, nullptr, nullptr, &Impl::answer, impl.get(), MHD_OPTION_LISTEN_SOCKET,
        listener->fd.get(), MHD_OPTION_CONNECTION_LIMIT, max_connections,
        MHD_OPTION_CONNECTION_TIMEOUT, idle_timeout_seconds, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        connection_memory, use_tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, impl->cert.c_str(),
        MHD_OPTION_HTTPS_MEM_KEY, impl->key.c_str(), MHD_OPTION_END);
    if (impl->daemon == nullptr) {
        return make_error(Errc::io,
                          where + ": libmicrohttpd did not start (a bad certificate or key?)");
    }
    [[maybe_unused]] const int owned_by_mhd = listener->fd.release();
    const PeerEndpoint bound = listener->bound;
    return std::unique_ptr<OriginServer>(new OriginServer(std::move(impl), bound));
}

}  // namespace aciswarm::agent::origin
