#include "agent/daemon/store_engine_backend.hpp"

#include "trust/verifier.hpp"

#include <sys/stat.h>

#include <fstream>
#include <limits>
#include <mutex>
#include <sstream>
#include <stop_token>
#include <system_error>
#include <thread>

#include "agent/fetch/fetcher.hpp"
#include "agent/fetch/source.hpp"
#include "common/file_read.hpp"
#include "torrent/torrent_file.hpp"

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

Result<std::string> read_whole(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error(Errc::not_found, path.string() + ": cannot open");
    std::stringstream buf;
    buf << in.rdbuf();
    return buf.str();
}

Status write_atomic(const fs::path& path, std::string_view bytes) {
    const fs::path tmp = path.string() + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        out.flush();
        if (!out) return make_error(Errc::io, tmp.string() + ": write failed");
    }
    std::error_code ec;
    fs::rename(tmp, path, ec);
    if (ec) return make_error(Errc::io, path.string() + ": " + ec.message());
    return {};
}

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
    auto st = store::Store::open(config.store, clock, log);
    if (!st) return with_context("store " + config.store, st.error());
    const fs::path cache = config.cache_dir;
    std::error_code ec;
    for (const char* sub : {"resume", "seed", "downloads"}) {
        fs::create_directories(cache / sub, ec);
        if (ec) return make_error(Errc::io, (cache / sub).string() + ": " + ec.message());
    }
    engine::EngineConfig ec_config = config.engine;
    ec_config.listen_interfaces = {listen_interface(config)};
    ec_config.resume_dir = cache / "resume";
    ec_config.resume_save_interval =
        std::max(std::chrono::seconds(1),
                 std::chrono::duration_cast<std::chrono::seconds>(config.resume_interval));
    auto eng = engine::Engine::create(ec_config, log, clock);
    if (!eng) return with_context("engine", eng.error());
    std::unique_ptr<StoreEngineBackend> backend(
        new StoreEngineBackend(std::move(*st), std::move(*eng), cache, config.store, clock, log));
    backend->ca_file_ = config.ca_file;
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
    backend->adopt_resumed(backend->engine_->add_from_resume_dir());
    return backend;
}

StoreEngineBackend::StoreEngineBackend(store::Store store, std::unique_ptr<engine::Engine> engine,
                                       fs::path cache_dir, std::string store_path,
                                       const Clock& clock, Logger& log)
    : store_(std::move(store)),
      engine_(std::move(engine)),
      cache_dir_(std::move(cache_dir)),
      log_(log),
      store_path_(std::move(store_path)),
      clock_(clock) {}

// One Fetcher run. The worker thread writes `progress` and `finished` under
// `mu`; the loop thread reads them in poll_workers().
struct StoreEngineBackend::Worker {
    FetchId id = 0;
    std::mutex mu;
    FetchProgress progress;  // guarded by mu
    bool finished = false;   // guarded by mu
    std::jthread thread;     // last member: stopped and joined first
};

// Reading a client's .torrent descriptor off the loop thread; poll() starts
// the download once `bytes` is there.
struct StoreEngineBackend::Reader {
    FetchId id = 0;
    FetchRequest request;
    std::vector<PeerEndpoint> peers;
    std::mutex mu;
    std::optional<Result<std::string>> bytes;  // guarded by mu; set once, when done
    std::jthread thread;                       // last member: stopped and joined first
};

StoreEngineBackend::~StoreEngineBackend() {
    for (auto& w : workers_)
        w->thread.request_stop();
    for (auto& r : readers_)
        r->thread.request_stop();
    readers_.clear();
    workers_.clear();  // joins; the engine is still alive
}

