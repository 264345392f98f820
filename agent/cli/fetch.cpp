// `aciswarm fetch IMAGE`: an image into the store through the swarm, its web
// seed or plain HTTPS (agent/fetch, docs/fetch.md); prints the image ID.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iomanip>
#include <limits>
#include <memory>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "agent/cli/auth_options.hpp"
#include "agent/cli/cli.hpp"
#include "agent/cli/interrupt.hpp"
#include "agent/cli/progress_line.hpp"
#include "agent/cli/store_cli.hpp"
#include "agent/cli/trust_options.hpp"
#include "agent/daemon/client.hpp"
#include "agent/engine/engine.hpp"
#include "agent/engine/engine_options.hpp"
#include "agent/fetch/fetcher.hpp"
#include "agent/store/store.hpp"
#include "common/duration.hpp"
#include "common/file_read.hpp"
#include "common/options.hpp"
#include "common/process_tls.hpp"
#include "common/units.hpp"
#include "oci/manifest.hpp"
#include "torrent/torrent_file.hpp"

namespace aciswarm::agent {
namespace {

using namespace aciswarm::agent::fetch;

constexpr std::string_view default_daemon_socket = "/run/aciswarm/agent.sock";

// The engine options fetch takes (agent/engine/engine_options.hpp); each
// means an in-process fetch, as the daemon's engine has its own settings.
constexpr engine::EngineOptionUse fetch_engine_options[] = {
    {"listen", "BitTorrent listen address (default 0.0.0.0:0 and [::]:0)"},
    {"max-upload-rate"},
    {"max-download-rate"},
    {"max-connections"},
    {"exempt-local-peers"},
    {"encryption"},
    {"dht"},
    {"lsd"},
    {"web-seeds"},
    {"web-seed-request"},
    {"piece-shares"},
    {"zone"},
    {"leader-candidate"},
    {"leader-timeout"},
    {"upload-capacity"},
    {"download-capacity"},
    {"tracker-key"},
};

// fetch's own options with the engine's after --tracker, and those of
// converted images (oci:, docker://; docs/oci.md) at the end.
std::vector<OptionSpec> with_engine_options(std::vector<OptionSpec> own) {
    auto engine_specs = engine::engine_option_specs(fetch_engine_options);
    auto at = std::find_if(own.begin(), own.end(),
                           [](const OptionSpec& s) { return s.name == "ca-file"; });
    own.insert(at, engine_specs.begin(), engine_specs.end());
    own.push_back({"platform", OptionSpec::Kind::value,
                   "oci:, docker://: the platform taken from an index (default: this host's)",
                   "OS/ARCH"});
    own.push_back({"origin", OptionSpec::Kind::value,
                   "docker://: ask this origin (aciswarm origin) for the layers' torrents, so "
                   "layers come from the swarm before the registry",
                   "URL"});
    return own;
}

const OptionParser& parser() {
    static const OptionParser p(
        "aciswarm fetch NAME[:VERSION][,LABEL=VALUE]... | https://.../x.torrent | "
        "https://.../x.aci | magnet:?... | ./x.torrent | oci:DIR[:TAG] | oci-archive:FILE[:TAG] |\n"
        "docker://REF [OPTIONS]\n\n"
        "Fetches an image into the store and prints its ID. Names are found by appc\n"
        "discovery: the .torrent is preferred, then the magnet link, then a plain HTTPS\n"
        "download of the .aci (as rkt). The discovered .aci URL is added to the torrent\n"
        "as a web seed. Every piece is hash-checked; the store checks the image ID and\n"
        "that the manifest's name and labels match what was asked for.\n"
        "When the daemon's socket answers (--socket) the daemon fetches into its\n"
        "store and goes on seeding after this command exits (--seed-policy, else the\n"
        "daemon's default); options only an in-process fetch has (--store, --listen,\n"
        "--ca-file, rates, ...), --seed=none, --seed-for or --no-daemon fetch in-process.\n"
        "The image's signature (.aci.asc) must verify against a key trusted for its\n"
        "name (aciswarm trust) before it enters the store, else exit code 3;\n"
        "--insecure-options=image skips the check (docs/trust.md).\n"
        "oci:DIR[:TAG], oci-archive:FILE[:TAG] and docker://REGISTRY/NAME:TAG convert OCI\n"
        "images (docs/oci.md);\n"
        "converted images are unsigned: they need --insecure-options=image.",
        with_engine_options(with_common_flags({
            {"store", OptionSpec::Kind::value,
             "image store (default /var/lib/aciswarm as root, else ~/.local/share/aciswarm)",
             "DIR"},
            {"full", OptionSpec::Kind::flag, "print the full image ID (sha512- + 128 hex)", ""},
            {"no-store", OptionSpec::Kind::flag,
             "fetch even when the store has the image (same info hash, or name within max-age)",
             ""},
            {"no-https-fallback", OptionSpec::Kind::flag,
             "never download the .aci over plain HTTPS when the swarm gives nothing", ""},
            {"swarm-timeout", OptionSpec::Kind::value,
             "fall back to HTTPS when the swarm makes no progress for this long, at any "
             "point (default 30s)",
             "DURATION"},
            {"seed", OptionSpec::Kind::value,
             "after an in-process fetch: none (default: stop; given explicitly, fetch "
             "in-process), background (hand the image to the running daemon)",
             "MODE"},
            {"seed-for", OptionSpec::Kind::value, "stay and seed in the foreground this long",
             "DURATION"},
            {"linger", OptionSpec::Kind::value,
             "with no --seed option and no daemon: after a swarm download, keep seeding until "
             "this agent uploaded as much as it downloaded (a zone leader candidate: while "
             "peers fetch from it), at most this long (default 60s; 0 = leave at once)",
             "DURATION"},
            {"seed-policy", OptionSpec::Kind::value,
             "policy for --seed=background: forever, ratio=R, for=D, idle=D (default idle=24h)",
             "POLICY"},
            {"socket",
             OptionSpec::Kind::value,
             "the daemon's API socket (default /run/aciswarm/agent.sock)",
             "PATH",
             0,
             {"daemon-socket"}},
            {"no-daemon", OptionSpec::Kind::flag,
             "fetch in-process even when the daemon's socket answers", ""},
            {"peer", OptionSpec::Kind::list, "ask this peer directly", "ADDR:PORT"},
            {"tracker", OptionSpec::Kind::list, "announce to this tracker too", "URL"},
            {"ca-file", OptionSpec::Kind::value,
             "PEM file of CAs to trust instead of the system's (discovery, web seeds, HTTPS)",
             "FILE"},
            {"insecure-options", OptionSpec::Kind::value,
             "comma list: http (allow plain http), tls (skip certificate checks), image (skip "
             "the signature check)",
             "LIST"},
            {"trust-dir", OptionSpec::Kind::value, std::string(trust_dir_help), "DIR"},
            {"auth-dir", OptionSpec::Kind::value, std::string(auth_dir_help), "DIR"},
            {"signature", OptionSpec::Kind::value,
             "the image's .aci.asc (for a magnet link or .torrent without discovery)", "FILE"},
            {"no-signature", OptionSpec::Kind::flag, "don't fetch the .aci.asc signature", ""},
            {"max-image-size", OptionSpec::Kind::value, max_image_size_help, "SIZE"},
            {"no-progress", OptionSpec::Kind::flag, "no progress line on stderr", ""},
        })),
        {"aciswarm fetch example.com/app:1.0",
         "aciswarm fetch https://registry.example.com/linux/amd64/app-1.0.torrent --seed-for=1h",
         "aciswarm fetch docker://alpine:3.19 --insecure-options=image --platform=linux/arm64"});
    return p;
}

// Options of an in-process fetch only, besides the engine's: any of them means in-process.
constexpr std::string_view in_process_only[] = {
    "store",  "seed-for",  "ca-file",  "insecure-options", "no-signature", "max-image-size",
    "linger", "trust-dir", "auth-dir", "platform",         "origin"};

// How long an in-process fetch with no daemon and no --seed option stays in the
// swarm after its download (docs/fetch.md, "Leaving the swarm").
constexpr std::chrono::milliseconds default_linger = std::chrono::seconds(60);

// Seeds the fetched image until this agent uploaded as much payload as it
// downloaded (counting its uploads during the download), or no peer fetched
// from it for 3 s, or `bound` passed; says why it left. Leaves at once when no
// peer lacking pieces was connected at the download's end (web seed only, or
// every peer a seed): the 3 s would only hold up the command.
void linger_in_swarm(store::Store& store, engine::Engine& eng, const FetchOutcome& outcome,
                     std::chrono::milliseconds bound, const SeedOptions& seed_options,
                     CliContext& ctx) {
    const store::ImageRecord& rec = outcome.record;
    const std::int64_t downloaded = outcome.from_peers + outcome.from_web_seeds;
    // A zone leader candidate does not leave by the ratio: its zone's followers fetch only
    // inside their zone, and a leader gone at its completion left them without progress for
    // --leader-timeout, then on the web seed (docs/zones.md, "A leader stays for its zone").
    const bool ratio_applies = !eng.config().zone.leader_candidate;
    if (ratio_applies && outcome.uploaded >= downloaded) {
        ctx.log.info("fetch: uploaded ", outcome.uploaded, " bytes while downloading ", downloaded,
                     ": leaving the swarm");
        return;
    }
    if (ratio_applies && outcome.peers_lacking_pieces <= 0) {
        ctx.log.info(
            "fetch: left the swarm at once: no peer that lacks the image was connected "
            "when the download finished (nobody to seed to)");
        return;
    }
    auto seeding = StoreSeed::start(store, eng, rec, seed_options);
    if (!seeding) {
        ctx.log.warn("fetch: not staying in the swarm: ", seeding.error().message);
        return;
    }
    const std::string until_what =
        ratio_applies ? "until this agent uploaded " + std::to_string(downloaded) +
                            " bytes (as much as it downloaded)"
                      : std::string("while peers fetch from it (a zone leader candidate)");
    ctx.log.info("fetch: staying in the swarm ", until_what, " or for at most ",
                 format_duration(bound),
                 " (--linger; --seed-for, --seed=background or the daemon seed longer)");
    const auto start = ctx.clock.now();
    const auto until = start + bound;
    std::int64_t uploaded = outcome.uploaded;
    std::string why = "after " + format_duration(bound);
    // No peer fetched a byte from this agent for this long: nobody needs it (a
    // super-seeding everseed looks like a peer without the image, so "every peer
    // is a seed" would keep it the whole bound). Long enough for the swarm to
    // reconnect to the re-added seed, short enough not to hold up scripts.
    constexpr auto idle_grace = std::chrono::seconds(3);
    std::int64_t last_upload = 0;
    auto last_upload_at = start;
    while (ctx.clock.now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
        auto s = eng.status(seeding->torrent());
        if (!s) break;
        uploaded = outcome.uploaded + s->total_payload_upload;
        if (ratio_applies && uploaded >= downloaded) {
            why = "uploaded as much as it downloaded";
            break;
        }
        if (s->total_payload_upload > last_upload) {
            last_upload = s->total_payload_upload;
            last_upload_at = ctx.clock.now();
        } else if (ctx.clock.now() - last_upload_at >= idle_grace) {
            why = "no peer fetched from it for " + format_duration(idle_grace);
            break;
        }
    }
    ctx.log.info("fetch: left the swarm (", why, "): uploaded ", uploaded, " of ", downloaded,
                 " bytes downloaded, stayed ",
                 format_duration(std::chrono::duration_cast<std::chrono::milliseconds>(
                     ctx.clock.now() - start)));
}

// The daemon's fetch request for this command line. A local file is opened
// here, with this user's access, and sent as `file`; its signature (--signature,
// else a local .aci's FILE.asc) is read here too: the daemon never opens a path
// we name (docs/security.md).
Result<ApiRequest> daemon_fetch_request(const ParsedOptions& parsed,
                                        const std::optional<std::string>& signature,
                                        UniqueFd& file) {
    ApiRequest req;
    req.op = ApiOp::fetch;
    req.source = parsed.positional()[0];
    std::string cwd(4096, '\0');
    if (::getcwd(cwd.data(), cwd.size()) != nullptr) {
        cwd.resize(std::char_traits<char>::length(cwd.c_str()));
        req.dir = cwd;
    }
    req.peers = parsed.get_all("peer");
    req.policy = parsed.get_or("seed-policy", std::string());
    req.trackers = parsed.get_all("tracker");
    req.no_store = parsed.flag("no-store");
    req.no_https_fallback = parsed.flag("no-https-fallback");
    req.swarm_timeout = parsed.get_or("swarm-timeout", std::string());
    auto kind = classify_source(req.source);
    const bool aci_file = kind && kind->kind == SourceKind::aci_file;
    if (aci_file || (kind && kind->kind == SourceKind::torrent_file)) {
        auto opened = open_regular_file(req.source, Symlinks::follow);
        if (!opened) return std::move(opened).error();
        file = std::move(*opened);
        req.source_fd = true;
    }
    if (signature) {
        req.signature = *signature;
    } else if (aci_file) {
        auto beside = read_signature_file(req.source + ".asc", "");
        if (beside) {
            req.signature = std::move(*beside);
        } else if (beside.error().code != Errc::not_found) {
            return std::move(beside).error();
        }
    }
    return req;
}

// Asks the daemon to fetch (docs/daemon.md, op "fetch"); progress events go to
// `line`. Returns the exit code, or nullopt when nothing answers on the socket
// (the caller fetches in-process).
std::optional<int> fetch_via_daemon(const ParsedOptions& parsed, const std::string& socket,
                                    const std::optional<std::string>& signature, ProgressLine& line,
                                    CliContext& ctx) {
    const std::string me = "aciswarm fetch: ";
    auto client = ApiClient::connect(socket);
    if (!client) {
        if (client.error().code == Errc::not_found) {
            ctx.log.debug("fetch: no daemon on ", socket, "; fetching in-process");
        } else {
            ctx.log.warn("fetch: daemon socket: ", client.error().message, "; fetching in-process");
        }
        return std::nullopt;
    }
    UniqueFd file;
    auto req = daemon_fetch_request(parsed, signature, file);
    if (!req) {
        ctx.err << me << req.error().message << "\n";
        return exit_failure;
    }
    ctx.log.info("fetch: through the daemon on ", socket);
    const auto on_progress = [&](const nlohmann::json& ev) {
        if (auto p = from_json<FetchProgress>(ev)) {
            line.update(*p);
        } else {
            ctx.log.debug("fetch: daemon event: ", p.error().message);
        }
    };
    const auto per_line = std::chrono::minutes(10);  // the daemon sends progress every tick
    auto reply = decode_reply<FetchReply>(
        file ? client->request_with_file(*req, file.get(), on_progress, per_line)
             : client->request(*req, on_progress, per_line));
    line.finish();
    if (!reply) {
        // The daemon's error kind decides the exit code, as in-process (a trust refusal: 3).
        ctx.err << me << "daemon: " << reply.error().message << "\n";
        return exit_code_for(reply.error());
    }
    auto id = ImageId::parse(reply->image);
    if (!id) {
        ctx.err << me << "daemon: " << id.error().message << "\n";
        return exit_failure;
    }
    ctx.log.info("fetch: the daemon has ", id->display(), " and seeds it");
    ctx.out << (parsed.flag("full") ? id->full() : id->display()) << "\n" << std::flush;
    return exit_ok;
}

enum class SeedMode { none, foreground, background };

// What a fetch command line asks for, parsed and checked. A bad option is a
// usage error (Errc::invalid_argument); an unreadable --signature is Errc::io.
struct FetchCommand {
    Source source;
    FetchOptions options;
    engine::EngineConfig engine;
    bool insecure_image = false;
    SeedMode seed_mode = SeedMode::none;
    std::chrono::milliseconds seed_for{0};
    // After a swarm download with no --seed option: give back what it took.
    std::chrono::milliseconds linger = default_linger;
    std::string seed_policy;
    std::string daemon_socket;
};

Error usage_error(std::string message) {
    return make_error(Errc::invalid_argument, std::move(message));
}

// --insecure-options=http,tls,image (or none).
Status apply_insecure_options(const ParsedOptions& parsed, FetchCommand& cmd) {
    std::string list = parsed.get_or("insecure-options", "");
    while (!list.empty()) {
        const std::size_t comma = list.find(',');
        const std::string item = list.substr(0, comma);
        list = comma == std::string::npos ? std::string() : list.substr(comma + 1);
        if (item == "http") {
            cmd.options.https.allow_http = true;
        } else if (item == "tls") {
            cmd.options.https.skip_tls_verify = true;
            cmd.engine.insecure_tls = true;
        } else if (item == "image") {
            cmd.insecure_image = true;
        } else if (item != "none" && !item.empty()) {
            return usage_error("--insecure-options: '" + item +
                               "' is not one of http, tls, image, none");
        }
    }
    return {};
}

// The options of agent/fetch's Fetcher and the engine's table.
Status apply_fetch_options(const ParsedOptions& parsed, FetchCommand& cmd) {
    FetchOptions& options = cmd.options;
    options.use_store = !parsed.flag("no-store");
    options.https_fallback = !parsed.flag("no-https-fallback");
    options.fetch_signature = !parsed.flag("no-signature");
    if (Status s = apply_insecure_options(parsed, cmd); !s) return s;
    if (auto m = parsed.get("max-image-size")) {
        if (auto size = parse_max_image_size(*m); !size) return usage_error(size.error().message);
    }
    if (auto sig = parsed.get("signature")) {
        auto bytes = read_signature_file(*sig, "--signature");
        if (!bytes) return std::move(bytes).error();
        options.signature = std::move(*bytes);
    }
    options.https.ca_file = parsed.get_or("ca-file", "");
    cmd.engine.ca_file = options.https.ca_file;
    if (auto t = parsed.get("swarm-timeout")) {
        auto d = parse_duration_option("--swarm-timeout", *t, std::chrono::milliseconds(1));
        if (!d) return std::move(d).error();
        options.swarm_timeout = *d;
    }
    for (const std::string& p : parsed.get_all("peer")) {
        auto ep = PeerEndpoint::parse(p);
        if (!ep) return usage_error("--peer: " + ep.error().message);
        options.peers.push_back(*ep);
    }
    options.trackers = parsed.get_all("tracker");
    if (auto p = parsed.get("platform")) {
        auto platform = oci::parse_platform(*p);
        if (!platform) return usage_error("--platform: " + platform.error().message);
        options.platform = *platform;
    }
    if (auto origin = parsed.get("origin")) {
        if (!origin->starts_with("http://") && !origin->starts_with("https://"))
            return usage_error("--origin: '" + *origin + "' is not an http:// or https:// URL");
        options.blob_origin = *origin;
    }
    return engine::apply_engine_options(cmd.engine, parsed, fetch_engine_options);
}

// libtorrent 2.0.8 drops peers of a hybrid magnet over plaintext ("invalid
// hashes"); encrypted connections use the v1 half (docs/interop.md).
void require_encryption_for_hybrid_magnet(const ParsedOptions& parsed, FetchCommand& cmd,
                                          CliContext& ctx) {
    if (parsed.has("encryption") || cmd.source.kind != SourceKind::magnet) return;
    auto magnet = torrent::parse_magnet(cmd.source.text);
    if (magnet && torrent::magnet_needs_encryption(*magnet)) {
        ctx.log.info(
            "fetch: hybrid magnet: requiring encrypted peer connections "
            "(a libtorrent 2.0.8 bug, docs/interop.md; --encryption overrides)");
        cmd.engine.encryption = engine::EncryptionPolicy::require;
    }
}

// --seed, --seed-for, --linger, --seed-policy, --socket.
Status apply_seed_options(const ParsedOptions& parsed, FetchCommand& cmd) {
    const std::string seed = parsed.get_or("seed", "none");
    if (seed == "background") {
        cmd.seed_mode = SeedMode::background;
    } else if (seed != "none") {
        return usage_error("--seed: '" + seed + "' is not one of none, background");
    }
    if (auto f = parsed.get("seed-for")) {
        if (cmd.seed_mode == SeedMode::background)
            return usage_error("--seed-for and --seed=background exclude each other");
        auto d = parse_duration_option("--seed-for", *f, std::chrono::milliseconds(1));
        if (!d) return std::move(d).error();
        cmd.seed_mode = SeedMode::foreground;
        cmd.seed_for = *d;
    }
    if (auto l = parsed.get("linger")) {
        auto d = parse_duration_option("--linger", *l);
        if (!d) return std::move(d).error();
        cmd.linger = *d;
    }
    if (parsed.has("seed") || parsed.has("seed-for")) cmd.linger = std::chrono::milliseconds(0);
    cmd.seed_policy = parsed.get_or("seed-policy", "idle=24h");
    cmd.daemon_socket = parsed.get_or("socket", std::string(default_daemon_socket));
    return {};
}

Result<FetchCommand> parse_fetch_command(const ParsedOptions& parsed, CliContext& ctx) {
    FetchCommand cmd;
    auto source = classify_source(parsed.positional()[0]);
    if (!source) return usage_error(source.error().message);
    cmd.source = std::move(*source);
    if (Status s = apply_fetch_options(parsed, cmd); !s) return s.error();
    auto credentials = load_auth_options(parsed, ctx.log);
    if (!credentials) return std::move(credentials).error();
    cmd.options.https.credentials = std::move(*credentials);
    require_encryption_for_hybrid_magnet(parsed, cmd, ctx);
    if (Status s = apply_seed_options(parsed, cmd); !s) return s.error();
    return cmd;
}

// The first option given that only an in-process fetch takes, or "".
std::string_view in_process_option(const ParsedOptions& parsed) {
    for (const engine::EngineOptionUse& o : fetch_engine_options) {
        if (parsed.has(o.name)) return o.name;
    }
    for (std::string_view o : in_process_only) {
        // --insecure-options=image alone still goes to the daemon, which
        // applies its own trust policy (docs/trust.md); it counts if we fall back.
        if (o == "insecure-options" && parsed.get_or("insecure-options", "") == "image") continue;
        if (parsed.has(o)) return o;
    }
    return {};
}

// An option the daemon's fetch cannot take, while a daemon answers: fetching
// in-process would put the image in another store that nobody seeds. Only an
// explicit choice (--store, --seed-for, --seed=none, --no-daemon) may do that.
// Returns the usage error to print, if any.
std::optional<std::string> refuse_in_process_option(const ParsedOptions& parsed,
                                                    std::string_view option,
                                                    const std::string& socket) {
    if (option.empty() || parsed.has("store") || parsed.has("seed-for")) return std::nullopt;
    if (!ApiClient::connect(socket)) return std::nullopt;
    return "--" + std::string(option) + ": the daemon on " + socket +
           " fetches into its own store and does not take this option per fetch; " +
           (option == "ca-file" ? "set ca-file in its configuration (/etc/aciswarm/agent.json) and "
                                  "fetch without --ca-file, "
                                : "set it in the daemon's configuration, ") +
           "or fetch in-process into another store with --no-daemon";
}

ProgressLine progress_line(const ParsedOptions& parsed, CliContext& ctx) {
    return ProgressLine(ctx.err, ctx.stderr_is_terminal && !parsed.flag("no-progress"), ctx.log,
                        ctx.clock, [] { return terminal_columns(STDERR_FILENO); });
}

// Stays in the swarm for --seed-for in the foreground (until Ctrl-C).
int seed_in_foreground(store::Store& store, engine::Engine& eng, const store::ImageRecord& rec,
                       std::chrono::milliseconds seed_for, const SeedOptions& seed_options,
                       const InterruptWatcher& interrupt, CliContext& ctx) {
    auto seeding = StoreSeed::start(store, eng, rec, seed_options);
    if (!seeding) {
        ctx.err << "aciswarm fetch: --seed-for: " << seeding.error().message << "\n";
        return exit_failure;
    }
    ctx.log.info("seeding ", rec.id.display(), " for ", format_duration(seed_for), " on port ",
                 eng.listen_port());
    const auto until = ctx.clock.now() + seed_for;
    std::int64_t uploaded = 0;
    while (ctx.clock.now() < until && !interrupt.interrupted()) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(until - ctx.clock.now());
        std::this_thread::sleep_for(
            std::min<std::chrono::milliseconds>(left, std::chrono::seconds(1)));
        if (auto s = eng.status(seeding->torrent())) uploaded = s->total_payload_upload;
    }
    ctx.log.info("seeded ", rec.id.display(), ": uploaded ", uploaded, " bytes");
    return exit_ok;
}

void log_outcome(const FetchOutcome& outcome, CliContext& ctx) {
    const store::ImageRecord& rec = outcome.record;
    if (outcome.via == FetchVia::store) {
        ctx.log.info("fetch: ", rec.id.display(), " is in the store (no download)");
        return;
    }
    ctx.log.info("fetched ", rec.id.display(), " (", rec.size, " bytes) via ",
                 fetch_via_name(outcome.via), ": ", outcome.from_peers, " bytes from peers, ",
                 outcome.from_web_seeds, " from web seeds, ", outcome.from_https, " over HTTPS, ",
                 outcome.hash_failures, " hash failures (from peers: ", outcome.from_everseed,
                 " from the everseed, ", outcome.from_peers - outcome.from_everseed,
                 " from other agents)");
}

// After the image is in the store: hand it to the daemon, seed it for
// --seed-for, or linger in the swarm.
int seed_after_fetch(const FetchCommand& cmd, store::Store& store, const EngineProvider& provider,
                     const FetchOutcome& outcome, const InterruptWatcher& interrupt,
                     CliContext& ctx) {
    const store::ImageRecord& rec = outcome.record;
    if (cmd.seed_mode == SeedMode::background) {
        if (auto s = call_daemon(cmd.daemon_socket, seed_request(rec.id.full(), cmd.seed_policy));
            !s) {
            ctx.err << "aciswarm fetch: --seed=background: " << s.error().message
                    << " (the image is in the store)\n";
            return exit_failure;
        }
        ctx.log.info("fetch: the daemon seeds ", rec.id.display(), " (", cmd.seed_policy, ")");
        return exit_ok;
    }
    // A converted image (docker://) has no torrent of its own to linger with.
    const bool linger = cmd.seed_mode == SeedMode::none && outcome.via == FetchVia::swarm &&
                        cmd.linger.count() > 0 && !rec.torrent.empty();
    if (!linger && cmd.seed_mode != SeedMode::foreground) return exit_ok;
    auto eng = provider();
    if (!eng) {
        ctx.err << "aciswarm fetch: " << eng.error().message << "\n";
        return exit_failure;
    }
    // Announced where the fetch looked for peers (--tracker, --peer).
    const SeedOptions seed_options{cmd.options.trackers, cmd.options.peers};
    if (linger) {
        linger_in_swarm(store, **eng, outcome, cmd.linger, seed_options, ctx);
        return exit_ok;
    }
    return seed_in_foreground(store, **eng, rec, cmd.seed_for, seed_options, interrupt, ctx);
}

// The fetch in this process: its own store and engine.
int fetch_in_process(const ParsedOptions& parsed, FetchCommand& cmd, CliContext& ctx) {
    const std::string me = "aciswarm fetch: ";
    if (const std::string ca_file = cmd.engine.ca_file.string(); !ca_file.empty()) {
        // libtorrent reads a web seed's CA only from SSL_CERT_FILE, when its
        // session starts: set before any thread exists (common/process_tls.hpp).
        if (auto ca = set_process_ca_file(ca_file, "--ca-file " + ca_file); !ca) {
            ctx.err << me << ca.error().message << "\n";
            return exit_failure;
        }
    }
    auto st = open_store(parsed, ctx);  // store_cli.hpp: --store or the default root
    if (!st) {
        ctx.err << me << st.error().message << "\n";
        return exit_failure;
    }
    // Before the engine's threads exist; outlives the engine, so a second
    // Ctrl-C still quits at once while ~Engine sends the stopped announce.
    InterruptWatcher interrupt(ctx.log);
    std::unique_ptr<engine::Engine> engine;
    EngineProvider provider = [&]() -> Result<engine::Engine*> {
        if (!engine) {
            auto e = engine::Engine::create(cmd.engine, ctx.log, ctx.clock);
            if (!e) return with_context("bittorrent engine", std::move(e).error());
            engine = std::move(*e);
        }
        return engine.get();
    };
    cmd.options.verify = image_verifier(parsed, cmd.insecure_image, ctx);
    Fetcher fetcher(*st, provider, cmd.options, ctx.log, ctx.clock);
    ProgressLine line = progress_line(parsed, ctx);
    auto outcome = fetcher.fetch(
        cmd.source, [&](const FetchProgress& p) { line.update(p); }, interrupt.token());
    line.finish();
    if (!outcome) {
        ctx.err << me << outcome.error().message << "\n";
        return outcome.error().code == Errc::cancelled ? exit_interrupted
                                                       : exit_code_for(outcome.error());
    }
    log_outcome(*outcome, ctx);
    const store::ImageRecord& rec = outcome->record;
    ctx.out << (parsed.flag("full") ? rec.id.full() : rec.id.display()) << "\n" << std::flush;
    return seed_after_fetch(cmd, *st, provider, *outcome, interrupt, ctx);
}

}  // namespace

