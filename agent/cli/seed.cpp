// aciswarm seed --dir=DIR: the "everseed". Seeds every image published in DIR
// (each *.torrent with its content beside it) for as long as it runs, picks up
// new, changed and removed ones on every scan (--scan-interval, default 1s),
// and keeps going when one is corrupt or unreadable (logs it, serves the rest,
// retries once its files change). SIGINT/SIGTERM stop it cleanly.
//
// Threads: the command's thread scans and waits for signals; the Engine has
// its own alert thread.
#include <signal.h>
#include <sys/stat.h>

#include <cerrno>
#include <ctime>
#include <filesystem>
#include <map>
#include <optional>
#include <ostream>

#include "agent/cli/cli.hpp"
#include "agent/engine/engine.hpp"
#include "agent/engine/engine_options.hpp"
#include "common/duration.hpp"
#include "common/file_read.hpp"
#include "common/options.hpp"
#include "common/units.hpp"
#include "torrent/torrent_file.hpp"

namespace aciswarm::agent {
namespace {

namespace fs = std::filesystem;

// parse_torrent's own limit: a larger .torrent is refused unread.
constexpr std::size_t max_torrent_file_bytes = 64 << 20;

struct FileStamp {
    std::int64_t size = -1;
    std::int64_t mtime_ns = 0;
    std::uint64_t inode = 0;
    friend bool operator==(const FileStamp&, const FileStamp&) = default;
};

FileStamp stamp_of(const fs::path& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return {};
    return {static_cast<std::int64_t>(st.st_size),
            static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec,
            static_cast<std::uint64_t>(st.st_ino)};
}

struct Seeded {
    FileStamp torrent_stamp;
    FileStamp content_stamp;
    fs::path content;
    std::optional<engine::TorrentId> id;  // empty: bad, waiting for a change
    bool announced = false;               // "seeding" logged
};

class Everseed {
  public:
    Everseed(engine::Engine& engine, fs::path dir, bool super_seed, Logger& log)
        : engine_(engine), dir_(std::move(dir)), super_seed_(super_seed), log_(log) {}

    void scan() {
        std::map<fs::path, bool> present;
        std::error_code ec;
        auto it = fs::recursive_directory_iterator(
            dir_, fs::directory_options::skip_permission_denied, ec);
        if (ec) {
            log_.error("scan ", dir_.string(), ": ", ec.message());
            return;
        }
        for (; it != fs::end(it); it.increment(ec)) {
            if (ec) break;
            const auto& p = it->path();
            if (it->is_directory() && p.filename().string().starts_with(".")) {
                it.disable_recursion_pending();  // publish's staging dirs
                continue;
            }
            if (p.extension() == ".torrent" && it->is_regular_file()) present[p] = true;
        }
        for (auto k = known_.begin(); k != known_.end();) {
            if (!present.contains(k->first)) {
                log_.info("unpublished ", k->first.string(), ": stopped seeding");
                if (k->second.id) stop_seeding(*k->second.id, k->first);
                k = known_.erase(k);
            } else {
                ++k;
            }
        }
        for (const auto& [path, _] : present)
            consider(path);
        check_pending();
    }

  private:
    // The torrent leaves the engine; a failure is logged (the engine may
    // already have dropped it) and the scan goes on.
    void stop_seeding(engine::TorrentId id, const fs::path& torrent_path) {
        if (Status s = engine_.remove(id); !s) {
            log_.warn(torrent_path.string(), ": removing from the engine: ", s.error().message);
        }
    }

