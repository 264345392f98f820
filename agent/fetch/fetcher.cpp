#include "agent/fetch/fetcher.hpp"

#include <filesystem>
#include <memory>
#include <optional>

#include "agent/fetch/locked_dir.hpp"
#include "agent/fetch/oci_fetch.hpp"
#include "agent/fetch/plan.hpp"
#include "agent/fetch/stall.hpp"
#include "agent/store/early_pass.hpp"
#include "common/duration.hpp"
#include "common/file_read.hpp"
#include "common/text.hpp"
#include "discovery/discover.hpp"
#include "discovery/http_page_fetcher.hpp"
#include "torrent/torrent_file.hpp"

namespace aciswarm::agent::fetch {

namespace fs = std::filesystem;

std::string_view fetch_via_name(FetchVia via) {
    switch (via) {
        case FetchVia::store:
            return "store";
        case FetchVia::swarm:
            return "swarm";
        case FetchVia::https:
            return "https";
        case FetchVia::file:
            return "file";
    }
    return "?";
}

namespace {

// A .torrent the user named: never a device, FIFO or directory, never past `max`
// (common/file_read.hpp).
Result<std::string> read_whole(const fs::path& path, std::size_t max) {
    return read_file_bounded(path.string(), max);
}

bool fallback_worthy(const Error& e) {
    switch (e.code) {
        case Errc::timeout:
        case Errc::network:
        case Errc::not_found:
        case Errc::protocol:
        case Errc::unsupported:
            return true;
        default:
            return false;
    }
}

std::string human_duration(std::chrono::milliseconds d) {
    return format_duration(d);
}

// Slack over a torrent's declared length for a plain download of the same
// image (none is expected: the bytes must be the torrent's).
constexpr std::uint64_t declared_size_margin = 64 * 1024;

}  // namespace

struct Fetcher::Job {
    Source source;
    // A partial download kept in staging (swarm stalled, then HTTPS): removed
    // once the image is stored another way.
    fs::path kept_partial;
    const ProgressFn* progress = nullptr;
    std::stop_token stop;
    store::ImageExpectation expected;
    store::SourceUrls urls;
    std::optional<std::chrono::seconds> max_age;
    std::optional<std::string> etag;
    std::string torrent_bytes;
    FetchOutcome outcome;
    std::optional<std::string> signature;  // .aci.asc bytes, fetched before the import
    bool signature_loaded = false;
};

Fetcher::Fetcher(store::Store& store, EngineProvider engine, FetchOptions options, Logger& log,
                 const Clock& clock)
    : store_(store),
      engine_(std::move(engine)),
      options_(std::move(options)),
      log_(log),
      clock_(clock) {}

void Fetcher::report(Job& job, const FetchProgress& p) {
    if (job.progress && *job.progress) (*job.progress)(p);
}

Result<FetchOutcome> Fetcher::fetch(const std::string& argument, const ProgressFn& progress,
                                    std::stop_token stop) {
    auto source = classify_source(argument);
    if (!source) return std::move(source).error();
    return fetch(*source, progress, stop);
}

Result<FetchOutcome> Fetcher::fetch(const Source& source, const ProgressFn& progress,
                                    std::stop_token stop) {
    Job job;
    job.source = source;
    job.progress = &progress;
    job.stop = stop;
    auto local = [&](const std::string& p) {
        fs::path path(p);
        if (path.is_relative() && !options_.cwd.empty()) path = fs::path(options_.cwd) / path;
        return path;
    };
    Result<FetchOutcome> result = make_error(Errc::internal, "unreachable");
    switch (source.kind) {
        case SourceKind::image_name:
            result = fetch_name(job);
            break;
        case SourceKind::torrent_url: {
            job.urls.torrent = source.text;
            auto bytes = get_small(source.text, "torrent");
            if (!bytes) return std::move(bytes).error();
            result = fetch_torrent(job, *bytes, "");
            break;
        }
        case SourceKind::magnet:
            job.urls.magnet = source.text;
            result = fetch_torrent(job, "", source.text);
            break;
        case SourceKind::torrent_file: {
            auto bytes = read_whole(local(source.text), options_.max_metadata_bytes);
            if (!bytes) return std::move(bytes).error();
            result = fetch_torrent(job, *bytes, "");
            break;
        }
        case SourceKind::aci_url:
            job.urls.aci = source.text;
            job.urls.asc = source.text + ".asc";
            result = fetch_https(job, source.text);
            break;
        case SourceKind::aci_file:
            result = import_file(job, local(source.text).string());
            break;
        case SourceKind::oci_layout:
        case SourceKind::oci_archive:
        case SourceKind::docker_image:
            result = fetch_converted(job);
            break;
    }
    if (!result) return result;
    if (result->warnings.empty()) result->warnings = job.outcome.warnings;
    attach_signature(job, *result);
    FetchProgress done;
    done.phase = FetchPhase::done;
    done.done = done.total = static_cast<std::int64_t>(result->record.size);
    done.from_peers = result->from_peers;
    done.from_everseed = result->from_everseed;
    done.from_web_seeds = result->from_web_seeds;
    done.hash_failures = result->hash_failures;
    report(job, done);
    return result;
}

Result<std::string> Fetcher::get_small(const std::string& url, std::string_view what) {
    http::ClientOptions t = http::page_options(options_.https);
    t.max_body = options_.max_metadata_bytes;
    discovery::HttpPageFetcher fetcher(t);
    const std::string shown = escape_control(url);
    if (!url.starts_with("https://") && !(t.allow_http && url.starts_with("http://"))) {
        return make_error(Errc::permission, std::string(what) + " " + shown +
                                                ": refusing a non-HTTPS URL "
                                                "(--insecure-options=http allows http)");
    }
    auto r = fetcher.get(url);
    if (!r) return with_context(what, std::move(r).error());
    if (r->status != 200) {
        return make_error(r->status == 404 || r->status == 410 ? Errc::not_found : Errc::network,
                          std::string(what) + " " + shown + ": HTTP " + std::to_string(r->status));
    }
    return std::move(r->body);
}

std::optional<FetchOutcome> Fetcher::fresh_store_hit(Job& job) {
    const discovery::ImageRef& image = job.source.image;
    if (!options_.use_store) return std::nullopt;
    auto rec = store_.find_by_name(image.name, requested_labels(image));
    if (!rec || !fresh_by_max_age(rec->max_age, rec->imported_at, clock_.wall_now()) ||
        !acceptable_hit(*rec)) {
        return std::nullopt;
    }
    log_.debug("fetch: ", image.to_string(),
               " is in the store and its discovery page's "
               "max-age (",
               rec->max_age->count(), "s) holds");
    touch_logged(*rec);
    job.urls = rec->urls;
    FetchOutcome out;
    out.record = *rec;
    out.via = FetchVia::store;
    return out;
}

std::optional<Result<FetchOutcome>> Fetcher::fetch_discovered_swarm(
    Job& job, const std::optional<std::string>& torrent_url,
    const std::optional<std::string>& magnet_link, std::optional<Error>& swarm_error) {
    if (torrent_url) {
        job.urls.torrent = *torrent_url;
        auto bytes = get_small(*torrent_url, "torrent");
        if (bytes) {
            auto r = fetch_torrent(job, *bytes, "");
            if (r || !fallback_worthy(r.error())) return r;
            swarm_error = std::move(r).error();
        } else if (!magnet_link) {
            swarm_error = std::move(bytes).error();
        } else {
            job.outcome.warnings.push_back(bytes.error().message + "; trying the magnet link");
            log_.warn(bytes.error().message, "; trying the magnet link");
        }
    }
    if (swarm_error || !magnet_link || !job.torrent_bytes.empty()) return std::nullopt;
    std::string magnet = *magnet_link;
    if (!discovery::is_magnet_uri(magnet)) {
        discovery::HttpPageFetcher small(http::page_options(options_.https));
        auto m = discovery::resolve_magnet(small, magnet);
        if (!m) {
            swarm_error = std::move(m).error();
            return std::nullopt;
        }
        magnet = *m;
    }
    job.urls.magnet = magnet;
    auto r = fetch_torrent(job, "", magnet);
    if (r || !fallback_worthy(r.error())) return r;
    swarm_error = std::move(r).error();
    return std::nullopt;
}

Result<FetchOutcome> Fetcher::fetch_name(Job& job) {
    const discovery::ImageRef& image = job.source.image;
    job.expected = expectation_for(image);
    if (auto hit = fresh_store_hit(job)) return std::move(*hit);
    report(job, FetchProgress{});
    discovery::HttpPageFetcher pages(http::page_options(options_.https));
    discovery::DiscoveryOptions d;
    d.allow_http = options_.https.allow_http;
    d.want_pubkeys = false;
    discovery::PageFetcher& page_source =
        options_.discovery_pages != nullptr ? *options_.discovery_pages : pages;
    auto found = discovery::discover(image, page_source, d);
    if (!found) {
        return with_context("discovery of " + escape_control(image.to_string()),
                            std::move(found).error());
    }
    for (const auto& a : found->attempts)
        log_.debug("discovery passed over ", a.url, ": ", a.outcome);
    const DiscoveryPlan plan = plan_from_discovery(*found, options_.https.allow_http);
    job.urls.aci = plan.aci_url.value_or("");
    job.urls.asc = plan.asc_url.value_or("");
    job.max_age = plan.max_age;
    if (!plan.etag.empty()) job.etag = plan.etag;

    std::optional<Error> swarm_error;
    if (auto done = fetch_discovered_swarm(job, plan.torrent_url, plan.magnet, swarm_error))
        return std::move(*done);
    if (!plan.aci_url) {
        if (swarm_error) return *swarm_error;
        return make_error(Errc::not_found,
                          "discovery of " + escape_control(image.to_string()) +
                              " found no image URL" +
                              refused_scheme_hint(*found, options_.https.allow_http));
    }
    if (!options_.https_fallback) {
        if (swarm_error) return *swarm_error;
        return make_error(Errc::not_found,
                          "discovery of " + image.to_string() +
                              " found no torrent or magnet link, and --no-https-fallback is set");
    }
    if (swarm_error) {
        const std::string w = "falling back to a plain " +
                              std::string(plain_download_name(*plan.aci_url)) +
                              " download: " + swarm_error->message;
        log_.warn(w);
        job.outcome.warnings.push_back(w);
    }
    return fetch_https(job, *plan.aci_url);
}

Result<Fetcher::TorrentInput> Fetcher::read_torrent_input(Job& job, const std::string& torrent,
                                                          const std::string& magnet) {
    TorrentInput in;
    if (!torrent.empty()) {
        auto meta = torrent::parse_torrent(torrent);
        if (!meta) {
            return with_context("torrent " + escape_control(job.source.text),
                                std::move(meta).error());
        }
        if (auto ok =
                check_image_torrent(meta->num_files, meta->total_size, store_.max_image_size());
            !ok) {
            return with_context("torrent " + escape_control(job.source.text), ok.error());
        }
        in.hashes = meta->info_hashes;
        in.web_seeds = meta->web_seeds;
        job.torrent_bytes = torrent;
        in.what = "torrent " + escape_control(meta->name);
    } else {
        auto m = torrent::parse_magnet(magnet);
        if (!m) return with_context("magnet link", std::move(m).error());
        in.hashes = m->info_hashes;
        in.web_seeds = m->web_seeds;
        in.what = "magnet " + in.hashes.best().hex();
    }
    // The same scheme policy for every web seed, whatever its origin.
    for (const std::string& url : in.web_seeds) {
        if (!web_seed_allowed(url, options_.https.allow_http)) {
            const std::string w = "web seed " + escape_control(url) + " listed in the " +
                                  (torrent.empty() ? "magnet link" : "torrent") +
                                  " is not used: " + web_seed_refusal(url);
            log_.warn(in.what, ": ", w);
            job.outcome.warnings.push_back(w);
        }
    }
    return in;
}

std::optional<FetchOutcome> Fetcher::torrent_store_hit(Job& job, const InfoHashes& hashes) {
    if (!options_.use_store) return std::nullopt;
    auto rec = store_.find_by_info_hash(hashes.best());
    if (!rec || !acceptable_hit(*rec)) return std::nullopt;
    log_.debug("fetch: info hash ", hashes.best().hex(), " is in the store as ", rec->id.display());
    touch_logged(*rec);
    FetchOutcome out;
    out.record = *rec;
    if (rec->torrent.empty() && !job.torrent_bytes.empty()) {
        // Stored without its .torrent (fetched over HTTPS): keep this
        // one so the image can be seeded, now and later.
        if (Status s = store_.set_torrent(rec->id, job.torrent_bytes, hashes); !s) {
            const std::string w = "the store keeps no .torrent for " + rec->id.display() +
                                  ", so it cannot be seeded: " + s.error().message;
            log_.warn(w);
            out.warnings.push_back(w);
        } else {
            out.record.torrent = job.torrent_bytes;
        }
    }
    out.via = FetchVia::store;
    return out;
}

void Fetcher::report_download(Job& job, const engine::TorrentStatus& last) {
    FetchProgress p;
    p.phase = last.has_metadata ? FetchPhase::downloading : FetchPhase::metadata;
    p.done = last.total_done;
    p.total = last.has_metadata ? last.total_wanted : -1;
    p.rate = last.download_rate;
    p.peers = last.num_peers;
    p.web_seeds = last.num_web_seeds;
    p.from_peers = last.bytes_from_peers;
    p.from_everseed = last.bytes_from_origin_peers;
    p.from_web_seeds = last.bytes_from_web_seeds;
    p.hash_failures = last.hash_failures;
    report(job, p);
}

// staging/partial-<info hash>: a download interrupted (Ctrl-C, a stall) leaves
// its verified pieces and libtorrent's resume data there, and the next fetch of
// the same torrent continues from them (docs/fetch.md). The torrent is removed
// from the engine on every way out.
struct Fetcher::Download {
    Download(engine::Engine& engine, LockedDir directory, bool can_resume, std::string name,
             Logger& logger)
        : eng(engine),
          dir(std::move(directory)),
          resumable(can_resume),
          what(std::move(name)),
          log(logger) {}
    Download(const Download&) = delete;
    Download& operator=(const Download&) = delete;
    ~Download() {
        if (early) early->cancel();
        drop(true);
    }

