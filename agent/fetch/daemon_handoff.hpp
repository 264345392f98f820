// `aciswarm fetch --seed=background`: after an in-process fetch, hand the
// stored image to the running daemon (docs/daemon.md) with one "seed" request
// on its Unix socket, so seeding goes on after the command exits. A minimal
// JSON-lines exchange: the fetch library sits below the daemon library and
// cannot use its ApiClient.
#pragma once

#include <chrono>
#include <string>

#include "common/image_id.hpp"
#include "common/result.hpp"

namespace aciswarm::agent::fetch {

// Sends {"op":"seed","image":ID,"policy":POLICY} and waits for the reply.
// Errc::not_found when nothing listens on the socket; the daemon's own error
// message when it answers "ok": false.
Status hand_to_daemon(const std::string& socket_path, const ImageId& image,
                      const std::string& policy,
                      std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace aciswarm::agent::fetch
