// Livesync configuration and the aciswarm-tracker options that fill it.
// Livesync is off unless --sync-iface (multicast) or --sync-peer (unicast) is given.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/options.hpp"
#include "common/peer_endpoint.hpp"
#include "common/result.hpp"
#include "tracker/livesync/auth.hpp"
#include "tracker/livesync/batcher.hpp"
#include "tracker/livesync/receiver.hpp"
#include "tracker/livesync/scrape_sync.hpp"

namespace aciswarm::livesync {

struct LiveSyncConfig {
    // Multicast: enabled when iface is set. group: IPv4 or IPv6 multicast address.
    PeerEndpoint group = PeerEndpoint::v4({224, 0, 42, 5}, 9696);
    std::optional<std::string> iface;  // local address of the interface to use
    // Unicast: every packet goes to each peer; we listen on bind.
    std::vector<std::string> peers;  // HOST:PORT, resolved at start
    PeerEndpoint bind = PeerEndpoint::v4({0, 0, 0, 0}, 9696);

    std::optional<SyncKey> key;
    std::vector<Cidr> allow;
    std::size_t max_datagram = default_max_datagram;
    std::chrono::milliseconds flush_delay{500};
    std::chrono::milliseconds resync_interval{std::chrono::minutes(5)};
    std::chrono::milliseconds max_age{std::chrono::seconds(30)};
    ScrapeSyncConfig scrape;
    std::vector<std::string> warnings;  // logged at start (e.g. a key file others can read)

    bool multicast() const { return iface.has_value(); }
    bool unicast() const { return !peers.empty(); }
};

// The --sync-* options, for the tracker's OptionParser.
std::vector<OptionSpec> option_specs();

// nullopt when livesync is not configured. Errors name the option; reads the key file.
Result<std::optional<LiveSyncConfig>> config_from_options(const ParsedOptions& options);

}  // namespace aciswarm::livesync
