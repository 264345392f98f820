#include "agent/daemon/store_engine_backend.hpp"

#include "trust/verifier.hpp"

#include <limits>
#include <mutex>
#include <stop_token>
#include <system_error>
#include <thread>

#include "agent/fetch/fetcher.hpp"
#include "agent/fetch/source.hpp"
#include "common/file_read.hpp"

namespace aciswarm::agent {
namespace {

namespace fs = std::filesystem;

// The largest .torrent a client may send (as the fetch library's default).
constexpr std::size_t max_torrent_bytes = 64 << 20;

// The same words whether or not the path exists or the daemon could read it:
// the reply tells a client nothing about files it cannot open itself.
const std::string local_file_without_descriptor =
    "a local file must be opened by the client and sent as a descriptor (\"source_fd\": true, "
    "SCM_RIGHTS; aciswarm fetch does this); the daemon does not open paths a client names";

std::string listen_interface(const DaemonConfig& c) {
    const bool v6 = c.listen_address.find(':') != std::string::npos;
    return (v6 ? "[" + c.listen_address + "]" : c.listen_address) + ":" +
           std::to_string(c.listen_port);
}

std::string display_name(const store::ImageRecord& r) {
    std::string name = r.name;
    if (auto it = r.labels.find("version"); it != r.labels.end()) name += ":" + it->second;
    return name;
}

}  // namespace

Result<std::unique_ptr<StoreEngineBackend>> StoreEngineBackend::create(const DaemonConfig& config,
                                                                       const Clock& clock,
                                                                       Logger& log) {
    store::StoreOptions store_options;
    store_options.max_image_size = config.max_image_size;
    auto st = store::Store::open(config.store, clock, log, store_options);
    if (!st) return with_context("store " + config.store, st.error());
    engine::EngineConfig ec_config = config.engine;
    ec_config.listen_interfaces = {listen_interface(config)};
    // libtorrent reads the CA through SSL_CERT_FILE (set at start-up by daemon_cli), but
    // the engine's own web seed slices (libcurl) take it from here: without it every slice
    // failed the certificate check and the daemon fell back to libtorrent's web seed.
    ec_config.ca_file = config.ca_file;
    // Seeds start again from the store; a download keeps its
    // resume data beside its data in staging/partial-<info hash> (agent/fetch).
    ec_config.resume_save_interval =
        std::max(std::chrono::seconds(1),
                 std::chrono::duration_cast<std::chrono::seconds>(config.resume_interval));
    auto eng = engine::Engine::create(ec_config, log, clock);
    if (!eng) return with_context("engine", eng.error());
    std::unique_ptr<StoreEngineBackend> backend(
        new StoreEngineBackend(std::move(*st), std::move(*eng), config.store, clock, log));
    backend->ca_file_ = config.ca_file;
    backend->blob_origin_ = config.mirror_origin;
    backend->store_options_ = store_options;
    if (Status s = backend->reload_credentials(config.auth_dir); !s) return s.error();
    if (config.insecure_image) {
        log.warn("insecure-options=image: fetched images' signatures are not checked");
    } else {
        auto verifier = std::make_shared<trust::ImageVerifier>(
            config.trust_dir.empty() ? trust::TrustDirs::system_default()
                                     : trust::TrustDirs::only(config.trust_dir),
            clock);
        backend->verify_ = [verifier](
                               const fs::path& blob, std::string_view name,
                               const std::optional<std::string>& signature) -> Result<std::string> {
            auto check = verifier->verify(blob, name, signature);
            if (!check) return std::move(check).error();
            return check->primary.hex;
        };
    }
    return backend;
}

StoreEngineBackend::StoreEngineBackend(store::Store store, std::unique_ptr<engine::Engine> engine,
                                       std::string store_path, const Clock& clock, Logger& log)
    : store_(std::move(store)),
      engine_(std::move(engine)),
      log_(log),
      store_path_(std::move(store_path)),
      clock_(clock) {}

// One Fetcher run. The worker thread writes `state` and `finished` under
// `mu`; the loop thread reads them in poll_workers().
struct StoreEngineBackend::Worker {
    FetchId id = 0;
    std::mutex mu;
    FetchState state;       // guarded by mu
    bool finished = false;  // guarded by mu
    std::jthread thread;    // last member: stopped and joined first
};

StoreEngineBackend::~StoreEngineBackend() {
    for (auto& w : workers_)
        w->thread.request_stop();
    workers_.clear();  // joins; the engine is still alive
}

bool StoreEngineBackend::stop_workers(std::chrono::milliseconds deadline) {
    for (auto& w : workers_)
        w->thread.request_stop();
    const auto until = std::chrono::steady_clock::now() + deadline;
    for (;;) {
        std::size_t running = 0;
        for (auto& w : workers_) {
            std::lock_guard lock(w->mu);
            running += w->finished ? 0 : 1;
        }
        if (running == 0) {
            workers_.clear();
            return true;
        }
        if (std::chrono::steady_clock::now() >= until) {
            log_.warn("shutdown: ", running, " fetch worker(s) did not stop within ",
                      deadline.count(), " ms; abandoning them");
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling threads' flags
    }
}

namespace {

std::uint64_t non_negative(std::int64_t bytes) {
    return static_cast<std::uint64_t>(std::max<std::int64_t>(0, bytes));
}

FetchState failed_fetch(std::string error, Errc code) {
    FetchState p;
    p.state = FetchState::State::failed;
    p.error = std::move(error);
    p.error_code = code;
    return p;
}

// Errors name what the client asked for, not the descriptor's path.
std::string name_source(std::string message, const std::string& fd_path, const std::string& shown) {
    for (std::size_t at; !fd_path.empty() && (at = message.find(fd_path)) != std::string::npos;) {
        message.replace(at, fd_path.size(), shown);
    }
    return message;
}

}  // namespace

Status StoreEngineBackend::reload_credentials(const std::string& auth_dir) {
    auto loaded = http::load_credentials(auth_dir.empty() ? http::AuthDirs::system_default()
                                                          : http::AuthDirs::only(auth_dir));
    if (!loaded) return with_context("auth.d", std::move(loaded).error());
    for (const std::string& skipped : loaded->skipped)
        log_.warn("auth.d: passing over ", skipped);
    credentials_ = std::move(loaded->credentials);
    log_.info("auth.d: credentials for ", credentials_.domains().size(), " domain(s)");
    for (const std::string& domain : credentials_.domains())
        log_.debug("auth.d: credentials configured for ", domain);
    return {};
}

std::size_t StoreEngineBackend::set_tracker_key(const std::string& key) {
    return engine_->set_tracker_key(key);
}

fetch::FetchOptions StoreEngineBackend::worker_options(
    const FetchRequest& request, const std::vector<PeerEndpoint>& peers) const {
    fetch::FetchOptions options;
    options.peers = peers;
    options.cwd = request.dir;
    options.trackers = request.trackers;
    options.use_store = !request.no_store;
    options.verify = verify_;
    options.https_fallback = !request.no_https_fallback;
    options.https.ca_file = ca_file_;
    options.https.credentials = credentials_;
    options.blob_origin = blob_origin_;  // used by docker:// sources only
    if (request.swarm_timeout) options.swarm_timeout = *request.swarm_timeout;
    options.signature = request.signature;
    return options;
}

Result<FetchId> StoreEngineBackend::start_worker(const FetchRequest& request,
                                                 const std::vector<PeerEndpoint>& peers) {
    auto classified = fetch::classify_source(request.source);
    if (!classified) return classified.error();
    // A local file comes as the client's descriptor: the Fetcher reads it
    // through /proc/self/fd (the same open file, whatever the path now names).
    std::string fd_path;
    if (request.source_file) {
        fd_path = "/proc/self/fd/" + std::to_string(request.source_file->get());
        classified->text = fd_path;
    }
    auto w = std::make_unique<Worker>();
    const FetchId fid = next_fetch_++;
    w->id = fid;
    Worker* raw = w.get();
    raw->thread = std::jthread(
        [this, raw, src = std::move(*classified), options = worker_options(request, peers),
         keep_open = request.source_file, fd_path, shown = request.source](std::stop_token stop) {
            FetchState p = run_worker_fetch(*raw, src, options, stop);
            if (p.state == FetchState::State::failed) {
                p.error = name_source(std::move(p.error), fd_path, shown);
                log_.error("fetch ", shown, ": ", p.error);
            }
            std::lock_guard lock(raw->mu);
            // A failed fetch keeps its last progress: its bytes count in the totals.
            if (p.state == FetchState::State::failed) p.progress = raw->state.progress;
            raw->state = std::move(p);
            raw->finished = true;
        });
    fetches_[fid] = {};
    ledger_.started(fid, request.source, clock_.now());
    workers_.push_back(std::move(w));
    return fid;
}

// On the worker's thread: one Fetcher over its own Store handle and the
// shared Engine; running progress goes to w.state under w.mu.
FetchState StoreEngineBackend::run_worker_fetch(Worker& w, const fetch::Source& src,
                                                const fetch::FetchOptions& options,
                                                std::stop_token stop) {
    auto st = store::Store::open(store_path_, clock_, log_, store_options_);
    if (!st) {
        return failed_fetch("store " + store_path_ + ": " + st.error().message, st.error().code);
    }
    engine::Engine* eng = engine_.get();
    fetch::Fetcher fetcher(
        *st, [eng]() -> Result<engine::Engine*> { return eng; }, options, log_, clock_);
    auto outcome = fetcher.fetch(
        src,
        [&w](const fetch::FetchProgress& fp) {
            std::lock_guard lock(w.mu);
            w.state.progress = fp;
        },
        stop);
    if (!outcome) return failed_fetch(outcome.error().message, outcome.error().code);
    FetchState p;
    p.state = FetchState::State::done;
    p.image = outcome->record.id;
    p.progress.done = p.progress.total = static_cast<std::int64_t>(outcome->record.size);
    p.progress.from_peers = outcome->from_peers;
    p.progress.from_everseed = outcome->from_everseed;
    p.progress.from_web_seeds = outcome->from_web_seeds;
    p.progress.hash_failures = outcome->hash_failures;
    p.from_https = non_negative(outcome->from_https);
    p.uploaded = non_negative(outcome->uploaded);
    log_.info("fetched ", outcome->record.id.display(), " via ",
              fetch::fetch_via_name(outcome->via));
    return p;
}

void StoreEngineBackend::poll_workers() {
    for (auto it = workers_.begin(); it != workers_.end();) {
        Worker& w = **it;
        bool finished = false;
        {
            std::lock_guard lock(w.mu);
            fetches_[w.id] = w.state;
            finished = w.finished;
            if (finished) ledger_.ended(w.id, w.state, clock_.now());
        }
        if (finished) {
            w.thread.join();  // it has left fetch(): returns at once
            it = workers_.erase(it);
        } else {
            ++it;
        }
    }
}

Result<std::vector<StoredImage>> StoreEngineBackend::stored_images() {
    auto list = store_.list();
    if (!list) return list.error();
    std::vector<StoredImage> out;
    out.reserve(list->size());
    for (const store::ImageRecord& r : *list) {
        StoredImage image{r.id, display_name(r), r.size, !r.torrent.empty()};
        image.manifest_name = r.name;
        const auto label = [&r](const char* key) {
            auto it = r.labels.find(key);
            return it == r.labels.end() ? std::string() : it->second;
        };
        image.version = label("version");
        image.os = label("os");
        image.arch = label("arch");
        image.verified_by = r.verified_by;
        out.push_back(std::move(image));
    }
    return out;
}

Status StoreEngineBackend::start_seeding(const ImageId& id) {
    if (seeds_.contains(id)) return {};
    auto rec = store_.get(id);
    if (!rec) return rec.error();
    auto seed = fetch::StoreSeed::start(store_, *engine_, *rec);
    if (!seed) return std::move(seed).error();
    seeds_.emplace(id, std::move(*seed));
    return {};
}

void StoreEngineBackend::stop_seeding(const ImageId& id) {
    auto it = seeds_.find(id);
    if (it == seeds_.end()) return;
    retire_uploads(it->second.torrent());
    if (Status s = it->second.stop(); !s)
        log_.warn("stop seeding ", id.display(), ": ", s.error().message);
    seeds_.erase(it);
}

std::optional<SwarmStats> StoreEngineBackend::swarm_stats(const ImageId& id) {
    auto it = seeds_.find(id);
    if (it == seeds_.end()) return std::nullopt;
    auto st = engine_->status(it->second.torrent());
    if (!st) return std::nullopt;
    SwarmStats s;
    s.state = std::string(engine::torrent_state_name(st->state));
    if (!st->error.empty()) s.state += ": " + st->error;
    s.peers = st->num_peers;
    s.download_rate = st->download_rate;
    s.upload_rate = st->upload_rate;
    s.uploaded = static_cast<std::uint64_t>(std::max<std::int64_t>(0, st->total_payload_upload));
    s.downloaded =
        static_cast<std::uint64_t>(std::max<std::int64_t>(0, st->total_payload_download));
    s.total = static_cast<std::uint64_t>(std::max<std::int64_t>(0, st->total_size));
    s.progress = st->total_wanted > 0
                     ? static_cast<double>(st->total_done) / static_cast<double>(st->total_wanted)
                     : 1.0;
    if (st->zone.role != engine::ZoneRole::unknown) {
        s.zone_role = engine::zone_role_name(st->zone.role);
        s.zone = st->zone.zone;
        for (const PeerEndpoint& leader : st->zone.leaders)
            s.zone_leaders.push_back(leader.to_string());
    }
    return s;
}

Status StoreEngineBackend::remove_image(const ImageId& id) {
    stop_seeding(id);
    return store_.remove(id);
}

Result<std::vector<RemovedImage>> StoreEngineBackend::gc(std::chrono::seconds older_than,
                                                         bool dry_run,
                                                         const std::set<ImageId>& pinned) {
    store::GcOptions options;
    options.older_than = older_than;
    options.dry_run = dry_run;
    options.keep = [&](const store::ImageRecord& r) {
        return seeds_.contains(r.id) || pinned.contains(r.id);
    };
    auto removed = store_.gc(options);
    if (!removed) return removed.error();
    std::vector<RemovedImage> images;
    for (const store::ImageRecord& r : *removed)
        images.push_back({r.id.full(), display_name(r)});
    return images;
}

Result<FetchId> StoreEngineBackend::start_fetch(const FetchRequest& request) {
    const std::string& source = request.source;
    const std::vector<std::string>& peers = request.peers;
    const auto fail = [&](Errc code, const std::string& why) {
        return make_error(code, "fetch " + source + ": " + why);
    };
    std::vector<PeerEndpoint> endpoints;
    for (const std::string& p : peers) {
        auto ep = PeerEndpoint::parse(p);
        if (!ep) return fail(Errc::invalid_argument, ep.error().message);
        endpoints.push_back(*ep);
    }
    auto classified = fetch::classify_source(source);
    if (!classified) return fail(Errc::invalid_argument, classified.error().message);
    if (classified->kind == fetch::SourceKind::oci_layout ||
        classified->kind == fetch::SourceKind::oci_archive) {
        return fail(Errc::permission, "an OCI layout is converted by `aciswarm fetch` itself");
    }
    const bool local_file = classified->kind == fetch::SourceKind::torrent_file ||
                            classified->kind == fetch::SourceKind::aci_file;
    if (local_file && !request.source_file)
        return fail(Errc::permission, local_file_without_descriptor);
    if (request.source_file && !local_file)
        return fail(Errc::invalid_argument, "a descriptor was sent but the source is not a file");
    if (local_file) {
        // Refuse a FIFO, device or directory here: the Fetcher would block on it.
        const std::size_t max = classified->kind == fetch::SourceKind::torrent_file
                                    ? max_torrent_bytes
                                    : std::numeric_limits<std::size_t>::max();
        if (auto size = check_regular_file(request.source_file->get(), source, max); !size)
            return size.error();
    }
    // Every source runs the fetch library on a worker thread.
    auto fid = start_worker(request, endpoints);
    if (!fid) return fail(fid.error().code, fid.error().message);
    log_.info("fetch ", source, ": started (", fetch::source_kind_name(classified->kind), ")");
    return fid;
}

FetchState StoreEngineBackend::fetch_state(FetchId id) {
    auto it = fetches_.find(id);
    if (it == fetches_.end()) {
        return failed_fetch("fetch " + std::to_string(id) + ": unknown", Errc::network);
    }
    FetchState p = it->second;
    if (p.state != FetchState::State::running) fetches_.erase(it);
    return p;
}

void StoreEngineBackend::retire_uploads(engine::TorrentId torrent) {
    if (auto st = engine_->status(torrent))
        retired_uploaded_ += non_negative(st->total_payload_upload);
}

web::FetchActivity StoreEngineBackend::fetch_activity() {
    web::FetchActivity activity = ledger_.activity(fetches_, clock_.now());
    std::uint64_t live = 0;
    for (const auto& [id, seed] : seeds_) {
        if (auto st = engine_->status(seed.torrent()))
            live += non_negative(st->total_payload_upload);
    }
    // Fetches' own uploads count once they end (FetchState::uploaded).
    activity.totals.uploaded += retired_uploaded_ + live;
    return activity;
}

void StoreEngineBackend::poll() {
    poll_workers();
}

void StoreEngineBackend::save_resume_data() {
    if (Status s = engine_->save_resume_data(); !s) log_.warn("resume data: ", s.error().message);
}

int StoreEngineBackend::listen_port() {
    return engine_->listen_port();
}

}  // namespace aciswarm::agent
