#include "tracker/app/config.hpp"

#include <cstdlib>
#include <fstream>
#include <thread>

#include "common/file_read.hpp"
#include "common/units.hpp"

namespace aciswarm::tracker {
namespace {

using K = OptionSpec::Kind;

// A duration option in whole seconds (a bare number is seconds: "900", "15m").
Result<std::uint64_t> parse_seconds(std::string_view name, std::string_view text, std::uint64_t min,
                                    std::uint64_t max) {
    const std::string option = "--" + std::string(name);
    auto d =
        parse_duration_option(option, text, std::chrono::seconds(min), std::chrono::seconds(max));
    if (!d) return std::move(d).error();
    if (d->count() % 1000 != 0) {
        return make_error(Errc::invalid_argument, option + ": '" + std::string(text) +
                                                      "' is not a whole number of seconds");
    }
    return static_cast<std::uint64_t>(d->count() / 1000);
}

Result<std::vector<PeerEndpoint>> parse_listen(std::string_view name,
                                               const std::vector<std::string>& values) {
    std::vector<PeerEndpoint> out;
    for (const auto& v : values) {
        auto ep = PeerEndpoint::parse(v);
        if (!ep) {
            return make_error(Errc::invalid_argument,
                              "--" + std::string(name) + "=" + v + ": " + ep.error().message);
        }
        out.push_back(*ep);
    }
    if (out.empty()) {
        out.push_back(*PeerEndpoint::parse("0.0.0.0:6969"));
        out.push_back(*PeerEndpoint::parse("[::]:6969"));
    }
    return out;
}

}  // namespace

// The tracker's own options followed by livesync's --sync-* options.
std::vector<OptionSpec> with_livesync(std::vector<OptionSpec> specs) {
    auto sync = livesync::option_specs();
    specs.insert(specs.end(), sync.begin(), sync.end());
    return specs;
}

const OptionParser& config_parser() {
    static const OptionParser parser(
        "aciswarm-tracker [OPTIONS]\n\n"
        "A BitTorrent tracker (HTTP and UDP) for the images published in --dir.\n"
        "Durations take units (100ms, 30s, 5m, 6h; a bare number is seconds), sizes\n"
        "k, M, G (1024-based). SIGHUP rescans --dir; SIGTERM stops.",
        with_livesync({
            {"http", K::list, "HTTP listen address (default 0.0.0.0:6969 and [::]:6969)",
             "ADDR:PORT"},
            {"udp", K::list, "UDP listen address (default 0.0.0.0:6969 and [::]:6969)",
             "ADDR:PORT"},
            {"mode", K::value, "peer-list mode: small (default), large or surge", "MODE"},
            {"maxpeers", K::value, "most peers in one reply (default 50, at most 512)", "N"},
            {"dir", K::value, "directory of .torrent files to track", "PATH"},
            {"keys", K::value,
             "private swarms: answer only announces and scrapes whose URL carries one of the "
             "keys in FILE as ?passkey=KEY (one per line; re-read on SIGHUP; docs/private.md)",
             "FILE"},
            {"scan", K::value, "rescan --dir for changes (default true with --dir)", "BOOL"},
            {"scan-interval", K::value, "time between scans of --dir (default 5s)", "DURATION"},
            {"scan-watch", K::value,
             "also rescan --dir as soon as a file in it changes (inotify; default true)", "BOOL"},
            {"locked", K::value, "only track info hashes from --dir (default true)", "BOOL"},
            {"interval", K::value, "announce interval (default 15m)", "DURATION"},
            {"min-interval", K::value, "minimum announce interval (default 1m)", "DURATION"},
            {"full-scrape", K::value, "allow /scrape without info_hash (default false)", "BOOL"},
            {"daemon", K::value, "detach and run in the background (default false)", "BOOL"},
            {"pidfile", K::value, "write the process id here", "PATH"},
            {"config", K::value, "read options from FILE (name=value lines)", "FILE"},
            {"workers", K::value, "worker threads (default: one per CPU)", "N"},
            {"max-torrents", K::value, "most swarms held (default 1000000)", "N"},
            {"max-peers-per-torrent", K::value, "most peers per swarm (default 100000)", "N"},
            {"max-connections", K::value, "most open HTTP connections (default 4096)", "N"},
            {"max-connections-per-address", K::value,
             "most open HTTP connections from one address (default 128)", "N"},
            {"reserved-connections", K::value,
             "of --max-connections, the last N only for addresses with no open connection "
             "(default 512)",
             "N"},
            {"first-request-timeout", K::value,
             "time a new connection may stay silent before its first request (default 3s)",
             "DURATION"},
            {"header-timeout", K::value, "time a client has to send a request (default 10s)",
             "DURATION"},
            {"idle-timeout", K::value, "time a keep-alive connection may idle (default 30s)",
             "DURATION"},
            {"state", K::value,
             "keep completed counts in this SQLite file, or off (default "
             "$STATE_DIRECTORY/tracker.state under systemd, else off)",
             "FILE|off"},
            {"state-reset", K::flag,
             "start with an empty state file when the one in --state is corrupt or newer", ""},
            {"web", K::value,
             "web pages on their own listener, or off (default: on the --http listeners)",
             "ADDR:PORT|off"},
            {"web-show-peers", K::value, "list peer addresses on the web pages (default true)",
             "BOOL"},
            {"zone", K::list,
             "peers with addresses in CIDR are in zone NAME; overrules the zone agents "
             "announce",
             "NAME=CIDR"},
            {"zones", K::value, "read NAME=CIDR lines from FILE (again on SIGHUP)", "FILE"},
            {"leaders-per-zone", K::value,
             "leaders elected per torrent and zone (default 1, at most 16)", "N"},
            {"verbose", K::flag, "log one line per request", "", 'v'},
            {"help", K::flag, "show this help", "", 'h'},
        }),
        {"aciswarm-tracker --dir=/srv/registry --http=0.0.0.0:6969 --udp=0.0.0.0:6969",
         "aciswarm-tracker --config=/etc/aciswarm/tracker.conf",
         "aciswarm-tracker --dir=/srv/registry --sync-peer=10.0.0.2:9696 "
         "--sync-key=/etc/aciswarm/sync.key"});
    return parser;
}

Result<std::vector<std::string>> read_config_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) return make_error(Errc::io, "--config=" + path + ": cannot open");
    std::vector<std::string> args;
    std::string line;
    int lineno = 0;
    while (std::getline(in, line)) {
        ++lineno;
        std::string_view s = line;
        while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
            s.remove_prefix(1);
        while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
            s.remove_suffix(1);
        }
        if (s.empty() || s.front() == '#') continue;
        if (s.starts_with("--")) s.remove_prefix(2);
        if (s.empty() || s.front() == '-') {
            return make_error(Errc::invalid_argument,
                              path + ":" + std::to_string(lineno) + ": bad option line");
        }
        args.push_back("--" + std::string(s));
    }
    return args;
}