bool StoreEngineBackend::stop_workers(std::chrono::milliseconds deadline) {
    for (auto& w : workers_)
        w->thread.request_stop();
    for (auto& r : readers_)
        r->thread.request_stop();
    const auto until = std::chrono::steady_clock::now() + deadline;
    for (;;) {
        std::size_t running = 0;
        for (auto& w : workers_) {
            std::lock_guard lock(w->mu);
            running += w->finished ? 0 : 1;
        }
        for (auto& r : readers_) {
            std::lock_guard lock(r->mu);
            running += r->bytes ? 0 : 1;
        }
        if (running == 0) {
            readers_.clear();
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

FetchProgress failed_progress(std::string error, Errc code) {
    FetchProgress p;
    p.state = FetchProgress::State::failed;
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
    if (request.swarm_timeout) options.swarm_timeout = *request.swarm_timeout;
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
            FetchProgress p = run_worker_fetch(*raw, src, options, stop);
            if (p.state == FetchProgress::State::failed) {
                p.error = name_source(std::move(p.error), fd_path, shown);
                log_.error("fetch ", shown, ": ", p.error);
            }
            std::lock_guard lock(raw->mu);
            raw->progress = std::move(p);
            raw->finished = true;
        });
    fetches_[fid] = {};
    ledger_.started(fid, request.source, clock_.now());
    workers_.push_back(std::move(w));
    return fid;
}

// On the worker's thread: one Fetcher over its own Store handle and the
// shared Engine; running progress goes to w.progress under w.mu.
FetchProgress StoreEngineBackend::run_worker_fetch(Worker& w, const fetch::Source& src,
                                                   const fetch::FetchOptions& options,
                                                   std::stop_token stop) {
    auto st = store::Store::open(store_path_, clock_, log_);
    if (!st) {
        return failed_progress("store " + store_path_ + ": " + st.error().message, st.error().code);
    }
    engine::Engine* eng = engine_.get();
    fetch::Fetcher fetcher(
        *st, [eng]() -> Result<engine::Engine*> { return eng; }, options, log_, clock_);
    auto outcome = fetcher.fetch(
        src,
        [&w](const fetch::FetchProgress& fp) {
            std::lock_guard lock(w.mu);
            FetchProgress& p = w.progress;
            p.done_bytes = non_negative(fp.done);
            p.total_bytes = non_negative(fp.total);
            p.download_rate = fp.rate;
            p.peers = fp.peers;
            p.from_peers = non_negative(fp.from_peers);
            p.from_web_seeds = non_negative(fp.from_web_seeds);
            p.from_everseed = non_negative(fp.from_everseed);
            p.hash_failures = non_negative(fp.hash_failures);
        },
        stop);
    if (!outcome) return failed_progress(outcome.error().message, outcome.error().code);
    FetchProgress p;
    p.state = FetchProgress::State::done;
    p.image = outcome->record.id;
    p.done_bytes = p.total_bytes = outcome->record.size;
    p.from_peers = non_negative(outcome->from_peers);
    p.from_web_seeds = non_negative(outcome->from_web_seeds);
    p.from_everseed = non_negative(outcome->from_everseed);
    p.from_https = non_negative(outcome->from_https);
    p.uploaded = non_negative(outcome->uploaded);
    p.hash_failures = non_negative(outcome->hash_failures);
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
            fetches_[w.id] = w.progress;
            finished = w.finished;
            if (finished) ledger_.ended(w.id, w.progress, clock_.now());
        }
        if (finished) {
            w.thread.join();  // it has left fetch(): returns at once
            it = workers_.erase(it);
        } else {
            ++it;
        }
    }
}