    void drop(bool delete_files) {
        if (!tid || removed) return;
        if (Status s = eng.remove(*tid, delete_files); !s)
            log.warn(what, ": removing the torrent: ", s.error().message);
        removed = true;
    }
    // Keeps what arrived for the next fetch: resume data saved (bounded wait),
    // torrent removed without its files, directory left in staging.
    std::string keep_partial(fs::path& kept_at) {
        if (!resumable || last.total_done <= 0) {
            drop(true);
            return {};
        }
        if (auto ok = eng.save_resume_data(*tid, std::chrono::seconds(5)); !ok) {
            log.warn(what, ": ", ok.error().message);
        }
        drop(false);
        kept_at = dir.path();
        dir.keep();
        return "; " + std::to_string(last.total_done) + " of " + std::to_string(last.total_wanted) +
               " bytes kept, the next fetch resumes from them";
    }

    engine::Engine& eng;
    LockedDir dir;
    bool resumable;
    std::string what;
    Logger& log;
    std::optional<engine::TorrentId> tid;
    bool removed = false;
    engine::TorrentStatus last;
    // A magnet's metadata is checked the moment it arrives, before any piece;
    // a refusal is kept here so the error carries the check's own words.
    std::shared_ptr<std::optional<Error>> refused = std::make_shared<std::optional<Error>>();
    // The import's pass, following the verified prefix while the download goes
    // on (agent/store/early_pass.hpp); started with the first verified piece.
    std::unique_ptr<store::EarlyPass> early;

