#include "agent/mirror/mirror.hpp"

#include <nlohmann/json.hpp>

#include "common/text.hpp"

namespace aciswarm::agent::mirror {
namespace {

constexpr std::string_view api_version_header = "Docker-Distribution-API-Version";
constexpr std::string_view api_version = "registry/2.0";

// The distribution API's error body: {"errors":[{"code":..,"message":..}]}.
MirrorResponse error_response(int status, std::string_view code, const std::string& message) {
    MirrorResponse r;
    r.status = status;
    r.headers = {{"Content-Type", "application/json"},
                 {std::string(api_version_header), std::string(api_version)}};
    const nlohmann::json body = {
        {"errors", nlohmann::json::array({{{"code", code}, {"message", message}}})}};
    r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return r;
}

std::string_view unknown_code(const MirrorRoute& route) {
    return route.kind == MirrorRoute::Kind::blob ? "BLOB_UNKNOWN" : "MANIFEST_UNKNOWN";
}

// Decrements the in-flight count however the request ends.
class InFlight {
  public:
    explicit InFlight(std::atomic<std::size_t>& n) : n_(n) {}
    ~InFlight() { n_.fetch_sub(1); }
    InFlight(const InFlight&) = delete;
    InFlight& operator=(const InFlight&) = delete;

  private:
    std::atomic<std::size_t>& n_;
};

}  // namespace

Mirror::Mirror(std::shared_ptr<MirrorSource> source, std::size_t max_in_flight, Logger& log)
    : source_(std::move(source)), max_in_flight_(max_in_flight), log_(log) {}

MirrorResponse Mirror::handle(const MirrorRequest& request) {
    requests_.fetch_add(1);
    MirrorResponse r = route_and_answer(request);
    if (log_.enabled(LogLevel::debug)) {
        log_.debug("mirror: ", request.head ? "HEAD " : "GET ", escape_control(request.path, 300),
                   " ns=", escape_control(request.ns.value_or(""), 100), ": ", r.status, " ",
                   r.status == 200 ? std::to_string(r.content_length()) + " bytes"
                                   : escape_control(r.body, 300));
    }
    return r;
}

MirrorResponse Mirror::route_and_answer(const MirrorRequest& request) {
    auto route = parse_mirror_route(request.path, request.ns);
    if (!route) {
        refused_.fetch_add(1);
        return error_response(400, "NAME_INVALID", route.error().message);
    }
    if (route->kind == MirrorRoute::Kind::api_version) {
        MirrorResponse r;
        r.headers = {{"Content-Type", "application/json"},
                     {std::string(api_version_header), std::string(api_version)}};
        r.body = "{}";
        return r;
    }
    InFlight guard(in_flight_);
    if (in_flight_.fetch_add(1) >= max_in_flight_) {
        unavailable_.fetch_add(1);
        return error_response(
            503, "UNAVAILABLE",
            "mirror busy: " + std::to_string(max_in_flight_) + " requests in flight; ask upstream");
    }
    return answer(*route, request);
}

MirrorResponse Mirror::answer(const MirrorRoute& route, const MirrorRequest& request) {
    if (!source_) {
        not_found_.fetch_add(1);
        return error_response(404, unknown_code(route), "no source for " + route.registry);
    }
    if (route.kind == MirrorRoute::Kind::manifest) {
        auto m = source_->manifest(route, request);
        if (!m) return failed(route, m.error());
        MirrorResponse r;
        r.headers = {{"Content-Type", m->media_type},
                     {"Docker-Content-Digest", m->digest.to_string()},
                     {std::string(api_version_header), std::string(api_version)}};
        r.body = std::move(m->bytes);
        manifests_.fetch_add(1);
        if (!request.head) bytes_.fetch_add(r.body.size());
        return r;
    }
    auto blob = source_->blob(route, request);
    if (!blob) return failed(route, blob.error());
    MirrorResponse r;
    r.headers = {{"Content-Type", "application/octet-stream"},
                 {"Docker-Content-Digest", route.digest->to_string()},
                 {std::string(api_version_header), std::string(api_version)}};
    r.file = std::move(*blob);
    blobs_.fetch_add(1);
    if (!request.head) bytes_.fetch_add(r.file->size);
    return r;
}

MirrorResponse Mirror::failed(const MirrorRoute& route, const Error& error) {
    if (error.code == Errc::not_found) {
        not_found_.fetch_add(1);
        return error_response(404, unknown_code(route), error.message);
    }
    unavailable_.fetch_add(1);
    return error_response(503, "UNAVAILABLE", error.message);
}

MirrorResponse Mirror::method_not_allowed() {
    requests_.fetch_add(1);
    refused_.fetch_add(1);
    MirrorResponse r = error_response(405, "UNSUPPORTED", "read-only mirror: GET and HEAD only");
    r.headers.emplace_back("Allow", "GET, HEAD");
    return r;
}

MirrorCounters Mirror::counters() const {
    return {requests_.load(),
            manifests_.load(),
            blobs_.load(),
            bytes_.load(),
            not_found_.load(),
            unavailable_.load(),
            refused_.load(),
            source_ ? source_->bytes_by_source() : std::map<std::string, std::uint64_t>{}};
}

}  // namespace aciswarm::agent::mirror