    void consider(const fs::path& torrent_path) {
        const FileStamp ts = stamp_of(torrent_path);
        auto found = known_.find(torrent_path);
        if (found != known_.end()) {
            const Seeded& s = found->second;
            if (s.torrent_stamp == ts && s.content_stamp == stamp_of(s.content)) return;
            if (s.id) stop_seeding(*s.id, torrent_path);
            log_.info("changed ", torrent_path.string(), ": re-adding");
            known_.erase(found);
        }
        Seeded s;
        s.torrent_stamp = ts;
        auto bytes = read_file_bounded(torrent_path.string(), max_torrent_file_bytes);
        auto meta =
            bytes ? torrent::parse_torrent(*bytes) : Result<torrent::TorrentMeta>(bytes.error());
        if (!meta) {
            log_.error(torrent_path.string(), ": ", meta.error().message, " (not seeded)");
            known_[torrent_path] = s;
            return;
        }
        s.content = torrent_path.parent_path() / meta->name;
        s.content_stamp = stamp_of(s.content);
        if (meta->num_files != 1 || meta->name.find('/') != std::string::npos) {
            log_.error(torrent_path.string(), ": not a single-file torrent (not seeded)");
            known_[torrent_path] = s;
            return;
        }
        auto id = engine_.add_seed({.torrent = *bytes,
                                    .save_path = torrent_path.parent_path(),
                                    .super_seed = super_seed_});
        if (!id) {
            log_.error(torrent_path.string(), ": ", id.error().message, " (not seeded)");
        } else {
            s.id = *id;
        }
        known_[torrent_path] = s;
    }

    // Seeds whose check finished: announce them, or drop corrupt ones.
    void check_pending() {
        for (auto& [path, s] : known_) {
            if (!s.id || s.announced) continue;
            auto st = engine_.status(*s.id);
            if (!st) continue;
            if (st->state == engine::TorrentState::checking) continue;
            if (st->state == engine::TorrentState::seeding ||
                st->state == engine::TorrentState::finished) {
                log_.info("seeding ", s.content.string(), " info hash ",
                          st->info_hashes.best().hex());
                s.announced = true;
                continue;
            }
            log_.error("corrupt ", s.content.string(), ": ",
                       st->state == engine::TorrentState::error
                           ? st->error
                           : std::to_string(st->total_done) + " of " +
                                 std::to_string(st->total_wanted) + " bytes verify",
                       " (not seeded until it changes)");
            stop_seeding(*s.id, path);
            s.id.reset();
        }
    }