    // Hands the pass the bytes verified so far (`last`).
    void feed_early_pass(std::uint64_t max_image_size) {
        if (!early) {
            if (last.verified_prefix <= 0 || !check_torrent_file_name(last.name)) return;
            store::EarlyPass::Options options;
            options.limits = {max_image_size, max_image_size};
            early = std::make_unique<store::EarlyPass>(dir.path() / last.name, std::move(options));
        }
        early->extend(static_cast<std::uint64_t>(last.verified_prefix));
    }
};

engine::AddDownload Fetcher::download_params(const Job& job, const TorrentInput& input,
                                             const std::string& torrent, const std::string& magnet,
                                             const Download& dl) const {
    engine::AddDownload add;
    add.torrent = torrent;
    add.magnet_uri = torrent.empty() ? magnet : std::string();
    add.save_path = dl.dir.path();
    std::vector<std::string> candidates;
    if (!job.urls.aci.empty()) candidates.push_back(job.urls.aci);
    add.web_seeds = web_seeds_to_add(input.web_seeds, candidates, options_.https.allow_http);
    add.web_seed_allowed = [allow_http = options_.https.allow_http](const std::string& url) {
        return web_seed_allowed(url, allow_http);
    };
    if (!options_.https.credentials.empty()) {
        // Basic credentials ride in the URL, for the matching host only (http/auth.hpp).
        add.web_seed_url = [credentials = options_.https.credentials](const std::string& url) {
            return http::web_seed_url(credentials, url);
        };
    }
    add.check_metadata = [refused = dl.refused, max_size = store_.max_image_size()](
                             const engine::TorrentShape& shape) -> Status {
        auto ok = check_image_torrent(shape.num_files, shape.total_size, max_size);
        if (!ok) *refused = ok.error();
        return ok;
    };
    for (const auto& ws : add.web_seeds) {
        log_.info("fetch: adding web seed ", escape_control(ws));
        if (web_seed_has_query(ws)) {
            log_.warn("web seed ", escape_control(ws),
                      " has a query string: libtorrent's SSRF mitigation refuses it on private "
                      "and loopback addresses (docs/fetch.md)");
        }
    }
    add.trackers = options_.trackers;
    add.peers = options_.peers;
    if (dl.resumable) add.resume_file = dl.dir.path() / "resume";
    return add;
}

Result<FetchOutcome> Fetcher::fetch_torrent(Job& job, const std::string& torrent,
                                            const std::string& magnet) {
    auto input = read_torrent_input(job, torrent, magnet);
    if (!input) return std::move(input).error();
    if (auto hit = torrent_store_hit(job, input->hashes)) return std::move(*hit);
    auto engine_ptr =
        engine_ ? engine_()
                : Result<engine::Engine*>(make_error(Errc::internal, "no BitTorrent engine"));
    if (!engine_ptr) return std::move(engine_ptr).error();

    const std::string partial_name = std::string(partial_prefix) + input->hashes.best().hex();
    auto named = LockedDir::open_named(store_.staging_dir(), partial_name);
    const bool resumable = static_cast<bool>(named);
    if (!resumable) {
        log_.debug("fetch: ", named.error().message, "; downloading into a fresh directory");
    }
    auto dir = resumable ? std::move(named) : LockedDir::create(store_.staging_dir(), "torrent");
    if (!dir) return std::move(dir).error();
    std::error_code ec;
    const bool had_partial = resumable && fs::exists(dir->path() / "resume", ec);
    Download dl(**engine_ptr, std::move(*dir), resumable, input->what, log_);
    auto tid = dl.eng.add_download(download_params(job, *input, torrent, magnet, dl));
    if (!tid) {
        if (resumable) dl.dir.keep();  // an earlier partial download stays resumable
        return with_context(dl.what, std::move(tid).error());
    }
    dl.tid = *tid;
    if (had_partial) {
        // Resume data is checked quickly (no re-hashing): say what was kept.
        if (auto st = dl.eng.wait_checked(*dl.tid, std::chrono::seconds(5), job.stop)) {
            log_.info("fetch: ", dl.what, ": resuming a partial download (", st->total_done, " of ",
                      st->total_wanted, " bytes verified)");
        }
    }
    const auto download_start = clock_.now();
    if (Status s = wait_download(job, dl); !s) return std::move(s).error();
    log_.debug("fetch: ", dl.what, ": download took ",
               std::chrono::duration_cast<std::chrono::milliseconds>(clock_.now() - download_start)
                   .count(),
               " ms");
    return import_download(job, dl, input->hashes);
}

Status Fetcher::wait_download(Job& job, Download& dl) {
    const auto started = clock_.now();
    const std::string& what = dl.what;
    engine::TorrentStatus& last = dl.last;
    int hash_failures_logged = 0;
    bool first_bytes_logged = false;
    StallWatch stall(options_.swarm_timeout, started);
    for (;;) {
        auto r = dl.eng.wait_finished(*dl.tid, std::chrono::milliseconds(250), job.stop);
        if (auto st = dl.eng.status(*dl.tid)) last = *st;
        dl.feed_early_pass(store_.max_image_size());
        report_download(job, last);
        if (last.hash_failures > hash_failures_logged) {
            hash_failures_logged = last.hash_failures;
            log_.warn(
                what, ": ", hash_failures_logged,
                " piece(s) failed their hash check so far (bad data from a peer or web seed)");
        }
        if (!first_bytes_logged && last.total_done > 0) {
            first_bytes_logged = true;
            log_.debug("fetch: ", what, ": first piece verified (", last.total_done, " of ",
                       last.total_wanted, " bytes)");
        }
        if (r) {
            last = *r;
            return {};
        }
        const Error& e = r.error();
        if (e.code == Errc::cancelled || job.stop.stop_requested()) {
            const std::string kept = dl.keep_partial(job.kept_partial);
            return make_error(Errc::cancelled, what + ": cancelled" + kept);
        }
        if (e.code != Errc::timeout) {
            dl.drop(true);
            // The metadata check's own words, as for a .torrent.
            if (*dl.refused) return with_context(what, **dl.refused);
            return with_context(what, e);
        }
        const auto now = clock_.now();
        // Any point of the download: no verified or received byte for swarm_timeout.
        if (stall.observe(now, {.verified = last.total_done,
                                .received = last.bytes_from_peers + last.bytes_from_web_seeds})) {
            return stalled(job, dl);
        }
        if (now - started >= options_.download_timeout) {
            const std::string kept = dl.keep_partial(job.kept_partial);
            return make_error(Errc::timeout, what + ": not finished within " +
                                                 human_duration(options_.download_timeout) + kept);
        }
    }
}

Error Fetcher::stalled(Job& job, Download& dl) {
    const engine::TorrentStatus& last = dl.last;
    const std::string connected =
        std::to_string(last.num_peers) + " peers, " + std::to_string(last.num_web_seeds) +
        " web seeds connected" +
        (last.hash_failures > 0
             ? ", " + std::to_string(last.hash_failures) + " pieces failed their hash check"
             : std::string());
    if (last.total_done <= 0) {
        dl.drop(true);
        return Error{Errc::timeout, dl.what + ": no piece from the swarm within " +
                                        human_duration(options_.swarm_timeout) + " (" + connected +
                                        ")"};
    }
    const std::string progress =
        std::to_string(last.total_done) + " of " + std::to_string(last.total_wanted) + " bytes";
    const std::string kept = dl.keep_partial(job.kept_partial);
    return Error{Errc::timeout, dl.what + ": no progress from the swarm for " +
                                    human_duration(options_.swarm_timeout) + " after " + progress +
                                    " (" + connected + ")" + kept};
}

Result<FetchOutcome> Fetcher::import_download(Job& job, Download& dl, const InfoHashes& hashes) {
    const engine::TorrentStatus& last = dl.last;
    const std::string& what = dl.what;
    job.outcome.from_peers = last.bytes_from_peers;
    job.outcome.from_everseed = last.bytes_from_origin_peers;
    job.outcome.from_web_seeds = last.bytes_from_web_seeds;
    job.outcome.uploaded = last.total_payload_upload;
    job.outcome.peers_lacking_pieces = last.num_peers - last.num_seeds;
    job.outcome.hash_failures = last.hash_failures;
    if (last.hash_failures > 0) {
        const std::string w = std::to_string(last.hash_failures) +
                              " piece(s) failed their hash check and were fetched again";
        log_.warn(what, ": ", w);
        job.outcome.warnings.push_back(w);
    }
    const fs::path file = dl.dir.path() / last.name;
    if (job.torrent_bytes.empty()) {
        // A magnet: keep the metadata the swarm sent, so the image can be seeded later.
        if (auto t = dl.eng.torrent_file(*dl.tid)) {
            job.torrent_bytes = std::move(*t);
        } else {
            log_.warn(what, ": no .torrent kept (", t.error().message, "); it cannot be seeded");
        }
    }
    dl.drop(false);
    if (dl.early) dl.early->complete(static_cast<std::uint64_t>(last.total_wanted));
    FetchProgress verifying;
    verifying.phase = FetchPhase::verifying;
    verifying.done = verifying.total = last.total_wanted;
    verifying.from_peers = last.bytes_from_peers;
    verifying.from_everseed = last.bytes_from_origin_peers;
    verifying.from_web_seeds = last.bytes_from_web_seeds;
    verifying.hash_failures = last.hash_failures;
    report(job, verifying);

    store::ImportRequest req;
    req.expected = job.expected;
    req.urls = job.urls;
    req.torrent = job.torrent_bytes;
    req.info_hashes = hashes;
    if (last.info_hashes.has_v1() || last.info_hashes.has_v2()) req.info_hashes = last.info_hashes;
    req.etag = job.etag;
    req.max_age = job.max_age;
    req.seeding_policy = options_.seeding_policy;
    req.move = true;
    req.early_pass = dl.early.get();
    if (auto ok = prepare_trust(job, req); !ok) return std::move(ok).error();
    if (Status s = check_torrent_file_name(last.name); !s)
        return make_error(Errc::unsupported, what + ": " + s.error().message);
    auto rec = store_.import_file(file, req);
    if (!rec) return with_context(escape_control(job.source.text), std::move(rec).error());
    FetchOutcome out = std::move(job.outcome);
    job.outcome = {};
    job.outcome.warnings = out.warnings;
    out.record = std::move(*rec);
    out.via = FetchVia::swarm;
    return out;
}

Result<FetchOutcome> Fetcher::fetch_https(Job& job, const std::string& url) {
    auto file = store_.create_staging_file("download");
    if (!file) return std::move(file).error();
    FetchProgress p;
    p.phase = FetchPhase::https;
    report(job, p);
    DownloadLimits limits;
    limits.aci_magic = true;
    limits.max_bytes = store_.max_image_size();
    limits.max_reason = "the maximum image size, --max-image-size";
    if (!job.torrent_bytes.empty()) {
        if (auto meta = torrent::parse_torrent(job.torrent_bytes);
            meta && meta->total_size >= 0 &&
            static_cast<std::uint64_t>(meta->total_size) + declared_size_margin <
                limits.max_bytes) {
            limits.max_bytes = static_cast<std::uint64_t>(meta->total_size) + declared_size_margin;
            limits.max_reason = "the torrent declares " + std::to_string(meta->total_size);
        }
    }
    auto bytes = https_download(
        url, *file, options_.https,
        [&](std::int64_t done, std::int64_t total, std::int64_t rate) {
            FetchProgress q;
            q.phase = FetchPhase::https;
            q.done = done;
            q.total = total;
            q.rate = rate;
            report(job, q);
        },
        job.stop, limits);
    if (!bytes) return std::move(bytes).error();
    FetchProgress v;
    v.phase = FetchPhase::verifying;
    v.done = v.total = static_cast<std::int64_t>(*bytes);
    report(job, v);
    store::ImportRequest req;
    req.expected = job.expected;
    req.urls = job.urls;
    req.torrent = job.torrent_bytes;
    if (!req.torrent.empty()) {
        if (auto meta = torrent::parse_torrent(req.torrent)) req.info_hashes = meta->info_hashes;
    }
    req.etag = job.etag;
    req.max_age = job.max_age;
    req.seeding_policy = options_.seeding_policy;
    req.move = true;
    if (auto ok = prepare_trust(job, req); !ok) return std::move(ok).error();
    auto rec = store_.import_staged(std::move(*file), req);
    if (!rec) return with_context(escape_control(job.source.text), std::move(rec).error());
    if (!job.kept_partial.empty()) {
        // The image is stored: the swarm's partial download is of no more use.
        std::error_code ec;
        fs::remove_all(job.kept_partial, ec);
        job.kept_partial.clear();
    }
    FetchOutcome out;
    out.warnings = job.outcome.warnings;
    out.record = std::move(*rec);
    out.via = FetchVia::https;
    out.from_https = static_cast<std::int64_t>(*bytes);
    return out;
}

Result<FetchOutcome> Fetcher::import_file(Job& job, const std::string& path) {
    store::ImportRequest req;
    req.seeding_policy = options_.seeding_policy;
    // A local file's signature lies beside it (rkt's fetch of a file verifies too).
    job.urls.asc = path + ".asc";
    if (auto ok = prepare_trust(job, req); !ok) return std::move(ok).error();
    auto rec = store_.import_file(path, req);
    if (!rec) return std::move(rec).error();
    job.urls.asc = "";
    FetchOutcome out;
    out.record = std::move(*rec);
    out.via = FetchVia::file;
    return out;
}

Result<FetchOutcome> Fetcher::fetch_converted(Job& job) {
    const bool archive = job.source.kind == SourceKind::oci_archive;
    const bool layout = archive || job.source.kind == SourceKind::oci_layout;
    if (options_.verify && !options_.signature) {
        // Refused before any blob is read: nobody signed the ACI about to be written.
        return make_error(Errc::untrusted, escape_control(job.source.text) +
                                               ": a converted image is not signed, so there is no "
                                               "signature to check (--insecure-options=image skips "
                                               "the check)");
    }
    FetchProgress p;
    p.phase = layout ? FetchPhase::verifying : FetchPhase::downloading;
    report(job, p);
    std::optional<LayerSwarm> swarm;
    if (!layout && !options_.blob_origin.empty()) {
        auto engine = engine_();
        if (!engine) return std::move(engine).error();
        swarm.emplace(LayerSwarm{options_.blob_origin, **engine, log_, options_.swarm_timeout});
    }
    auto converted =
        archive ? convert_oci_archive(store_, job.source.text, options_.cwd, options_.platform,
                                      job.stop)
        : layout
            ? convert_oci_layout(store_, job.source.text, options_.cwd, options_.platform, job.stop)
            : convert_docker_image(store_, job.source.text, options_.https, options_.platform,
                                   swarm ? &*swarm : nullptr, job.stop);
    if (!converted) return std::move(converted).error();
    store::ImportRequest req;
    req.seeding_policy = options_.seeding_policy;
    if (auto ok = prepare_trust(job, req); !ok) return std::move(ok).error();
    auto rec = store_.import_staged(std::move(converted->file), req);
    if (!rec) return with_context(escape_control(job.source.text), std::move(rec).error());
    FetchOutcome out;
    out.record = std::move(*rec);
    // Where the layers came from: the swarm when it delivered any (the manifest and
    // config always come from the registry; the log line counts the bytes of each).
    out.via = layout                      ? FetchVia::file
              : converted->from_swarm > 0 ? FetchVia::swarm
                                          : FetchVia::https;
    out.from_https = static_cast<std::int64_t>(converted->from_registry);
    out.from_peers = static_cast<std::int64_t>(converted->from_swarm);
    return out;
}

void Fetcher::touch_logged(const store::ImageRecord& rec) {
    // Only gc's "unused for" clock depends on it: the hit itself stands.
    if (Status s = store_.touch(rec.id); !s)
        log_.warn("fetch: ", rec.id.display(), ": last-used time not updated: ", s.error().message);
}

bool Fetcher::acceptable_hit(const store::ImageRecord& rec) const {
    return !options_.verify || !rec.verified_by.empty();
}

Status Fetcher::prepare_trust(Job& job, store::ImportRequest& req) {
    if (!job.signature_loaded) {
        job.signature_loaded = true;
        if (options_.signature) {
            job.signature = options_.signature;
        } else if (!job.urls.asc.empty() && (options_.fetch_signature || options_.verify)) {
            Result<std::string> bytes = make_error(Errc::not_found, "");
            if (job.source.kind == SourceKind::aci_file) {
                std::error_code ec;
                if (fs::exists(job.urls.asc, ec)) {
                    bytes = read_whole(job.urls.asc, options_.max_metadata_bytes);
                }
            } else {
                bytes = get_small(job.urls.asc, "signature");
            }
            if (bytes) {
                job.signature = std::move(*bytes);
            } else if (bytes.error().code != Errc::not_found) {
                // Not knowing whether a signature exists is a network failure,
                // not a trust decision: with verification on, stop here.
                if (options_.verify) return std::move(bytes).error();
                job.outcome.warnings.push_back("no signature stored: " + bytes.error().message);
            }
        }
    }
    if (job.signature) req.signature = job.signature;
    if (options_.verify) {
        req.verify = [this, &job](const fs::path& blob,
                                  std::string_view name) -> Result<std::string> {
            return options_.verify(blob, name, job.signature);
        };
    }
    return {};
}

void Fetcher::attach_signature(Job& job, FetchOutcome& out) {
    // A store hit asks nothing of the network; an image already signed keeps its signature.
    if (!options_.fetch_signature || out.via == FetchVia::store || out.record.has_signature ||
        job.urls.asc.empty()) {
        return;
    }
    auto bytes = get_small(job.urls.asc, "signature");
    if (!bytes) {
        const std::string w = "no signature stored: " + bytes.error().message;
        log_.warn(w);
        out.warnings.push_back(w);
        return;
    }
    if (auto s = store_.attach_signature(out.record.id, *bytes); !s) {
        const std::string w = "no signature stored: " + s.error().message;
        log_.warn(w);
        out.warnings.push_back(w);
        return;
    }
    out.record.has_signature = true;
    // Only reached when the import ran without the signature (verification off).
    log_.debug("fetch: stored signature ", escape_control(job.urls.asc),
               " without checking it (--insecure-options=image)");
}

}  // namespace aciswarm::agent::fetch
