// aciswarm-tracker's configuration: command-line options in the project's
// --name=value form, optionally read from a file (--config=FILE: one option per
// line, "name=value" or "--name=value", '#' comments). The command line wins
// over the file. SIGHUP re-reads the file (listen addresses stay as bound).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/options.hpp"
#include "common/peer_endpoint.hpp"
#include "common/result.hpp"
#include "tracker/core/tracker.hpp"
#include "tracker/livesync/config.hpp"
#include "tracker/server/server.hpp"
#include "tracker/zones/zone_map.hpp"

namespace aciswarm::tracker {

struct Config {
    // The network: listen addresses (--http, --udp), workers (resolved: never 0),
    // connection caps, timeouts and per-request logging, held as the server's own
    // options and handed to it as they are (TrackerProcess adds the routes).
    ServerOptions server;
    TrackerSettings settings;
    std::string dir;  // empty: no whitelist directory
    // --keys: private swarms (tracker/core/keys.hpp); empty: every node admitted.
    std::string keys_file;
    bool scan = false;
    std::uint32_t scan_interval = 5;  // seconds between directory scans
    bool scan_watch = false;          // and at once on an inotify event (tracker/app/dir_watch.hpp)
    bool daemon = false;
    std::string pidfile;
    std::string config_file;
    // --state: the SQLite state file (completed counts, first/last seen); empty: none,
    // counts live in memory only. Default: $STATE_DIRECTORY/tracker.state when systemd
    // sets STATE_DIRECTORY (the unit's StateDirectory=), otherwise none.
    std::string state_file;
    bool state_reset = false;  // --state-reset: discard the state file, start empty
    // --web: the read-only web pages (tracker/web). Default: on the --http listeners;
    // ADDR:PORT: on a listener of their own (and not on --http); off: nowhere.
    enum class Web { on_http, own_listener, off } web = Web::on_http;
    std::optional<PeerEndpoint> web_listen;  // with Web::own_listener
    bool web_show_peers = true;              // --web-show-peers
    // --zone=NAME=CIDR rows and the --zones=FILE rows (read again on SIGHUP), as one
    // map (docs/zones.md); no rows: agents' zone= claims decide.
    std::string zones_file;
    std::shared_ptr<const zones::ZoneMap> zones = std::make_shared<const zones::ZoneMap>();
    int verbose = 0;
    bool help = false;
    std::optional<livesync::LiveSyncConfig> livesync;  // --sync-*: off unless configured
};

const OptionParser& config_parser();

// Parses command-line args (argv[1..]); reads --config=FILE first when given.
Result<Config> load_config(const std::vector<std::string>& args);

// "name=value" lines -> "--name=value" args; names the file and line on error.
Result<std::vector<std::string>> read_config_file(const std::string& path);

}  // namespace aciswarm::tracker