int run_fetch(std::span<const std::string> args, CliContext& ctx) {
    const std::string me = "aciswarm fetch: ";
    int code = exit_ok;
    auto parsed = parse_command(parser(), args, ctx, code, "aciswarm fetch");
    if (!parsed) return code;
    if (parsed->positional().size() != 1) {
        ctx.err << me << "want exactly one image (see --help)\n";
        return exit_usage;
    }
    auto cmd = parse_fetch_command(*parsed, ctx);
    if (!cmd) {
        ctx.err << me << cmd.error().message << "\n";
        return cmd.error().code == Errc::io ? exit_failure : exit_usage;
    }
    // A local OCI layout is read as the user who names it, never by the daemon.
    const bool explicit_in_process =
        parsed->flag("no-daemon") || (parsed->has("seed") && cmd->seed_mode == SeedMode::none) ||
        cmd->source.kind == SourceKind::oci_layout || cmd->source.kind == SourceKind::oci_archive;
    const std::string_view option = in_process_option(*parsed);
    if (!explicit_in_process) {
        if (auto refusal = refuse_in_process_option(*parsed, option, cmd->daemon_socket)) {
            ctx.err << me << *refusal << "\n";
            return exit_usage;
        }
    }
    if (!explicit_in_process && option.empty()) {
        ProgressLine line = progress_line(*parsed, ctx);
        if (auto exit_code =
                fetch_via_daemon(*parsed, cmd->daemon_socket, cmd->options.signature, line, ctx))
            return *exit_code;
    }
    return fetch_in_process(*parsed, *cmd, ctx);
}

}  // namespace aciswarm::agent
