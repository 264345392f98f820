#include "agent/daemon/config.hpp"

#include <nlohmann/json.hpp>

#include "agent/mirror/route.hpp"
#include "common/peer_endpoint.hpp"
#include "common/units.hpp"

namespace aciswarm::agent {
namespace {

Error bad(std::string_view name, std::string_view value, std::string_view why) {
    return make_error(Errc::invalid_argument,
                      std::string(name) + ": '" + std::string(value) + "': " + std::string(why));
}

Result<std::chrono::milliseconds> to_duration(std::string_view name, std::string_view value) {
    return parse_duration_option(name, value, std::chrono::milliseconds(1));
}

Status set_path(std::string& field, std::string_view name, std::string_view value) {
    if (value.empty() || value.front() != '/') return bad(name, value, "not an absolute path");
    field = value;
    return {};
}

// --web, --mirror: "off" -> "", "PORT" -> "127.0.0.1:PORT", "ADDR:PORT" as given (normalized).
Result<std::string> parse_http_address(std::string_view name, std::string_view value) {
    if (value == "off") return std::string();
    if (value.find(':') == std::string_view::npos) {
        auto port = parse_integer_option(name, value, 0, 65535);
        if (!port) return port.error();
        return "127.0.0.1:" + std::to_string(*port);
    }
    auto ep = PeerEndpoint::parse(value);
    if (!ep) return bad(name, value, ep.error().message);
    return ep->to_string();
}

// A row of the engine option table (agent/engine/engine_options.hpp).
ConfigOption engine_row(std::string_view name) {
    const engine::EngineOption& o = engine::engine_option(name);
    return {o.name, o.metavar, o.help, o.kind == OptionSpec::Kind::flag, nullptr, false, &o};
}

Status set_option(const ConfigOption& o, DaemonConfig& config, std::string_view value) {
    if (o.engine == nullptr) return o.set(config, value);
    const std::string text(value);
    return o.engine->set(config.engine, o.name, std::span<const std::string>(&text, 1));
}

// Built on first use, not at static initialization: the engine table lives in
// another library, whose initialization order is not ours to rely on.
// long-function: one row per daemon option, read as a table (docs/daemon.md lists the same)
std::span<const ConfigOption> options_table() {
    static const ConfigOption table[] = {
        {"trust-dir", "DIR",
         "trusted signing keys (default /etc/aciswarm/trustedkeys over "
         "/usr/lib/aciswarm/trustedkeys)",
         false,
         [](DaemonConfig& c, std::string_view v) { return set_path(c.trust_dir, "trust-dir", v); }},
        {"auth-dir", "DIR",
         "registry credentials, rkt's auth.d JSON files (default /etc/aciswarm/auth.d over "
         "/usr/lib/aciswarm/auth.d); re-read on SIGHUP",
         false,
         [](DaemonConfig& c, std::string_view v) { return set_path(c.auth_dir, "auth-dir", v); }},
        {"insecure-options", "LIST", "image: fetch images without checking their signature", false,
         [](DaemonConfig& c, std::string_view v) -> Status {
             if (v == "image") {
                 c.insecure_image = true;
             } else if (v != "none" && !v.empty()) {
                 return bad("insecure-options", v, "not one of image, none");
             }
             return {};
         }},
        {"store", "DIR", "image store directory (default /var/lib/aciswarm)", false,
         [](DaemonConfig& c, std::string_view v) { return set_path(c.store, "store", v); }},
        // Downloads in progress live in the store's staging area now (agent/fetch);
        // the key is still accepted so older configurations start.
        {"cache-dir", "DIR", "unused (deprecated: downloads in progress live in the store)", false,
         [](DaemonConfig& c, std::string_view v) { return set_path(c.cache_dir, "cache-dir", v); },
         true},
        {"max-image-size", "SIZE",
         "largest image accepted, as stored and uncompressed (suffix k, M, G; default 8G)", false,
         [](DaemonConfig& c, std::string_view v) -> Status {
             auto n = parse_size_option("max-image-size", v, 1);
             if (!n) return n.error();
             c.max_image_size = *n;
             return {};
         }},
        {"socket", "PATH", "local API socket (default /run/aciswarm/agent.sock)", false,
         [](DaemonConfig& c, std::string_view v) { return set_path(c.socket, "socket", v); }},
        {"socket-group", "GROUP",
         "group that may use the API besides the owner and root; empty = owner only (default "
         "aciswarm)",
         false,
         [](DaemonConfig& c, std::string_view v) -> Status {
             c.socket_group = v;
             return {};
         }},
        {"seed-policy", "POLICY",
         "default seeding policy: forever, ratio=R, for=DURATION, idle=DURATION, none (default "
         "idle=24h)",
         false,
         [](DaemonConfig& c, std::string_view v) -> Status {
             auto p = SeedPolicy::parse(v);
             if (!p) return with_context("seed-policy", p.error());
             c.seed_policy = *p;
             return {};
         }},
        {"listen", "ADDR:PORT",
         "BitTorrent listen address, port 0 = any free port (default 0.0.0.0:6881)", false,
         [](DaemonConfig& c, std::string_view v) -> Status {
             auto ep = PeerEndpoint::parse(v);
             if (!ep) return bad("listen", v, ep.error().message);
             c.listen_address = ep->address_string();
             c.listen_port = ep->port();
             return {};
         }},
        {"listen-port", "PORT", "BitTorrent listen port (deprecated: use listen)", false,
         [](DaemonConfig& c, std::string_view v) -> Status {
             auto n = parse_integer_option("listen-port", v, 0, 65535);
             if (!n) return n.error();
             c.listen_port = static_cast<int>(*n);
             return {};
         },
         true},
        {"listen-address", "ADDR", "BitTorrent listen address (deprecated: use listen)", false,
         [](DaemonConfig& c, std::string_view v) -> Status {
             if (v.empty()) return bad("listen-address", v, "empty");
             c.listen_address = v;
             return {};
         },
         true},
        {"web", "ADDR:PORT|PORT|off",
         "serve the read-only node page and Prometheus /metrics there; a bare PORT binds "
         "127.0.0.1 (default off)",
         false,
         [](DaemonConfig& c, std::string_view v) -> Status {
             auto web = parse_http_address("web", v);
             if (!web) return web.error();
             c.web = *web;
             return {};
         }},
        {"mirror", "ADDR:PORT|PORT|off",
         "serve the OCI registry API there as containerd's registry mirror (`aciswarm mirror "
         "setup` points containerd at it); a bare PORT binds 127.0.0.1 (default off)",
         false,
         [](DaemonConfig& c, std::string_view v) -> Status {
             auto mirror = parse_http_address("mirror", v);
             if (!mirror) return mirror.error();
             c.mirror = *mirror;
             return {};
         }},
        {"mirror-http-registries", "LIST",
         "registries the mirror reaches over plain HTTP instead of HTTPS, comma-separated "
         "host[:port] (default none)",
         false,
         [](DaemonConfig& c, std::string_view v) -> Status {
             std::set<std::string> names;
             for (std::string_view rest = v; !rest.empty();) {
                 const auto comma = rest.find(',');
                 const std::string_view name = rest.substr(0, comma);
                 if (!mirror::valid_registry(name))
                     return bad("mirror-http-registries", name, "not a registry host[:port]");
                 names.emplace(name);
                 rest = comma == std::string_view::npos ? "" : rest.substr(comma + 1);
             }
             c.mirror_http_registries = std::move(names);
             return {};
         }},
        {"mirror-origin", "URL",
         "the origin (`aciswarm origin`) the mirror asks for blob torrents, so blobs come from "
         "the swarm before upstream; empty = upstream only (default)",
         false,
         [](DaemonConfig& c, std::string_view v) -> Status {
             if (!v.empty() && !v.starts_with("http://") && !v.starts_with("https://"))
                 return bad("mirror-origin", v, "not an http:// or https:// URL");
             c.mirror_origin = v;
             while (c.mirror_origin.ends_with('/'))
                 c.mirror_origin.pop_back();
             return {};
         }},
        {"mirror-swarm-timeout", "DURATION",
         "longest a blob download from the swarm may go without receiving a byte before the "
         "mirror takes the blob from upstream instead (default 60s)",
         false,
         [](DaemonConfig& c, std::string_view v) -> Status {
             auto d = to_duration("mirror-swarm-timeout", v);
             if (!d) return d.error();
             c.mirror_swarm_timeout = *d;
             return {};
         }},
        {"mirror-blob-wait", "DURATION",
         "longest a mirror request waits with no byte of its blob arriving before answering "
         "503, so containerd pulls it from upstream (the fetch goes on); default 10s",
         false,
         [](DaemonConfig& c, std::string_view v) -> Status {
             auto d = to_duration("mirror-blob-wait", v);
             if (!d) return d.error();
             c.mirror_blob_wait = *d;
             return {};
         }},
        engine_row("max-upload-rate"),
        engine_row("max-download-rate"),
        engine_row("exempt-local-peers"),
        engine_row("max-connections"),
        engine_row("lsd"),
        engine_row("dht"),
        engine_row("zone"),
        engine_row("leader-candidate"),
        engine_row("leader-timeout"),
        engine_row("upload-capacity"),
        engine_row("download-capacity"),
        engine_row("tracker-key"),
        {"resume-interval", "DURATION", "how often resume data is saved (default 5m)", false,
         [](DaemonConfig& c, std::string_view v) -> Status {
             auto d = to_duration("resume-interval", v);
             if (!d) return d.error();
             c.resume_interval = *d;
             return {};
         }},
        {"tick", "DURATION", "policy checks and progress events interval (default 1s)", false,
         [](DaemonConfig& c, std::string_view v) -> Status {
             auto d = to_duration("tick", v);
             if (!d) return d.error();
             c.tick = *d;
             return {};
         }},
        {"max-request-bytes", "SIZE", "largest API request line (default 64k)", false,
         [](DaemonConfig& c, std::string_view v) -> Status {
             auto n = parse_size_option("max-request-bytes", v, 64, 16 * 1024 * 1024);
             if (!n) return n.error();
             c.max_request_bytes = static_cast<std::size_t>(*n);
             return {};
         }},
        {"max-clients", "N",
         "API clients at once; more get an error and are closed (default 128; keep it below "
         "LimitNOFILE)",
         false,
         [](DaemonConfig& c, std::string_view v) -> Status {
             auto n = parse_integer_option("max-clients", v, 1, 65536);
             if (!n) return n.error();
             c.max_clients = static_cast<std::size_t>(*n);
             return {};
         }},
        {"max-client-output", "BYTES",
         "replies queued for one API client that does not read them before it is dropped (default "
         "4194304)",
         false,
         [](DaemonConfig& c, std::string_view v) -> Status {
             auto n = parse_integer_option("max-client-output", v, 4096, 1LL << 30);
             if (!n) return n.error();
             c.max_client_output_bytes = static_cast<std::size_t>(*n);
             return {};
         }},
        {"shutdown-timeout", "DURATION",
         "on SIGTERM, how long fetches get to stop before the daemon exits without them (default "
         "10s)",
         false,
         [](DaemonConfig& c, std::string_view v) -> Status {
             auto d = to_duration("shutdown-timeout", v);
             if (!d) return d.error();
             c.shutdown_timeout = *d;
             return {};
         }},
        {"ca-file", "FILE",
         "PEM file of CAs to trust instead of the system's: discovery, HTTPS and web seeds (a "
         "private registry); read at start",
         false,
         [](DaemonConfig& c, std::string_view v) { return set_path(c.ca_file, "ca-file", v); }},
        {"verbose", "BOOL", "debug logging (also -v)", true,
         [](DaemonConfig& c, std::string_view v) -> Status {
             auto b = parse_bool("verbose", v);
             if (!b) return b.error();
             c.verbose = *b;
             return {};
         }},
    };
    return table;
}

const ConfigOption* find_option(std::string_view name) {
    for (const ConfigOption& o : options_table()) {
        if (o.name == name) return &o;
    }
    return nullptr;
}

}  // namespace

std::span<const ConfigOption> config_options() {
    return options_table();
}

std::vector<OptionSpec> config_option_specs() {
    std::vector<OptionSpec> specs;
    specs.push_back({"config", OptionSpec::Kind::value,
                     "configuration file (default /etc/aciswarm/agent.json; missing is fine)",
                     "FILE"});
    for (const ConfigOption& o : options_table()) {
        OptionSpec s{std::string(o.name),
                     o.is_flag ? OptionSpec::Kind::flag : OptionSpec::Kind::value,
                     std::string(o.help), std::string(o.metavar)};
        if (o.name == "verbose") s.short_name = 'v';
        s.hidden = o.deprecated;
        specs.push_back(std::move(s));
    }
    return specs;
}

Status apply_config_json(DaemonConfig& config, std::string_view json_text,
                         std::string_view source) {
    const std::string where(source);
    nlohmann::json doc = nlohmann::json::parse(json_text, nullptr, false);
    if (doc.is_discarded()) return make_error(Errc::invalid_argument, where + ": not valid JSON");
    if (!doc.is_object()) return make_error(Errc::invalid_argument, where + ": not a JSON object");
    DaemonConfig next = config;  // all or nothing: bad input changes nothing
    for (const auto& [key, value] : doc.items()) {
        const ConfigOption* o = find_option(key);
        if (o == nullptr)
            return make_error(Errc::invalid_argument, where + ": unknown key '" + key + "'");
        std::string text;
        if (value.is_string()) {
            text = value.get<std::string>();
        } else if (value.is_boolean() && o->is_flag) {
            text = value.get<bool>() ? "true" : "false";
        } else if (value.is_number_integer() && !o->is_flag) {
            text = value.dump();
        } else {
            return make_error(Errc::invalid_argument,
                              where + ": key '" + key + "': wrong type " + value.type_name());
        }
        if (Status s = set_option(*o, next, text); !s) return with_context(where, s.error());
    }
    config = std::move(next);
    return {};
}

Status apply_config_flags(DaemonConfig& config, const ParsedOptions& options) {
    DaemonConfig next = config;
    for (const ConfigOption& o : options_table()) {
        if (!options.has(o.name)) continue;
        const std::string value = o.is_flag ? (options.flag(o.name) ? "true" : "false")
                                            : options.get(o.name).value_or("");
        if (Status s = set_option(o, next, value); !s) {
            // The setters name the key ("max-upload-rate: '4Q' ..."); on the
            // command line it is the flag, named once.
            const std::string key = std::string(o.name) + ": ";
            const std::string& message = s.error().message;
            return make_error(s.error().code,
                              "--" + (message.starts_with(key) ? message : key + message));
        }
    }
    if (options.count("verbose") > 0 && options.flag("verbose")) next.verbose = true;
    config = std::move(next);
    return {};
}

}  // namespace aciswarm::agent
