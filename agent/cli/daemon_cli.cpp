// `aciswarm daemon`, `aciswarm status`, `aciswarm image seed`: the daemon and
// the two commands that talk to it over its local API (docs/daemon.md).
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iomanip>
#include <optional>
#include <ostream>

#include "agent/cli/cli.hpp"
#include "agent/daemon/client.hpp"
#include "agent/daemon/config.hpp"
#include "agent/daemon/daemon.hpp"
#include "agent/daemon/store_engine_backend.hpp"
#include "common/options.hpp"
#include "common/process_tls.hpp"
#include "common/units.hpp"

namespace aciswarm::agent {
namespace {

// A daemon config is a few KiB of JSON.
constexpr std::size_t max_config_file_bytes = 1 << 20;

// Reads the config file (a missing default file is fine, a missing --config
// file is not), then the flags over it.
Result<DaemonConfig> load_daemon_config(const ParsedOptions& options) {
    const bool explicit_file = options.has("config");
    const std::string path = options.get_or("config", std::string(default_config_path));
    DaemonConfig config;
    auto text = read_file_bounded(path, max_config_file_bytes);
    if (text) {
        if (Status s = apply_config_json(config, *text, path); !s) return s.error();
    } else if (explicit_file || text.error().code != Errc::not_found) {
        return std::move(text).error();
    }
    if (Status s = apply_config_flags(config, options); !s) return s.error();
    return config;
}

// Sends `request` to the daemon at --socket: its reply when it says ok; else
// prints "WHO: error" (with a hint when no daemon answers) and returns nullopt.
std::optional<nlohmann::json> ask_daemon(const ParsedOptions& options, const ApiRequest& request,
                                         std::string_view who, CliContext& ctx) {
    auto client = ApiClient::connect(options.get_or("socket", std::string(default_socket_path)));
    if (!client) {
        ctx.err << who << ": " << client.error().message << " (is `aciswarm daemon` running?)\n";
        return std::nullopt;
    }
    auto reply = client->request(request);
    if (!reply) {
        ctx.err << who << ": " << reply.error().message << "\n";
        return std::nullopt;
    }
    if (Status s = reply_status(*reply); !s) {
        ctx.err << who << ": " << s.error().message << "\n";
        return std::nullopt;
    }
    return std::move(*reply);
}

OptionSpec socket_option() {
    return {"socket", OptionSpec::Kind::value,
            "daemon API socket (default /run/aciswarm/agent.sock)", "PATH"};
}

// "zone rack-a: follower, leaders 10.0.0.1:6881" (docs/zones.md).
std::string zone_line(const ImageReport& i) {
    std::string line =
        "zone " + (i.zone.empty() ? std::string("(none)") : i.zone) + ": " + i.zone_role;
    if (i.zone_leaders.empty()) return line + ", no leader";
    line += i.zone_leaders.size() == 1 ? ", leader" : ", leaders";
    for (const std::string& leader : i.zone_leaders)
        line += " " + leader;
    return line;
}

}  // namespace

int cmd_daemon(std::span<const std::string> args, CliContext& ctx) {
    auto specs = config_option_specs();
    specs.push_back({"help", OptionSpec::Kind::flag, "show this help"});
    const OptionParser parser(
        "aciswarm daemon [OPTIONS]\n\nSeeds the image store per each image's policy and serves the "
        "local API.\n"
        "Options come from /etc/aciswarm/agent.json (same names as keys); flags win.\n"
        "SIGHUP reloads the configuration; SIGTERM saves resume data and stops.",
        specs,
        {"aciswarm daemon                      # /etc/aciswarm/agent.json, then defaults",
         "aciswarm daemon --seed-policy=forever --max-upload-rate=20M",
         "aciswarm daemon --config=/etc/aciswarm/test.json --listen=0.0.0.0:6882"});
    int code = exit_ok;
    auto options = parse_command(parser, args, ctx, code, "aciswarm daemon");
    if (!options) return code;
    if (!options->positional().empty()) {
        ctx.err << "aciswarm daemon: unexpected argument '" << options->positional().front()
                << "'\n";
        return exit_usage;
    }
    auto config = load_daemon_config(*options);
    if (!config) {
        ctx.err << "aciswarm daemon: " << config.error().message << "\n";
        return exit_usage;
    }
    if (config->verbose) ctx.log.set_level(LogLevel::debug);
    if (!config->ca_file.empty()) {
        // libtorrent 2.0.8 trusts a CA for HTTPS web seeds only through
        // SSL_CERT_FILE, read when its session starts: set before any thread
        // or session exists; discovery and HTTPS get the file explicitly.
        if (auto ca = set_process_ca_file(config->ca_file, "ca-file " + config->ca_file); !ca) {
            ctx.err << "aciswarm daemon: " << ca.error().message << "\n";
            return exit_usage;
        }
    }
    // Before any thread starts (the engine's): signals arrive through the daemon's signalfd.
    block_daemon_signals();
    auto backend = StoreEngineBackend::create(*config, ctx.clock, ctx.log);
    if (!backend) {
        ctx.err << "aciswarm daemon: " << backend.error().message << "\n";
        return exit_failure;
    }
    const ParsedOptions flags = *options;
    Daemon daemon(
        *config, [flags]() { return load_daemon_config(flags); }, **backend, ctx.clock, ctx.log);
    return daemon.run();
}

int cmd_status(std::span<const std::string> args, CliContext& ctx) {
    const OptionParser parser(
        "aciswarm status [--socket=PATH] [--json]\n\nThe daemon's view: every image, its state, "
        "peers, rates, uploaded bytes, ratio and seeding policy.",
        {socket_option(),
         {"json", OptionSpec::Kind::flag, "print the daemon's JSON reply"},
         {"verbose", OptionSpec::Kind::flag, "debug logging", "", 'v'},
         {"help", OptionSpec::Kind::flag, "show this help"}},
        {"aciswarm status", "aciswarm status --json | jq '.images[].state'",
         "aciswarm status --socket=/run/aciswarm/test.sock"});
    int code = exit_ok;
    auto options = parse_command(parser, args, ctx, code, "aciswarm status");
    if (!options) return code;
    auto reply = ask_daemon(*options, status_request(), "aciswarm status", ctx);
    if (!reply) return exit_failure;
    if (options->flag("json")) {
        ctx.out << reply->dump(2) << "\n";
        return exit_ok;
    }
    auto status = from_json<StatusReply>(*reply);
    if (!status) {
        ctx.err << "aciswarm status: daemon reply: " << status.error().message << "\n";
        return exit_failure;
    }
    const DaemonReport& d = status->daemon;
    ctx.out << "daemon: pid " << d.pid << ", up " << d.uptime_seconds << "s, bittorrent port "
            << d.listen_port << ", default policy " << d.seed_policy << ", seeding " << d.seeding
            << " of " << d.images << " images\n";
    if (const auto& m = status->mirror) {
        ctx.out << "mirror: http://" << m->address << ", served " << m->served << " ("
                << format_size(m->bytes_served) << ") to containerd, " << m->fallbacks
                << " sent upstream; blobs " << format_size(m->from_peers) << " from peers, "
                << format_size(m->from_upstream) << " from upstream\n";
    }
    if (status->images.empty()) return exit_ok;
    ctx.out << std::left << std::setw(40) << "IMAGE" << std::setw(28) << "NAME" << std::setw(12)
            << "STATE" << std::setw(6) << "PEERS" << std::setw(12) << "DOWN/s" << std::setw(12)
            << "UP/s" << std::setw(12) << "UPLOADED" << std::setw(7) << "RATIO"
            << "POLICY\n";
    for (const ImageReport& i : status->images) {
        char ratio[16];
        std::snprintf(ratio, sizeof ratio, "%.2f", i.ratio);
        std::string policy = i.summary.policy;
        if (i.policy_is_default) policy += " (default)";
        if (!i.stop_reason.empty()) policy += "; stopped: " + i.stop_reason;
        ctx.out << std::left << std::setw(40) << i.summary.display << std::setw(28)
                << i.summary.name << std::setw(12) << i.summary.state << std::setw(6) << i.peers
                << std::setw(12) << format_size(static_cast<std::uint64_t>(i.download_rate))
                << std::setw(12) << format_size(static_cast<std::uint64_t>(i.upload_rate))
                << std::setw(12) << format_size(i.uploaded) << std::setw(7) << ratio << policy
                << "\n";
        if (!i.zone_role.empty()) ctx.out << "  " << zone_line(i) << "\n";
    }
    return exit_ok;
}

int cmd_image_seed(std::span<const std::string> args, CliContext& ctx) {
    const OptionParser parser(
        "aciswarm image seed ID (--for=DURATION | --forever | --ratio=R | --idle=DURATION | "
        "--stop)\n\n"
        "Sets how long the daemon seeds one image (overriding the default policy).",
        {socket_option(),
         {"for", OptionSpec::Kind::value, "seed for this long from now (24h, 90m, 7d)", "DURATION"},
         {"forever", OptionSpec::Kind::flag, "seed until told otherwise (pinned)"},
         {"ratio", OptionSpec::Kind::value, "seed until uploaded bytes reach R x the image's size",
          "R"},
         {"idle", OptionSpec::Kind::value, "seed until no peer asked for this long", "DURATION"},
         {"stop", OptionSpec::Kind::flag, "stop seeding it now"},
         {"verbose", OptionSpec::Kind::flag, "debug logging", "", 'v'},
         {"help", OptionSpec::Kind::flag, "show this help"}},
        {"aciswarm image seed sha512-0123456789ab --forever",
         "aciswarm image seed sha512-0123456789ab --for=6h",
         "aciswarm image seed sha512-0123456789ab --stop"});
    int code = exit_ok;
    auto options = parse_command(parser, args, ctx, code, "aciswarm image seed");
    if (!options) return code;
    if (options->positional().size() != 1) {
        ctx.err << "aciswarm image seed: want exactly one image ID\n";
        return exit_usage;
    }
    std::vector<std::string> chosen;
    for (const char* kind : {"for", "ratio", "idle"}) {
        if (options->has(kind)) chosen.push_back(std::string(kind) + "=" + *options->get(kind));
    }
    if (options->flag("forever")) chosen.push_back("forever");
    if (options->flag("stop")) chosen.push_back("none");
    if (chosen.size() != 1) {
        ctx.err << "aciswarm image seed: give exactly one of --for, --forever, --ratio, --idle, "
                   "--stop\n";
        return exit_usage;
    }
    if (auto p = SeedPolicy::parse(chosen.front()); !p) {
        ctx.err << "aciswarm image seed: " << p.error().message << "\n";
        return exit_usage;
    }
    const std::string& image = options->positional().front();
    const ApiRequest request =
        chosen.front() == "none" ? unseed_request(image) : seed_request(image, chosen.front());
    auto reply = ask_daemon(*options, request, "aciswarm image seed", ctx);
    if (!reply) return exit_failure;
    auto seeded = from_json<SeedReply>(*reply);
    if (!seeded) {
        ctx.err << "aciswarm image seed: daemon reply: " << seeded.error().message << "\n";
        return exit_failure;
    }
    const ImageSummary& i = seeded->image.summary;
    ctx.out << i.display << ": " << i.state << ", policy " << i.policy << "\n";
    return exit_ok;
}

}  // namespace aciswarm::agent
