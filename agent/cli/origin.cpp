// aciswarm origin: registry blobs into torrents (agent/origin/origin.hpp,
// docs/oci.md "Origin: blobs into torrents"). Serves
// GET /metainfo/sha256:<hex>?ns=<registry>&repo=<name> on --listen; pulls a
// blob from its --upstream once, verifies it, writes its deterministic
// .torrent to --cache and --whitelist-dir and seeds it until stopped
// (SIGINT/SIGTERM; a second one exits at once).
//
// Threads: the command's thread waits for the stop request; libmicrohttpd's
// connection threads run the pulls; the Engine has its own alert thread.
#include <condition_variable>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <ostream>

#include "agent/cli/auth_options.hpp"
#include "agent/cli/cli.hpp"
#include "agent/cli/interrupt.hpp"
#include "agent/engine/engine.hpp"
#include "agent/engine/engine_options.hpp"
#include "agent/origin/origin.hpp"
#include "agent/origin/origin_server.hpp"
#include "common/file_read.hpp"
#include "common/options.hpp"
#include "common/units.hpp"
#include "oci/reference.hpp"
#include "oci/registry_client.hpp"

namespace aciswarm::agent {
namespace {

namespace fs = std::filesystem;

constexpr engine::EngineOptionUse origin_engine_options[] = {
    {"lsd"},        {"dht"}, {"max-upload-rate"}, {"max-connections"}, {"exempt-local-peers"},
    {"encryption"},
};

constexpr std::size_t max_docker_config_bytes = 1 << 20;

// One row per option: name, kind, help, metavar (validation: parse_origin_command).
const OptionParser& parser() {
    static const OptionParser p = [] {
        using K = OptionSpec::Kind;
        std::vector<OptionSpec> specs{
            {"listen", K::value, "HTTP(S) address of the /metainfo service (port 0: any)",
             "ADDR:PORT"},
            {"tls-cert", K::value, "serve HTTPS with this PEM certificate (with --tls-key)",
             "FILE"},
            {"tls-key", K::value, "the PEM private key of --tls-cert", "FILE"},
            {"upstream", K::list,
             "a registry to pull from, as ?ns= names it; =URL sets its address (default "
             "https://REGISTRY, docker.io: https://registry-1.docker.io; http:// allowed)",
             "REGISTRY[=URL]"},
            {"upstream-ca-file", K::value, "CA bundle for the upstreams' HTTPS", "FILE"},
            {"docker-config", K::value,
             "registry credentials from a Docker config.json (auths: auth, identitytoken)", "FILE"},
            {"auth-dir", K::value, std::string(auth_dir_help), "DIR"},
            {"cache", K::value, "where blobs and their .torrent files are kept", "DIR"},
            {"tracker", K::list, "tracker announce URL put into every torrent", "URL"},
            {"whitelist-dir", K::value,
             "the tracker's --dir: each .torrent is written there too, so the tracker admits it",
             "DIR"},
            {"pull-timeout", K::value, "longest a request waits for a pull (default 5m)",
             "DURATION"},
            {"max-pulls", K::value, "different blobs pulled at once; more get 503 (default 8)",
             "N"},
            {"bittorrent-listen", K::list,
             "BitTorrent listen address (default 0.0.0.0:6881 and [::]:6881; port 0: any)",
             "ADDR:PORT"},
            {"super-seed", K::value,
             "BEP 16 super-seeding of every blob: hand out each piece once before repeating "
             "(default false; bench/oci measures both)",
             "BOOL"},
        };
        for (OptionSpec& s : engine::engine_option_specs(origin_engine_options))
            specs.push_back(std::move(s));
        return OptionParser(
            "aciswarm origin --listen=ADDR:PORT --upstream=REGISTRY --cache=DIR [OPTIONS]\n\n"
            "Turns registry blobs into torrents: GET /metainfo/sha256:<hex>?ns=REGISTRY&repo=NAME "
            "answers the blob's .torrent, pulling and seeding it on first use.",
            with_common_flags(std::move(specs)),
            {"aciswarm origin --listen=0.0.0.0:8090 --upstream=docker.io --cache=/var/cache/origin "
             "--tracker=http://tracker:6969/announce --whitelist-dir=/srv/tracker/torrents",
             "aciswarm origin --listen=127.0.0.1:8090 "
             "--upstream=registry.local:5000=http://registry.local:5000 --cache=/tmp/origin"});
    }();
    return p;
}

struct OriginCommand {
    PeerEndpoint listen;
    origin::TlsFiles tls;
    std::map<std::string, std::string> upstreams;  // registry → base URL
    std::string upstream_ca_file;
    std::map<std::string, oci::RegistryAuth> docker_auths;
    origin::OriginConfig config;
    engine::EngineConfig engine;
    bool super_seed = false;
};

// "REGISTRY" or "REGISTRY=URL".
Status add_upstream(OriginCommand& cmd, const std::string& text) {
    const std::size_t eq = text.find('=');
    const std::string name = oci::normalize_registry_key(text.substr(0, eq));
    std::string url =
        eq == std::string::npos ? "https://" + oci::registry_api_host(name) : text.substr(eq + 1);
    if (name.empty() || !(url.starts_with("https://") || url.starts_with("http://"))) {
        return make_error(
            Errc::invalid_argument,
            "--upstream=" + text + ": want REGISTRY or REGISTRY=http(s)://HOST[:PORT]");
    }
    cmd.upstreams[name] = url;
    return {};
}

Status read_origin_limits(OriginCommand& cmd, const ParsedOptions& opts) {
    if (auto v = opts.get("pull-timeout")) {
        auto d = parse_duration_option("--pull-timeout", *v, std::chrono::seconds(1));
        if (!d) return std::move(d).error();
        cmd.config.pull_timeout = *d;
    }
    if (auto v = opts.get("max-pulls")) {
        auto n = parse_integer_option("--max-pulls", *v, 1, 1024);
        if (!n) return std::move(n).error();
        cmd.config.max_pulls = static_cast<std::size_t>(*n);
    }
    if (auto v = opts.get("docker-config")) {
        auto text = read_file_bounded(*v, max_docker_config_bytes);
        if (!text) return std::move(text).error();
        auto auths = oci::parse_docker_config(*text, *v);
        if (!auths) return std::move(auths).error();
        cmd.docker_auths = std::move(*auths);
    }
    return {};
}

Result<OriginCommand> parse_origin_command(const ParsedOptions& opts) {
    OriginCommand cmd;
    for (const char* required : {"listen", "cache"}) {
        if (!opts.has(required)) {
            return make_error(Errc::invalid_argument, std::string("need --") + required);
        }
    }
    auto listen = PeerEndpoint::parse(*opts.get("listen"));
    if (!listen) return with_context("--listen", std::move(listen).error());
    cmd.listen = *listen;
    cmd.tls = {opts.get_or("tls-cert", ""), opts.get_or("tls-key", "")};
    if (cmd.tls.cert_file.empty() != cmd.tls.key_file.empty()) {
        return make_error(Errc::invalid_argument, "--tls-cert and --tls-key go together");
    }
    for (const std::string& u : opts.get_all("upstream")) {
        if (auto ok = add_upstream(cmd, u); !ok) return std::move(ok).error();
    }
    if (cmd.upstreams.empty()) return make_error(Errc::invalid_argument, "need --upstream");
    cmd.upstream_ca_file = opts.get_or("upstream-ca-file", "");
    cmd.config.cache_dir = *opts.get("cache");
    cmd.config.whitelist_dir = opts.get_or("whitelist-dir", "");
    cmd.config.trackers = opts.get_all("tracker");
    if (auto ok = read_origin_limits(cmd, opts); !ok) return std::move(ok).error();
    if (auto v = opts.get("super-seed")) {
        auto b = parse_bool("super-seed", *v);
        if (!b) return std::move(b).error();
        cmd.super_seed = *b;
    }
    cmd.engine.listen_interfaces = {"0.0.0.0:6881", "[::]:6881"};
    if (opts.has("bittorrent-listen"))
        cmd.engine.listen_interfaces = opts.get_all("bittorrent-listen");
    if (auto ok = engine::apply_engine_options(cmd.engine, opts, origin_engine_options); !ok) {
        return std::move(ok).error();
    }
    return cmd;
}

std::map<std::string, std::shared_ptr<oci::Registry>> make_upstreams(
    const OriginCommand& cmd, const http::Credentials& credentials) {
    std::map<std::string, std::shared_ptr<oci::Registry>> out;
    for (const auto& [name, url] : cmd.upstreams) {
        oci::RegistryClientOptions options;
        options.registry = name;
        options.base_url = url;
        options.http.allow_http = url.starts_with("http://");
        options.http.ca_file = cmd.upstream_ca_file;
        options.http.credentials = credentials;
        if (const auto auth = cmd.docker_auths.find(name); auth != cmd.docker_auths.end())
            options.auth = auth->second;
        out.emplace(name, std::make_shared<oci::RegistryClient>(std::move(options)));
    }
    return out;
}

// Seeds through the engine; a torrent already in the session is seeding.
origin::SeedFn engine_seeder(engine::Engine& engine, bool super_seed) {
    return [&engine, super_seed](const std::string& torrent, const fs::path& blob_dir) -> Status {
        auto id = engine.add_seed(
            {.torrent = torrent, .save_path = blob_dir, .verify = false, .super_seed = super_seed});
        if (!id && id.error().code != Errc::already_exists) return std::move(id).error();
        return {};
    };
}

// Until SIGINT or SIGTERM (InterruptWatcher turns the first into a stop request).
int wait_for_stop(const InterruptWatcher& interrupt, CliContext& ctx) {
    std::mutex mutex;
    std::condition_variable_any stopped;
    std::unique_lock lock(mutex);
    stopped.wait(lock, interrupt.token(), [] { return false; });
    ctx.log.info("stopping");
    return exit_ok;
}

int serve(const OriginCommand& cmd, const InterruptWatcher& interrupt, CliContext& ctx,
          const ParsedOptions& opts) {
    auto credentials = load_auth_options(opts, ctx.log);
    if (!credentials) {
        ctx.err << "aciswarm origin: " << credentials.error().message << "\n";
        return exit_failure;
    }
    auto engine = engine::Engine::create(cmd.engine, ctx.log, ctx.clock);
    if (!engine) {
        ctx.err << "aciswarm origin: " << engine.error().message << "\n";
        return exit_failure;
    }
    auto origin =
        std::make_shared<origin::Origin>(cmd.config, make_upstreams(cmd, *credentials),
                                         engine_seeder(**engine, cmd.super_seed), ctx.log);
    auto seeded = origin->start();
    if (!seeded) {
        ctx.err << "aciswarm origin: " << seeded.error().message << "\n";
        return exit_failure;
    }
    auto server = origin::OriginServer::start(cmd.listen, cmd.tls, origin);
    if (!server) {
        ctx.err << "aciswarm origin: " << server.error().message << "\n";
        return exit_failure;
    }
    ctx.log.info("seeding ", *seeded, " cached blobs; upstreams: ", cmd.upstreams.size());
    ctx.log.info("listening ", cmd.tls.cert_file.empty() ? "http " : "https ",
                 (*server)->endpoint().to_string());
    return wait_for_stop(interrupt, ctx);
}

}  // namespace

int cmd_origin(std::span<const std::string> args, CliContext& ctx) {
    int code = exit_ok;
    auto opts = parse_command(parser(), args, ctx, code, "aciswarm origin");
    if (!opts) return code;
    auto cmd =
        opts->positional().empty()
            ? parse_origin_command(*opts)
            : Result<OriginCommand>(make_error(Errc::invalid_argument, "takes no arguments"));
    if (!cmd) {
        ctx.err << "aciswarm origin: " << cmd.error().message << "\n";
        return exit_usage;
    }
    // Before any thread starts: every thread inherits the blocked signals.
    const InterruptWatcher interrupt(ctx.log);
    const int rc = serve(*cmd, interrupt, ctx, *opts);
    return rc;
}

}  // namespace aciswarm::agent