    engine::Engine& engine_;
    fs::path dir_;
    bool super_seed_;
    Logger& log_;
    std::map<fs::path, Seeded> known_;
};

// The engine options the everseed takes (agent/engine/engine_options.hpp).
constexpr engine::EngineOptionUse seed_engine_options[] = {
    {"listen", "BitTorrent listen address (default 0.0.0.0:6881 and [::]:6881; port 0: any)"},
    {"lsd"},
    {"dht"},
    {"max-upload-rate"},
    {"max-connections"},
    {"exempt-local-peers",
     "the upload limit spares peers on local networks (default: it holds "
     "for all)"},
    {"encryption"},
    {"zone"},
    {"leader-candidate"},
    {"leader-timeout"},
    {"upload-capacity"},
    {"download-capacity"},
    {"tracker-key"},
};

const OptionParser& parser() {
    static const OptionParser p = [] {
        std::vector<OptionSpec> specs{{"dir", OptionSpec::Kind::value,
                                       "published registry directory (aciswarm publish --out)",
                                       "DIR"}};
        for (OptionSpec& s : engine::engine_option_specs(seed_engine_options))
            specs.push_back(std::move(s));
        specs.push_back({"scan-interval", OptionSpec::Kind::value,
                         "how often DIR is scanned (default 1s)", "DURATION"});
        specs.push_back({"super-seed", OptionSpec::Kind::value,
                         "BEP 16 super-seeding: hand out each piece once before repeating "
                         "(default false; only with a web seed: a lone peer gets 2 pieces per "
                         "10 s)",
                         "BOOL"});
        specs.push_back({"help", OptionSpec::Kind::flag, "show this help"});
        specs.push_back({"verbose", OptionSpec::Kind::flag, "debug logging", "", 'v'});
        return OptionParser(
            "aciswarm seed --dir=DIR [--listen=ADDR:PORT]...", std::move(specs),
            {"aciswarm seed --dir=/srv/registry",
             "aciswarm seed --dir=/srv/registry --listen=10.0.0.1:6881 --max-upload-rate=50M",
             "aciswarm seed --dir=/srv/registry --scan-interval=10s --encryption=require"});
    }();
    return p;
}

struct SeedCommand {
    fs::path dir;
    engine::EngineConfig engine;
    // Off by default: libtorrent 2.0.8 gives a lone downloader two pieces per
    // ~10 s (docs/engine.md, "Web seeds"); registries with a web seed turn it on.
    bool super_seed = false;
    std::chrono::milliseconds scan_interval = std::chrono::seconds(1);
};

Result<SeedCommand> parse_seed_command(const ParsedOptions& opts) {
    SeedCommand cmd;
    cmd.dir = *opts.get("dir");
    cmd.engine.listen_interfaces = {"0.0.0.0:6881", "[::]:6881"};
    if (Status s = engine::apply_engine_options(cmd.engine, opts, seed_engine_options); !s)
        return s.error();
    if (auto v = opts.get("super-seed")) {
        auto b = parse_bool("super-seed", *v);
        if (!b) return std::move(b).error();
        cmd.super_seed = *b;
    }
    if (auto v = opts.get("scan-interval")) {
        auto d = parse_duration_option("--scan-interval", *v, std::chrono::milliseconds(1));
        if (!d) return std::move(d).error();
        cmd.scan_interval = *d;
    }
    return cmd;
}

// Scans every interval until SIGINT or SIGTERM, taken synchronously by this
// thread (sigtimedwait): the caller blocked them before the engine started its
// threads, so they inherit the mask.
int scan_until_stopped(const SeedCommand& cmd, const sigset_t& stop_signals, CliContext& ctx) {
    auto engine = engine::Engine::create(cmd.engine, ctx.log, ctx.clock);
    if (!engine) {
        ctx.err << "aciswarm seed: " << engine.error().message << "\n";
        return exit_failure;
    }
    Everseed everseed(**engine, cmd.dir, cmd.super_seed, ctx.log);
    const std::int64_t limit = cmd.engine.upload_rate_limit;
    ctx.log.info(
        "everseed on ", cmd.dir.string(), ", scanning every ", format_duration(cmd.scan_interval),
        cmd.super_seed ? ", super-seeding" : "", ", upload limit ",
        limit > 0 ? format_size(static_cast<std::uint64_t>(limit)) + "/s" : std::string("none"));
    const auto interval = cmd.scan_interval;
    while (true) {
        everseed.scan();
        timespec ts{};
        ts.tv_sec = static_cast<time_t>(interval.count() / 1000);
        ts.tv_nsec = static_cast<long>((interval.count() % 1000) * 1000000);
        const int sig = sigtimedwait(&stop_signals, nullptr, &ts);
        if (sig == SIGINT || sig == SIGTERM) {
            ctx.log.info("stopping (signal ", sig, ")");
            return exit_ok;
        }
        if (sig < 0 && errno != EAGAIN && errno != EINTR) {
            ctx.log.error("sigtimedwait failed");
            return exit_failure;
        }
    }
}

}  // namespace

int cmd_seed(std::span<const std::string> args, CliContext& ctx) {
    int code = exit_ok;
    auto opts = parse_command(parser(), args, ctx, code, "aciswarm seed");
    if (!opts) return code;
    if (!opts->has("dir") || !opts->positional().empty()) {
        ctx.err << "aciswarm seed: need --dir\n" << parser().help();
        return exit_usage;
    }
    auto cmd = parse_seed_command(*opts);
    if (!cmd) {
        ctx.err << "aciswarm seed: " << cmd.error().message << "\n";
        return exit_usage;
    }
    std::error_code ec;
    if (!fs::is_directory(cmd->dir, ec)) {
        ctx.err << "aciswarm seed: " << cmd->dir.string() << ": not a directory\n";
        return exit_failure;
    }
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    sigset_t old_mask;
    pthread_sigmask(SIG_BLOCK, &stop_signals, &old_mask);
    const int rc = scan_until_stopped(*cmd, stop_signals, ctx);
    pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
    return rc;
}

}  // namespace aciswarm::agent
