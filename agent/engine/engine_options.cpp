#include "agent/engine/engine_options.hpp"

#include <algorithm>
#include <cctype>
#include <limits>
#include <stdexcept>

#include "common/units.hpp"

namespace aciswarm::engine {
namespace {

// libtorrent keeps rate limits in an int.
constexpr std::uint64_t max_engine_rate = std::numeric_limits<int>::max();

using Values = std::span<const std::string>;

// The last value given: a value option given twice keeps the second.
std::string_view last(Values values) {
    return values.empty() ? std::string_view{} : std::string_view(values.back());
}

Status set_rate(std::int64_t& field, std::string_view option, Values values) {
    auto r = parse_rate_option(option, last(values), 0, max_engine_rate);
    if (!r) return std::move(r).error();
    field = static_cast<std::int64_t>(*r);
    return {};
}

// An announced capacity (docs/zones.md): a rate, not a libtorrent limit, so 64-bit.
Status set_capacity(std::uint64_t& field, std::string_view option, Values values) {
    auto r = parse_rate_option(option, last(values), 0, std::numeric_limits<std::int64_t>::max());
    if (!r) return std::move(r).error();
    field = *r;
    return {};
}

Status set_bool(bool& field, std::string_view option, Values values) {
    // parse_bool puts the dashes back: "--lsd: 'x' is not a boolean ...".
    option.remove_prefix(std::min(option.find_first_not_of('-'), option.size()));
    auto b = parse_bool(option, last(values));
    if (!b) return std::move(b).error();
    field = *b;
    return {};
}

// A parse_*_policy error names the text; this names the option too.
template <typename T>
Status set_named(T& field, std::string_view option, Result<T> parsed) {
    if (!parsed) return with_context(std::string(option), parsed.error());
    field = *parsed;
    return {};
}

const EngineOption table[] = {
    {"listen", OptionSpec::Kind::list, "ADDR:PORT",
     "BitTorrent listen address (port 0: any free port)", "",
     [](EngineConfig& c, std::string_view, Values v) -> Status {
         c.listen_interfaces.assign(v.begin(), v.end());
         return {};
     }},
    {"max-upload-rate", OptionSpec::Kind::value, "RATE",
     "upload limit in bytes/s (4M = 4 MiB/s; k, M, G are 1024-based), 0 = unlimited", "",
     [](EngineConfig& c, std::string_view o, Values v) {
         return set_rate(c.upload_rate_limit, o, v);
     }},
    {"max-download-rate", OptionSpec::Kind::value, "RATE",
     "download limit in bytes/s (4M = 4 MiB/s; k, M, G are 1024-based), 0 = unlimited", "",
     [](EngineConfig& c, std::string_view o, Values v) {
         return set_rate(c.download_rate_limit, o, v);
     }},
    {"max-connections", OptionSpec::Kind::value, "N", "peer connection limit (default 200)",
     "connections-limit",
     [](EngineConfig& c, std::string_view o, Values v) -> Status {
         auto n = parse_integer_option(o, last(v), 1, 65535);
         if (!n) return std::move(n).error();
         c.connections_limit = static_cast<int>(*n);
         return {};
     }},
    {"exempt-local-peers", OptionSpec::Kind::flag, "BOOL",
     "rate limits spare peers on local networks (default false: limits hold for every peer)", "",
     [](EngineConfig& c, std::string_view o, Values v) {
         return set_bool(c.exempt_local_peers, o, v);
     }},
    {"encryption", OptionSpec::Kind::value, "POLICY",
     "peer protocol encryption: prefer (default), require, disable", "",
     [](EngineConfig& c, std::string_view o, Values v) {
         return set_named(c.encryption, o, parse_encryption_policy(last(v)));
     }},
    {"dht", OptionSpec::Kind::flag, "BOOL", "the DHT (default false: private clusters)", "",
     [](EngineConfig& c, std::string_view o, Values v) { return set_bool(c.dht, o, v); }},
    {"lsd", OptionSpec::Kind::flag, "BOOL", "local service discovery (default true; --lsd=false)",
     "",
     [](EngineConfig& c, std::string_view o, Values v) {
         return set_bool(c.local_service_discovery, o, v);
     }},
    {"web-seeds", OptionSpec::Kind::value, "POLICY",
     "when web seeds join a download: fallback (default: once no peer sent a byte for 2s, "
     "removed while a swarm with a seed delivers), always (from the start)",
     "",
     [](EngineConfig& c, std::string_view o, Values v) {
         return set_named(c.web_seed_use, o, parse_web_seed_use(last(v)));
     }},
    {"tracker-key", OptionSpec::Kind::value, "KEY",
     "private swarms: this node's key, sent to the trackers of private torrents as "
     "?passkey=KEY (docs/private.md)",
     "",
     [](EngineConfig& c, std::string_view o, Values v) -> Status {
         const std::string_view key = last(v);
         const bool plain = std::all_of(key.begin(), key.end(), [](char ch) {
             return std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '.' ||
                    ch == '_' || ch == '~';
         });
         if (key.size() < 16 || key.size() > 128 || !plain) {
             return make_error(
                 Errc::invalid_argument,
                 std::string(o) + ": a key is 16 to 128 characters of A-Z a-z 0-9 - . _ ~");
         }
         c.tracker_key = key;
         return {};
     }},
    {"web-seed-request", OptionSpec::Kind::value, "SIZE",
     "longest byte range asked of a web seed at once (default 1M; libtorrent's own 16M)", "",
     [](EngineConfig& c, std::string_view o, Values v) -> Status {
         auto r = parse_size_option(o, last(v), 16 * 1024, 1 << 30);
         if (!r) return std::move(r).error();
         c.web_seed_request_bytes = static_cast<int>(*r);
         return {};
     }},
    {"piece-shares", OptionSpec::Kind::flag, "BOOL",
     "take this node's own share of the pieces first, so the origin sends each piece about "
     "once (default true; off with --zone)",
     "",
     [](EngineConfig& c, std::string_view o, Values v) { return set_bool(c.piece_shares, o, v); }},
    {"zone", OptionSpec::Kind::value, "NAME",
     "this node's zone, announced to the tracker (docs/zones.md): no PEX, DHT or LSD; "
     "without --leader-candidate a follower",
     "",
     [](EngineConfig& c, std::string_view o, Values v) -> Status {
         if (auto ok = check_zone_name(last(v), o); !ok) return ok;
         c.zone.zone = last(v);
         return {};
     }},
    {"leader-candidate", OptionSpec::Kind::flag, "BOOL",
     "stand for election as a leader of the zone (default false)", "",
     [](EngineConfig& c, std::string_view o, Values v) {
         return set_bool(c.zone.leader_candidate, o, v);
     }},
    {"leader-timeout", OptionSpec::Kind::value, "DURATION",
     "a follower uses the web seed only when no leader of its zone made progress for this "
     "long (default 10s; 0: as any node)",
     "",
     [](EngineConfig& c, std::string_view o, Values v) -> Status {
         auto d = parse_duration_option(o, last(v), std::chrono::milliseconds(0),
                                        std::chrono::hours(24));
         if (!d) return std::move(d).error();
         c.zone.leader_timeout = *d;
         return {};
     }},
    {"upload-capacity", OptionSpec::Kind::value, "RATE",
     "upload capacity announced for the leader election, bytes/s (default: not announced)", "",
     [](EngineConfig& c, std::string_view o, Values v) {
         return set_capacity(c.zone.upload_capacity, o, v);
     }},
    {"download-capacity", OptionSpec::Kind::value, "RATE",
     "download capacity announced for the leader election, bytes/s (default: not announced)", "",
     [](EngineConfig& c, std::string_view o, Values v) {
         return set_capacity(c.zone.download_capacity, o, v);
     }},
};

}  // namespace

std::span<const EngineOption> engine_options() {
    return table;
}

const EngineOption& engine_option(std::string_view name) {
    for (const EngineOption& o : table) {
        if (o.name == name) return o;
    }
    throw std::out_of_range("no engine option named '" + std::string(name) + "'");
}

std::vector<OptionSpec> engine_option_specs(std::span<const EngineOptionUse> uses) {
    std::vector<OptionSpec> specs;
    for (const EngineOptionUse& use : uses) {
        const EngineOption& o = engine_option(use.name);
        OptionSpec spec{std::string(o.name), o.kind,
                        std::string(use.help.empty() ? o.help : use.help),
                        o.kind == OptionSpec::Kind::flag ? "" : std::string(o.metavar)};
        if (!o.alias.empty()) spec.aliases.emplace_back(o.alias);
        specs.push_back(std::move(spec));
    }
    return specs;
}

Status apply_engine_options(EngineConfig& config, const ParsedOptions& parsed,
                            std::span<const EngineOptionUse> uses) {
    for (const EngineOptionUse& use : uses) {
        const EngineOption& o = engine_option(use.name);
        if (!parsed.has(o.name)) continue;
        std::vector<std::string> values;
        if (o.kind == OptionSpec::Kind::flag) {
            values.emplace_back(parsed.flag(o.name) ? "true" : "false");
        } else {
            values = parsed.get_all(o.name);
        }
        if (Status s = o.set(config, "--" + std::string(o.name), values); !s) return s;
    }
    return {};
}

}  // namespace aciswarm::engine
