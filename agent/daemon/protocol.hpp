// The local API's wire format: JSON lines over a Unix stream socket
// (docs/daemon.md). Each request is one JSON object on one line:
//
//   {"op":"status"}
//   {"op":"seed","image":"sha512-0123abcd","policy":"for=24h","id":7}
//
// Each reply is one JSON object on one line, "ok" true or false; "id" is
// echoed when the request had one. fetch sends {"event":"progress",...} lines
// before its final reply. Pure: no I/O.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/fetch/progress.hpp"
#include "common/result.hpp"

namespace aciswarm::agent {

enum class ApiOp { fetch, list, status, seed, unseed, rm, gc };

std::string_view api_op_name(ApiOp op);

struct ApiRequest {
    ApiOp op = ApiOp::status;
    nlohmann::json id;   // null when absent
    std::string image;   // seed, unseed, rm: an image ID or unique prefix
    std::string policy;  // seed (required), fetch (optional): a SeedPolicy spelling
    std::string source;  // fetch: name, URL, magnet or torrent path
    std::string dir;     // fetch: caller's working directory for relative paths
    std::vector<std::string>
        peers;  // fetch: peers to ask directly, "ADDR:PORT" (tracker-less swarms)
    // fetch, as `aciswarm fetch`'s options of the same names:
    std::vector<std::string> trackers;  // "trackers": announce there too
    bool no_store = false;              // "no_store": true
    bool no_https_fallback = false;     // "no_https_fallback": true
    std::string swarm_timeout;          // "swarm_timeout": a positive duration ("" = default)
    // "source_fd": true: `source` is a local file (.torrent or .aci) that the
    // client opened itself and sent, with this request's bytes, as an
    // SCM_RIGHTS descriptor. The daemon never opens a path a client names
    // (docs/security.md): a local-file source without a descriptor is refused.
    bool source_fd = false;
    // "signature": the image's detached signature (.aci.asc, armoured or binary),
    // hex on the wire: what `aciswarm fetch --signature` names or the .asc
    // beside a local .aci, read by the client like the file itself.
    std::string signature;
    // gc, as `aciswarm image gc`'s options: images unused this long go (default 24h).
    std::chrono::seconds older_than{std::chrono::hours(24)};
    bool dry_run = false;
    bool operator==(const ApiRequest&) const = default;
};

// Every request and reply has a struct here with to_json (what goes on the
// wire, without "ok" and "id": api_ok_reply adds them) and from_json (its
// decoder: missing or mistyped fields are errors naming the field). The daemon
// encodes replies and decodes requests with them; the client (client.hpp) the
// other way round. from_json<ApiRequest> is the hostile-input parser: it also
// refuses unknown fields.
template <class Message>
Result<Message> from_json(const nlohmann::json& j);

// The request as it goes on the wire: only the fields its op takes, and of
// those only the ones that differ from their defaults.
nlohmann::json to_json(const ApiRequest& req);
template <>
Result<ApiRequest> from_json<ApiRequest>(const nlohmann::json& j);

// Parses one request line (without the newline). Errors name what is wrong:
// not JSON, not an object, unknown op, missing or mistyped field, unknown field.
Result<ApiRequest> parse_api_request(std::string_view line);

// Requests built the one way the CLI and the fetch hand-off need them.
ApiRequest seed_request(std::string image, std::string policy);
ApiRequest unseed_request(std::string image);
ApiRequest status_request();

// One image in the "list" reply.
struct ImageSummary {
    std::string id;  // full image ID
    std::string display;
    std::string name;
    std::uint64_t size = 0;
    std::string state;
    std::string policy;
    bool operator==(const ImageSummary&) const = default;
};

// One image in the "status" reply and in the "seed" / "unseed" replies.
struct ImageReport {
    ImageSummary summary;
    int peers = 0;
    std::int64_t download_rate = 0;  // bytes/s
    std::int64_t upload_rate = 0;
    std::uint64_t uploaded = 0;
    double ratio = 0;
    bool policy_is_default = false;          // "policy_source": "default" (else "image")
    std::string stop_reason;                 // "" = absent
    std::optional<std::int64_t> expires_at;  // unix seconds
    // Zone-aware nodes (docs/zones.md): "zone_role" ("leader", "follower", "none"),
    // "zone" and "zone_leaders" (["ADDRESS:PORT", ...]); absent while the role is unknown.
    std::string zone_role;
    std::string zone;
    std::vector<std::string> zone_leaders;
    bool operator==(const ImageReport&) const = default;
};

struct DaemonReport {
    std::int64_t pid = 0;
    std::int64_t uptime_seconds = 0;
    int listen_port = 0;
    std::string seed_policy;
    std::string store;
    std::uint64_t images = 0;
    std::uint64_t seeding = 0;
    bool operator==(const DaemonReport&) const = default;
};

struct ListReply {
    std::vector<ImageSummary> images;
    bool operator==(const ListReply&) const = default;
};

// --mirror's totals since the daemon started (docs/oci.md).
struct MirrorReport {
    std::string address;          // "127.0.0.1:5050"
    std::uint64_t served = 0;     // manifests and blobs served to containerd
    std::uint64_t fallbacks = 0;  // 404s and 503s: containerd pulled from the registry
    std::uint64_t bytes_served = 0;
    std::uint64_t from_peers = 0;  // blob bytes into the cache from the swarm
    std::uint64_t from_upstream = 0;
    bool operator==(const MirrorReport&) const = default;
};

struct StatusReply {
    DaemonReport daemon;
    std::vector<ImageReport> images;
    std::optional<MirrorReport> mirror = {};  // with --mirror
    bool operator==(const StatusReply&) const = default;
};

// "seed" and "unseed".
struct SeedReply {
    ImageReport image;
    bool operator==(const SeedReply&) const = default;
};

struct RemoveReply {
    std::string removed;  // full image ID
    bool operator==(const RemoveReply&) const = default;
};

struct RemovedImage {
    std::string id;  // full image ID
    std::string name;
    bool operator==(const RemovedImage&) const = default;
};

// {"gc": {"removed": [...]}, "store": PATH}
struct GcReply {
    std::vector<RemovedImage> removed;
    std::string store;
    bool operator==(const GcReply&) const = default;
};

struct FetchReply {
    std::string image;  // full image ID
    std::string display;
    bool operator==(const FetchReply&) const = default;
};

nlohmann::json to_json(const ImageSummary& m);
nlohmann::json to_json(const ImageReport& m);
nlohmann::json to_json(const DaemonReport& m);
nlohmann::json to_json(const ListReply& m);
nlohmann::json to_json(const StatusReply& m);
nlohmann::json to_json(const SeedReply& m);
nlohmann::json to_json(const RemoveReply& m);
nlohmann::json to_json(const RemovedImage& m);
nlohmann::json to_json(const GcReply& m);
nlohmann::json to_json(const MirrorReport& m);
nlohmann::json to_json(const FetchReply& m);
// {"event": "progress", ...}: the lines a fetch sends before its reply, the
// fetch library's own progress type.
nlohmann::json to_json(const fetch::FetchProgress& m);
template <>
Result<ImageSummary> from_json<ImageSummary>(const nlohmann::json& j);
template <>
Result<ImageReport> from_json<ImageReport>(const nlohmann::json& j);
template <>
Result<DaemonReport> from_json<DaemonReport>(const nlohmann::json& j);
template <>
Result<MirrorReport> from_json<MirrorReport>(const nlohmann::json& j);
template <>
Result<ListReply> from_json<ListReply>(const nlohmann::json& j);
template <>
Result<StatusReply> from_json<StatusReply>(const nlohmann::json& j);
template <>
Result<SeedReply> from_json<SeedReply>(const nlohmann::json& j);
template <>
Result<RemoveReply> from_json<RemoveReply>(const nlohmann::json& j);
template <>
Result<RemovedImage> from_json<RemovedImage>(const nlohmann::json& j);
template <>
Result<GcReply> from_json<GcReply>(const nlohmann::json& j);
template <>
Result<FetchReply> from_json<FetchReply>(const nlohmann::json& j);
template <>
Result<fetch::FetchProgress> from_json<fetch::FetchProgress>(const nlohmann::json& j);

// {"ok":false,"error":"...","code":"invalid argument"} (+ "id"): Error's to_json.
nlohmann::json api_error_reply(const Error& error, const nlohmann::json& id = nullptr);
// The Error a refusal reply carries: its message, and its "code" read back
// (errc_name's spelling), so the kind survives the socket (a trust refusal
// stays Errc::untrusted). A reply without a known code is Errc::internal.
Error api_reply_error(const nlohmann::json& reply);
// {"ok":true} (+ "id") merged with `fields`.
nlohmann::json api_ok_reply(nlohmann::json fields, const nlohmann::json& id = nullptr);

// Splits a byte stream into lines with a length limit. A line longer than the
// limit (newline not yet seen after `max_line` bytes) is an error; the buffer
// is then unusable and the connection should be closed.
class LineBuffer {
  public:
    explicit LineBuffer(std::size_t max_line) : max_line_(max_line) {}

    // Appends bytes; returns complete lines (without "\n", and without a trailing "\r").
    Result<std::vector<std::string>> feed(std::string_view bytes);
    bool empty() const { return pending_.empty(); }

  private:
    std::size_t max_line_;
    std::string pending_;
    bool failed_ = false;
};

}  // namespace aciswarm::agent