void StoreEngineBackend::adopt_resumed(const std::vector<engine::TorrentId>& torrents) {
    for (const engine::TorrentId tid : torrents) {
        auto st = engine_->status(tid);
        if (!st) continue;
        const InfoHash best = st->info_hashes.best();
        if (auto rec = store_.find_by_info_hash(best)) {
            seeds_[rec->id] = tid;
            log_.info("resumed seeding ", rec->id.display());
            continue;
        }
        const fs::path sidecar = cache_dir_ / "downloads" / (best.hex() + ".torrent");
        auto bytes = read_whole(sidecar);
        if (bytes && fetch::check_torrent_file_name(st->name)) {
            // Resume data is checked quickly (no re-hashing); wait so the log tells what was kept.
            if (auto checked = engine_->wait_checked(tid, std::chrono::seconds(10)))
                st = std::move(checked);
            const fs::path dir = cache_dir_ / "downloads" / best.hex();
            downloads_.push_back(
                {tid, std::move(*bytes), dir, dir / st->name, sidecar, std::nullopt});
            log_.info("resumed download ", st->name, " (", st->total_done, " of ", st->total_wanted,
                      " bytes verified)");
            continue;
        }
        log_.warn("resume: torrent ", best.hex(),
                  " is neither a stored image nor a known download; dropped");
        if (Status s = engine_->remove(tid, false); !s)
            log_.warn("resume: torrent ", best.hex(), ": ", s.error().message);
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
    if (rec->torrent.empty())
        return make_error(Errc::unsupported, "image " + id.display() + ": no torrent to seed");
    auto meta = torrent::parse_torrent(rec->torrent);
    if (!meta) return with_context("image " + id.display(), meta.error());
    if (Status s = fetch::check_torrent_file_name(meta->name); !s) return s;
    // A running download of the same swarm must finish (and be removed) first.
    if (auto existing = engine_->find(meta->info_hashes.best())) {
        return make_error(Errc::already_exists,
                          "image " + id.display() + ": its torrent is still downloading");
    }
    const fs::path dir = cache_dir_ / "seed" / id.key();
    const fs::path link = dir / meta->name;
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (!fs::exists(fs::symlink_status(link))) {
        fs::create_hard_link(store_.blob_path(id), link, ec);
        if (ec) {
            ec.clear();
            fs::create_symlink(store_.blob_path(id), link, ec);  // cache on another file system
        }
        if (ec) return make_error(Errc::io, link.string() + ": " + ec.message());
    }
    engine::AddSeed seed;
    seed.torrent = rec->torrent;
    seed.save_path = dir;
    seed.verify = false;
    auto tid = engine_->add_seed(seed);
    if (!tid) return with_context("image " + id.display(), tid.error());
    seeds_[id] = *tid;
    return {};
}

void StoreEngineBackend::stop_seeding(const ImageId& id) {
    auto it = seeds_.find(id);
    if (it == seeds_.end()) return;
    retire_uploads(it->second);
    if (Status s = engine_->remove(it->second, false); !s)
        log_.warn("stop seeding ", id.display(), ": ", s.error().message);
    seeds_.erase(it);
    std::error_code ec;
    fs::remove_all(cache_dir_ / "seed" / id.key(), ec);
}

std::optional<SwarmStats> StoreEngineBackend::swarm_stats(const ImageId& id) {
    auto it = seeds_.find(id);
    if (it == seeds_.end()) return std::nullopt;
    auto st = engine_->status(it->second);
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
    const bool fetch_options = !request.trackers.empty() || request.no_store ||
                               request.no_https_fallback || request.swarm_timeout.has_value();
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
    if (classified->kind != fetch::SourceKind::torrent_file || fetch_options) {
        // Names, URLs, magnets, .aci files, and any source with fetch options:
        // the fetch library on a worker thread.
        auto fid = start_worker(request, endpoints);
        if (!fid) return fail(fid.error().code, fid.error().message);
        log_.info("fetch ", source, ": started (", fetch::source_kind_name(classified->kind), ")");
        return fid;
    }
    // A local .torrent: read from the client's descriptor on a reader thread,
    // then downloaded here, resumable across restarts (see header).
    auto reader = std::make_unique<Reader>();
    const FetchId fid = next_fetch_++;
    reader->id = fid;
    reader->request = request;
    reader->peers = endpoints;
    Reader* raw = reader.get();
    raw->thread = std::jthread([raw](std::stop_token stop) {
        auto bytes = read_regular_file(raw->request.source_file->get(), raw->request.source,
                                       max_torrent_bytes, stop);
        std::lock_guard lock(raw->mu);
        raw->bytes = std::move(bytes);
    });
    readers_.push_back(std::move(reader));
    fetches_[fid] = {};
    ledger_.started(fid, request.source, clock_.now());
    return fid;
}

void StoreEngineBackend::poll_readers() {
    for (auto it = readers_.begin(); it != readers_.end();) {
        Reader& r = **it;
        std::optional<Result<std::string>> bytes;
        {
            std::lock_guard lock(r.mu);
            if (r.bytes) bytes = std::move(r.bytes);
        }
        if (!bytes) {
            ++it;
            continue;
        }
        r.thread.join();  // it has stored its result: returns at once
        Status started = *bytes ? start_download(r.id, r.request, r.peers, std::move(**bytes))
                                : Status(bytes->error());
        if (!started) {
            FetchProgress p;
            p.state = FetchProgress::State::failed;
            p.error = started.error().message;
            p.error_code = started.error().code;
            log_.error(p.error);
            ledger_.ended(r.id, p, clock_.now());
            fetches_[r.id] = std::move(p);
        }
        it = readers_.erase(it);
    }
}

Status StoreEngineBackend::start_download(FetchId fid, const FetchRequest& request,
                                          const std::vector<PeerEndpoint>& endpoints,
                                          std::string torrent_bytes) {
    const std::string& source = request.source;
    const auto fail = [&](Errc code, const std::string& why) {
        return make_error(code, "fetch " + source + ": " + why);
    };
    auto bytes = std::optional<std::string>(std::move(torrent_bytes));
    auto meta = torrent::parse_torrent(*bytes);
    if (!meta) return fail(Errc::invalid_argument, meta.error().message);
    if (Status s = fetch::check_torrent_file_name(meta->name); !s)
        return fail(Errc::invalid_argument, s.error().message);
    if (meta->num_files != 1)
        return fail(Errc::unsupported, "an image torrent has exactly one file");
    const InfoHash best = meta->info_hashes.best();
    if (auto rec = store_.find_by_info_hash(best)) {
        FetchProgress done;
        done.state = FetchProgress::State::done;
        done.image = rec->id;
        done.total_bytes = done.done_bytes = rec->size;
        fetches_[fid] = done;
        ledger_.ended(fid, done, clock_.now());
        return {};
    }
    if (const auto existing = engine_->find(best)) {
        for (Download& d : downloads_) {
            if (d.torrent.value != existing->value) continue;
            d.fetch = fid;  // a resumed or running download: this caller watches it now
            fetches_[fid] = {};
            for (const PeerEndpoint& ep : endpoints) {
                if (Status s = engine_->add_peer(d.torrent, ep); !s)
                    log_.warn("fetch ", source, ": peer ", ep.to_string(), ": ", s.error().message);
            }
            return {};
        }
        return fail(Errc::already_exists, "its swarm is already in the engine");
    }
    const fs::path save = cache_dir_ / "downloads" / best.hex();
    const fs::path sidecar = cache_dir_ / "downloads" / (best.hex() + ".torrent");
    if (Status s = write_atomic(sidecar, *bytes); !s) return fail(Errc::io, s.error().message);
    engine::AddDownload add;
    add.torrent = *bytes;
    add.save_path = save;
    add.peers = endpoints;
    auto tid = engine_->add_download(add);
    if (!tid) {
        std::error_code ec;
        fs::remove(sidecar, ec);
        return fail(tid.error().code, tid.error().message);
    }
    downloads_.push_back({*tid, std::move(*bytes), save, save / meta->name, sidecar, fid});
    fetches_[fid] = {};
    return {};
}

FetchProgress StoreEngineBackend::fetch_progress(FetchId id) {
    auto it = fetches_.find(id);
    if (it == fetches_.end()) {
        FetchProgress gone;
        gone.state = FetchProgress::State::failed;
        gone.error = "fetch " + std::to_string(id) + ": unknown";
        return gone;
    }
    FetchProgress p = it->second;
    if (p.state != FetchProgress::State::running) fetches_.erase(it);
    return p;
}

void StoreEngineBackend::retire_uploads(engine::TorrentId torrent) {
    if (auto st = engine_->status(torrent))
        retired_uploaded_ += non_negative(st->total_payload_upload);
}

web::FetchActivity StoreEngineBackend::fetch_activity() {
    web::FetchActivity activity = ledger_.activity(fetches_, clock_.now());
    std::uint64_t live = 0;
    for (const auto& [id, torrent] : seeds_) {
        if (auto st = engine_->status(torrent)) live += non_negative(st->total_payload_upload);
    }
    // Downloads' own uploads count once they end (FetchProgress::uploaded).
    activity.totals.uploaded += retired_uploaded_ + live;
    return activity;
}

void StoreEngineBackend::remove_download_torrent(const Download& d) {
    if (Status s = engine_->remove(d.torrent, true); !s)
        log_.warn("download ", d.file.filename().string(), ": ", s.error().message);
}

void StoreEngineBackend::finish_download(Download& d, const engine::TorrentStatus& st) {
    store::ImportRequest req;
    req.torrent = d.torrent_bytes;
    req.info_hashes = st.info_hashes;
    if (verify_) {
        // A local .torrent names no signature: the daemon refuses it unless
        // insecure-options=image (docs/trust.md); the download stays cached.
        req.verify = [this](const fs::path& blob, std::string_view name) {
            return verify_(blob, name, std::nullopt);
        };
    }
    auto rec = store_.import_file(d.file, req);
    FetchProgress p;
    p.total_bytes = p.done_bytes =
        static_cast<std::uint64_t>(std::max<std::int64_t>(0, st.total_wanted));
    p.from_peers = non_negative(st.bytes_from_peers);
    p.from_web_seeds = non_negative(st.bytes_from_web_seeds);
    p.from_everseed = non_negative(st.bytes_from_origin_peers);
    p.uploaded = non_negative(st.total_payload_upload);
    p.hash_failures = non_negative(st.hash_failures);
    if (rec) {
        p.state = FetchProgress::State::done;
        p.image = rec->id;
        log_.info("fetched ", rec->id.display(), " (", rec->size, " bytes) into the store");
    } else {
        p.state = FetchProgress::State::failed;
        p.error = rec.error().message;
        p.error_code = rec.error().code;
        log_.error("import ", d.file.string(), ": ", rec.error().message);
    }
    remove_download_torrent(d);
    std::error_code ec;
    fs::remove(d.sidecar, ec);
    fs::remove_all(d.dir, ec);
    if (d.fetch) {
        fetches_[*d.fetch] = p;
        ledger_.ended(*d.fetch, p, clock_.now());
    }
}

void StoreEngineBackend::poll() {
    poll_workers();
    poll_readers();
    for (auto it = downloads_.begin(); it != downloads_.end();) {
        Download& d = *it;
        auto st = engine_->status(d.torrent);
        bool drop = false;
        if (!st || st->state == engine::TorrentState::error) {
            const std::string why = st ? st->error : st.error().message;
            log_.error("download ", d.file.filename().string(), ": ", why);
            if (d.fetch) {
                FetchProgress p;
                p.state = FetchProgress::State::failed;
                p.error = why;
                p.error_code = st ? Errc::network : st.error().code;
                if (st) p.uploaded = non_negative(st->total_payload_upload);
                fetches_[*d.fetch] = p;
                ledger_.ended(*d.fetch, p, clock_.now());
            }
            if (st) remove_download_torrent(d);
            std::error_code ec;
            fs::remove(d.sidecar, ec);
            drop = true;
        } else if (st->state == engine::TorrentState::finished ||
                   st->state == engine::TorrentState::seeding) {
            finish_download(d, *st);
            drop = true;
        } else if (d.fetch) {
            FetchProgress& p = fetches_[*d.fetch];
            p.done_bytes = static_cast<std::uint64_t>(std::max<std::int64_t>(0, st->total_done));
            p.total_bytes = static_cast<std::uint64_t>(std::max<std::int64_t>(0, st->total_wanted));
            p.download_rate = st->download_rate;
            p.peers = st->num_peers;
            p.from_peers = static_cast<std::uint64_t>(st->bytes_from_peers);
            p.from_web_seeds = static_cast<std::uint64_t>(st->bytes_from_web_seeds);
        }
        it = drop ? downloads_.erase(it) : it + 1;
    }
}

void StoreEngineBackend::save_resume_data() {
    if (Status s = engine_->save_resume_data(); !s) log_.warn("resume data: ", s.error().message);
}

int StoreEngineBackend::listen_port() {
    return engine_->listen_port();
}

}  // namespace aciswarm::agent
