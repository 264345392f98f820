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
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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
    // gc, as `aciswarm image gc`'s options: images unused this long go (default 24h).
    std::chrono::seconds older_than{std::chrono::hours(24)};
    bool dry_run = false;
};

// Parses one request line (without the newline). Errors name what is wrong:
// not JSON, not an object, unknown op, missing or mistyped field, unknown field.
Result<ApiRequest> parse_api_request(std::string_view line);

// {"ok":false,"error":"...","code":"invalid_argument"} (+ "id").
nlohmann::json api_error_reply(const Error& error, const nlohmann::json& id = nullptr);
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
