// Livesync UDP sockets: a multicast socket joined to the group on the
// interface given by --sync-iface (TTL/hops 1, IP_MULTICAST_IF set to that
// interface, loopback on so instances on one host hear each other), and a
// unicast socket bound to --sync-bind that sends to every --sync-peer.
// Logs "listening livesync-multicast GROUP" and "listening livesync ADDR:PORT".
// Thread: the livesync thread; the sockets are non-blocking.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/log.hpp"
#include "common/peer_endpoint.hpp"
#include "common/result.hpp"
#include "tracker/livesync/config.hpp"

namespace aciswarm::livesync {

class Transport {
  public:
    static Result<std::unique_ptr<Transport>> open(const LiveSyncConfig& config, Logger& log);
    ~Transport();
    Transport(const Transport&) = delete;
    Transport& operator=(const Transport&) = delete;

    // Sockets to poll for reading.
    std::vector<int> fds() const;
    // Sends to the group and to every unicast peer; returns how many sends failed.
    std::size_t send(std::span<const std::uint8_t> datagram);

    struct Datagram {
        std::size_t size = 0;
        PeerEndpoint source;
    };
    // One datagram from fd into buffer (nullopt: nothing pending). A datagram
    // larger than the buffer is reported with its full size (MSG_TRUNC).
    std::optional<Datagram> receive(int fd, std::span<std::uint8_t> buffer);

    // The bound unicast address (port 0 resolved), if unicast is on.
    std::optional<PeerEndpoint> unicast_endpoint() const { return unicast_local_; }

  private:
    Transport() = default;
    int mcast_fd_ = -1;
    unsigned ifindex_ = 0;  // multicast interface
    int unicast_fd_ = -1;
    bool unicast_v6_ = false;
    PeerEndpoint group_;
    std::vector<PeerEndpoint> peers_;
    std::optional<PeerEndpoint> unicast_local_;
};

}  // namespace aciswarm::livesync