namespace {

// The --config file's lines, then the command line (later values win). Repeatable
// listen options from the command line replace the file's.
Result<std::vector<std::string>> merged_args(const OptionParser& parser, const ParsedOptions& cli,
                                             const std::vector<std::string>& args, Config& config) {
    std::vector<std::string> merged;
    if (auto file = cli.get("config")) {
        auto lines = read_config_file(*file);
        if (!lines) return std::move(lines).error();
        config.config_file = *file;
        auto from_file = parser.parse(*lines);
        if (!from_file) return with_context(*file, std::move(from_file).error());
        for (const auto& l : *lines) {
            const bool is_listen = l.starts_with("--http") || l.starts_with("--udp");
            if (is_listen && cli.has(l.starts_with("--http") ? "http" : "udp")) continue;
            merged.push_back(l);
        }
    }
    merged.insert(merged.end(), args.begin(), args.end());
    return merged;
}

// Typed reads of optional values: the fallback when absent, errors name the option.
struct OptionReader {
    const ParsedOptions& o;

    Result<bool> boolean(const char* name, bool fallback) const {
        auto v = o.get(name);
        if (!v) return fallback;
        return parse_bool(name, *v);
    }
    Result<std::uint64_t> number(const char* name, std::uint64_t fallback, std::uint64_t min,
                                 std::uint64_t max) const {
        auto v = o.get(name);
        if (!v) return fallback;
        auto n = parse_integer_option("--" + std::string(name), *v, static_cast<std::int64_t>(min),
                                      static_cast<std::int64_t>(max));
        if (!n) return std::move(n).error();
        return static_cast<std::uint64_t>(*n);
    }
    Result<std::uint64_t> seconds(const char* name, std::uint64_t fallback, std::uint64_t min,
                                  std::uint64_t max) const {
        auto v = o.get(name);
        if (!v) return fallback;
        return parse_seconds(name, *v, min, max);
    }
};

#define ACISWARM_TRY(var, expr) \
    auto var = (expr);          \
    if (!var) return std::move(var).error();

// The announce logic and the whitelist: mode, peers, --dir, intervals, scrape.
Status read_tracking_options(const OptionReader& r, Config& c) {
    if (auto m = r.o.get("mode")) {
        auto mode = parse_mode(*m);
        if (!mode) {
            return make_error(Errc::invalid_argument,
                              "--mode: '" + *m + "' is not small, large or surge");
        }
        c.settings.mode = *mode;
    }
    ACISWARM_TRY(maxpeers, r.number("maxpeers", 50, 0, kMaxPeersLimit));
    c.settings.maxpeers = static_cast<std::uint32_t>(*maxpeers);
    c.dir = r.o.get_or("dir", "");
    c.keys_file = r.o.get_or("keys", "");
    ACISWARM_TRY(scan, r.boolean("scan", !c.dir.empty()));
    c.scan = *scan && !c.dir.empty();
    ACISWARM_TRY(scan_interval, r.seconds("scan-interval", 5, 1, 3600));
    c.scan_interval = static_cast<std::uint32_t>(*scan_interval);
    ACISWARM_TRY(scan_watch, r.boolean("scan-watch", true));
    c.scan_watch = *scan_watch && c.scan;
    ACISWARM_TRY(locked, r.boolean("locked", true));
    c.settings.locked = *locked;
    ACISWARM_TRY(interval, r.seconds("interval", 900, 1, 86400));
    c.settings.interval = static_cast<std::uint32_t>(*interval);
    ACISWARM_TRY(min_interval,
                 r.seconds("min-interval", std::min<std::uint64_t>(60, *interval), 1, 86400));
    c.settings.min_interval = static_cast<std::uint32_t>(*min_interval);
    ACISWARM_TRY(full_scrape, r.boolean("full-scrape", false));
    c.settings.full_scrape = *full_scrape;
    ACISWARM_TRY(max_torrents, r.number("max-torrents", 1'000'000, 1, 1ULL << 32));
    c.settings.max_torrents = *max_torrents;
    ACISWARM_TRY(max_peers, r.number("max-peers-per-torrent", 100'000, 1, 1ULL << 31));
    c.settings.max_peers_per_torrent = static_cast<std::uint32_t>(*max_peers);
    return {};
}

// The process and the network: daemon, pidfile, workers, connection caps, timeouts.
Status read_process_options(const OptionReader& r, Config& c) {
    ACISWARM_TRY(daemon, r.boolean("daemon", false));
    c.daemon = *daemon;
    c.pidfile = r.o.get_or("pidfile", "");
    ACISWARM_TRY(workers, r.number("workers", 0, 0, 256));
    c.server.workers = static_cast<unsigned>(*workers);
    if (c.server.workers == 0) c.server.workers = std::max(1u, std::thread::hardware_concurrency());
    ACISWARM_TRY(max_conn, r.number("max-connections", 4096, 1, 1'000'000));
    c.server.max_connections = *max_conn;
    ACISWARM_TRY(per_address, r.number("max-connections-per-address", 128, 1, 1'000'000));
    c.server.max_connections_per_address = *per_address;
    ACISWARM_TRY(reserved, r.number("reserved-connections",
                                    std::min<std::uint64_t>(512, *max_conn / 8), 0, 1'000'000));
    if (*reserved >= c.server.max_connections) {
        return make_error(Errc::invalid_argument,
                          "--reserved-connections=" + std::to_string(*reserved) +
                              ": must be less than --max-connections (" +
                              std::to_string(c.server.max_connections) + ")");
    }
    c.server.reserved_connections = *reserved;
    ACISWARM_TRY(first_request_timeout, r.seconds("first-request-timeout", 3, 1, 3600));
    c.server.first_request_timeout = static_cast<std::uint32_t>(*first_request_timeout);
    ACISWARM_TRY(header_timeout, r.seconds("header-timeout", 10, 1, 3600));
    c.server.header_timeout = static_cast<std::uint32_t>(*header_timeout);
    ACISWARM_TRY(idle_timeout, r.seconds("idle-timeout", 30, 1, 3600));
    c.server.idle_timeout = static_cast<std::uint32_t>(*idle_timeout);
    return {};
}

// --state, --state-reset. The default follows systemd's StateDirectory= (it exports
// STATE_DIRECTORY); run by hand without --state, the tracker keeps no state file.
void read_state_options(const ParsedOptions& o, Config& c) {
    const char* state_directory = std::getenv("STATE_DIRECTORY");
    std::string fallback;
    if (state_directory != nullptr && *state_directory != '\0') {
        // systemd may list several directories separated by ':'; the first is ours.
        const std::string_view dirs(state_directory);
        fallback = std::string(dirs.substr(0, dirs.find(':'))) + "/tracker.state";
    }
    const std::string state = o.get_or("state", fallback);
    c.state_file = state == "off" ? "" : state;
    c.state_reset = o.flag("state-reset");
}

// --web, --web-show-peers.
Status read_web_options(const OptionReader& r, Config& c) {
    if (auto web = r.o.get("web")) {
        if (*web == "off") {
            c.web = Config::Web::off;
        } else if (*web != "on") {
            auto listen = PeerEndpoint::parse(*web);
            if (!listen) {
                return make_error(Errc::invalid_argument,
                                  "--web=" + *web + ": " + listen.error().message);
            }
            c.web = Config::Web::own_listener;
            c.web_listen = *listen;
        }
    }
    ACISWARM_TRY(show_peers, r.boolean("web-show-peers", true));
    c.web_show_peers = *show_peers;
    return {};
}
// --zone rows, then the --zones file's; --leaders-per-zone.
Status read_zone_options(const OptionReader& r, Config& c) {
    constexpr std::size_t kMaxZonesFile = 4 << 20;
    std::vector<zones::ZoneRow> rows;
    for (const std::string& value : r.o.get_all("zone")) {
        auto row = zones::parse_zone_row(value);
        if (!row) return with_context("--zone=" + value, std::move(row).error());
        rows.push_back(*row);
    }
    c.zones_file = r.o.get_or("zones", "");
    if (!c.zones_file.empty()) {
        const std::string name = "--zones=" + c.zones_file;
        auto fd = open_regular_file(c.zones_file, Symlinks::follow, name);
        if (!fd) return std::move(fd).error();
        auto text = read_regular_file(fd->get(), name, kMaxZonesFile);
        if (!text) return std::move(text).error();
        auto file_rows = zones::parse_zones_file(*text, c.zones_file);
        if (!file_rows) return std::move(file_rows).error();
        rows.insert(rows.end(), file_rows->begin(), file_rows->end());
    }
    auto map = zones::ZoneMap::from_rows(std::move(rows));
    if (!map) return std::move(map).error();
    c.zones = std::make_shared<const zones::ZoneMap>(std::move(*map));
    ACISWARM_TRY(leaders, r.number("leaders-per-zone", 1, 1, zones::kMaxLeadersPerZone));
    c.settings.leaders_per_zone = *leaders;
    return {};
}
#undef ACISWARM_TRY

}  // namespace

Result<Config> load_config(const std::vector<std::string>& args) {
    const OptionParser& parser = config_parser();
    auto cli = parser.parse(args);
    if (!cli) return std::move(cli).error();
    if (!cli->positional().empty()) {
        return make_error(Errc::invalid_argument,
                          "unexpected argument '" + cli->positional().front() + "'");
    }
    Config c;
    auto merged = merged_args(parser, *cli, args, c);
    if (!merged) return std::move(merged).error();
    auto opts = parser.parse(*merged);
    if (!opts) return std::move(opts).error();
    const ParsedOptions& o = *opts;

    c.help = o.flag("help");
    c.verbose = o.count("verbose");
    c.server.verbose = c.verbose > 0;
    auto http = parse_listen("http", o.get_all("http"));
    if (!http) return std::move(http).error();
    c.server.http = std::move(*http);
    auto udp = parse_listen("udp", o.get_all("udp"));
    if (!udp) return std::move(udp).error();
    c.server.udp = std::move(*udp);

    const OptionReader reader{o};
    if (auto ok = read_tracking_options(reader, c); !ok) return std::move(ok).error();
    if (auto ok = read_process_options(reader, c); !ok) return std::move(ok).error();
    read_state_options(o, c);
    if (auto ok = read_web_options(reader, c); !ok) return std::move(ok).error();
    if (auto ok = read_zone_options(reader, c); !ok) return std::move(ok).error();
    auto sync = livesync::config_from_options(o);
    if (!sync) return std::move(sync).error();
    c.livesync = std::move(*sync);
    return c;
}

}  // namespace aciswarm::tracker
