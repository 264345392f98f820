// The one client of the local API (docs/daemon.md), used by `aciswarm status`,
// `aciswarm image seed`, `aciswarm image gc` and `aciswarm fetch` (which hands
// downloads to the daemon when its socket answers, and with --seed=background
// hands it the fetched image to seed). Requests are protocol.hpp's ApiRequest,
// encoded by its to_json. Thread: one thread per ApiClient.
#pragma once

#include <chrono>
#include <functional>
#include <span>
#include <string>

#include <nlohmann/json.hpp>

#include "agent/daemon/protocol.hpp"
#include "common/fd.hpp"
#include "common/result.hpp"

namespace aciswarm::agent {

class ApiClient {
  public:
    // Connects to the daemon's socket. Errc::not_found when nothing listens
    // there (no socket file, or connection refused), Errc::permission when the
    // socket's mode keeps us out; the message names the path.
    static Result<ApiClient> connect(const std::string& socket_path);
    ~ApiClient() = default;
    ApiClient(ApiClient&& other) noexcept = default;
    ApiClient& operator=(ApiClient&& other) noexcept = default;
    ApiClient(const ApiClient&) = delete;
    ApiClient& operator=(const ApiClient&) = delete;

    using EventFn = std::function<void(const nlohmann::json& event)>;

    // Sends one request (encoded by to_json) and returns the final reply, as call().
    Result<nlohmann::json> request(const ApiRequest& request, const EventFn& on_event = {},
                                   std::chrono::milliseconds timeout = std::chrono::seconds(30));
    // As request(), sending `file` with it: a fetch with source_fd set.
    Result<nlohmann::json> request_with_file(
        const ApiRequest& request, int file, const EventFn& on_event = {},
        std::chrono::milliseconds timeout = std::chrono::seconds(30));

    // Sends one JSON object (tests of the wire format) and returns the final reply (ok true or
    // false; a false reply is returned as a value, not an error). Lines with "event" go to
    // on_event. Errors: I/O, the daemon closing early, a line that is not JSON,
    // or no reply within `timeout`.
    Result<nlohmann::json> call(const nlohmann::json& request, const EventFn& on_event = {},
                                std::chrono::milliseconds timeout = std::chrono::seconds(30));

    // As call(), sending `file` (an open descriptor) with the request as
    // SCM_RIGHTS: a fetch with "source_fd": true (docs/daemon.md).
    Result<nlohmann::json> call_with_file(
        const nlohmann::json& request, int file, const EventFn& on_event = {},
        std::chrono::milliseconds timeout = std::chrono::seconds(30));

    // Sends raw bytes (tests of malformed input).
    Status send_raw(std::string_view bytes);
    // Sends raw bytes with descriptors attached (SCM_RIGHTS) in the first message.
    Status send_with_files(std::string_view bytes, std::span<const int> files);
    // Reads one reply line (tests).
    Result<nlohmann::json> read_reply(std::chrono::milliseconds timeout);

  private:
    explicit ApiClient(UniqueFd fd, std::string path)
        : fd_(std::move(fd)), path_(std::move(path)) {}
    Result<std::string> read_line(std::chrono::milliseconds timeout);
    // Reads lines until the final reply, handing "event" lines to on_event.
    Result<nlohmann::json> await_reply(const EventFn& on_event, std::chrono::milliseconds timeout);

    UniqueFd fd_;
    std::string path_;
    std::string buffer_;
};

// Turns a reply with "ok": false into its Error (protocol.hpp's
// api_reply_error: the daemon's message and error kind).
Status reply_status(const nlohmann::json& reply);

// A reply decoded as `Reply` with protocol.hpp's from_json; a failed call or
// a refusal is its Error.
template <class Reply>
Result<Reply> decode_reply(Result<nlohmann::json> reply) {
    if (!reply) return std::move(reply).error();
    if (Status s = reply_status(*reply); !s) return s.error();
    return from_json<Reply>(*reply);
}

// Connects to `socket_path`, sends one request and turns a refusal into an
// Error: `aciswarm fetch --seed=background` handing the image to the daemon.
// Errc::not_found when nothing listens there; the message names the socket.
Status call_daemon(const std::string& socket_path, const ApiRequest& request,
                   std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace aciswarm::agent
