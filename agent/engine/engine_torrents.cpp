// Torrents in the session: adding downloads and seeds, their status, waiting
// for them, removing them, and rechecking downloads stuck on unverified pieces.
#include <libtorrent/create_torrent.hpp>
#include <libtorrent/magnet_uri.hpp>
#include <libtorrent/peer_info.hpp>
#include <libtorrent/torrent_info.hpp>
#include <libtorrent/torrent_status.hpp>

#include <algorithm>

#include "agent/engine/engine_impl.hpp"
#include "common/duration.hpp"
#include "common/text.hpp"
#include "common/url.hpp"
#include "torrent/lt_convert.hpp"

namespace aciswarm::engine {
namespace {

// Maps a single-file torrent's file to another name inside save_path.
Status rename_single_file(lt::add_torrent_params& params, const std::string& name,
                          const std::string& what) {
    // A v2 torrent's single file is followed by a tail pad file (not content).
    const lt::file_storage& files = params.ti->files();
    if (torrent::detail::content_files(files).count != 1 ||
        files.pad_file_at(lt::file_index_t{0})) {
        return make_error(Errc::invalid_argument,
                          what + ": content_name needs a single-file torrent");
    }
    if (name.find('/') != std::string::npos || name == "." || name == "..") {
        return make_error(Errc::invalid_argument,
                          what + ": content_name '" + name + "' is not a file name");
    }
    params.renamed_files[lt::file_index_t{0}] = name;
    return {};
}

// A .torrent's metadata (up to 64 MiB); the error starts with `what`.
Result<std::shared_ptr<lt::torrent_info>> load_torrent(const std::string& bytes,
                                                       const std::string& what) {
    try {
        lt::load_torrent_limits limits;
        limits.max_buffer_size = 64 << 20;
        return std::make_shared<lt::torrent_info>(
            lt::span<const char>(bytes.data(), static_cast<std::ptrdiff_t>(bytes.size())), limits,
            lt::from_span);
    } catch (const std::exception& e) {
        return make_error(Errc::invalid_argument, what + ": " + e.what());
    }
}

// Every BEP 19 web seed as `rewrite` gives it (AddDownload::web_seed_url),
// duplicates dropped; a resume file's URLs lost their userinfo when written.
void rewrite_web_seeds(lt::add_torrent_params& params, const WebSeedUrl& rewrite) {
    if (!rewrite) return;
    std::vector<std::string> seeds;
    for (const std::string& url : params.url_seeds) {
        std::string given = rewrite(url);
        if (std::find(seeds.begin(), seeds.end(), given) == seeds.end())
            seeds.push_back(std::move(given));
    }
    params.url_seeds = std::move(seeds);
    if (!params.ti) return;
    std::vector<lt::web_seed_entry> entries = params.ti->web_seeds();
    for (lt::web_seed_entry& w : entries) {
        if (w.type == lt::web_seed_entry::url_seed) w.url = rewrite(w.url);
    }
    params.ti->set_web_seeds(std::move(entries));
}

// A private torrent (BEP 27) announces with this node's key, appended to each
// of its tracker URLs (EngineConfig::tracker_key, docs/private.md). Other
// torrents never carry it: their trackers are not the cluster's.
void add_tracker_key(lt::add_torrent_params& params, const std::string& key) {
    if (key.empty() || !params.ti || !params.ti->priv()) return;
    for (std::string& url : params.trackers)
        url = with_passkey(url, key);
    const std::vector<lt::announce_entry> entries = params.ti->trackers();
    params.ti->clear_trackers();
    for (const lt::announce_entry& e : entries)
        params.ti->add_tracker(with_passkey(e.url, key), e.tier);
}

TorrentState torrent_state_of(lt::torrent_status::state_t state) {
    using lt_state = lt::torrent_status;
    if (state == lt_state::checking_files || state == lt_state::checking_resume_data) {
        return TorrentState::checking;
    }
    if (state == lt_state::downloading_metadata) return TorrentState::downloading_metadata;
    if (state == lt_state::finished) return TorrentState::finished;
    if (state == lt_state::seeding) return TorrentState::seeding;
    return TorrentState::downloading;
}

}  // namespace

Result<Engine::Impl::Entry*> Engine::Impl::entry(TorrentId id) {
    auto it = entries.find(id.value);
    if (it == entries.end()) {
        return make_error(Errc::not_found,
                          "torrent " + std::to_string(id.value) + ": not in the engine");
    }
    return &it->second;
}

// Alert thread: rechecks downloads stuck on pieces libtorrent received but
// never verified (see stuck_pieces.hpp).
void Engine::Impl::maybe_unstick() {
    if (config.stuck_piece_timeout.count() <= 0) return;
    const auto now = clock.now();
    if (now - last_stuck_check < std::chrono::seconds(1)) return;
    last_stuck_check = now;
    std::vector<std::pair<lt::torrent_handle, std::shared_ptr<StuckPieceDetector>>> work;
    {
        std::lock_guard lock(mu);
        for (auto& [_, e] : entries) {
            if (e.finished || e.flush_requested || !e.error.empty()) continue;
            if (!e.stuck)
                e.stuck = std::make_shared<StuckPieceDetector>(config.stuck_piece_timeout);
            work.emplace_back(e.handle, e.stuck);
        }
    }
    // libtorrent calls outside mu: they wait for its network thread.
    for (auto& [handle, detector] : work) {
        if (!handle.is_valid()) continue;
        const lt::torrent_status st = handle.status({});
        if (st.state != lt::torrent_status::downloading) continue;
        std::set<int> unverified;
        for (const lt::partial_piece_info& pp : handle.get_download_queue()) {
            if (pp.blocks_in_piece > 0 && pp.finished == pp.blocks_in_piece) {
                unverified.insert(static_cast<int>(pp.piece_index));
            }
        }
        if (!detector->observe(now, unverified, st.total_done)) continue;
        std::string list;
        for (int p : unverified)
            list += (list.empty() ? "" : ",") + std::to_string(p);
        log.warn(st.name, ": piece(s) ", list, " received but not verified for ",
                 format_duration(config.stuck_piece_timeout),
                 ": rechecking the torrent (a libtorrent stall, docs/engine.md)");
        handle.force_recheck();
    }
}

namespace {

// Zone-aware swarms (docs/zones.md, "Agent"): every HTTP tracker of the torrent (its
// own and the request's) gets the zone keys; a follower takes peers from the tracker
// alone (PEX, the DHT and LSD would bring in peers from outside its zone).
void apply_zone(lt::add_torrent_params& params, const ZoneSettings& zone) {
    if (!zone.aware()) return;
    for (auto& url : params.trackers)
        url = with_zone_keys(url, zone);
    if (params.ti) {
        for (const lt::announce_entry& tracker : params.ti->trackers())
            params.trackers.push_back(with_zone_keys(tracker.url, zone));
        params.ti->clear_trackers();
    }
    params.tracker_tiers.clear();
    // Every zone-aware node, candidates too (docs/zones.md, "Agent"): a leader's PEX
    // would hand its zone's followers to other zones' leaders and back.
    params.flags |= lt::torrent_flags::disable_pex | lt::torrent_flags::disable_dht |
                    lt::torrent_flags::disable_lsd;
}

}  // namespace

Result<TorrentId> Engine::Impl::add(lt::add_torrent_params params,
                                    const std::vector<PeerEndpoint>& peers, const std::string& what,
                                    MetadataCheck check_metadata,
                                    std::filesystem::path resume_file) {
    for (const auto& p : peers)
        params.peers.push_back(torrent::detail::to_lt(p));
    params.flags &= ~(lt::torrent_flags::paused | lt::torrent_flags::auto_managed);
    params.flags |= lt::torrent_flags::duplicate_is_error;
    apply_zone(params, config.zone);
    auto counters = std::make_shared<SourceCounters>();
    const bool super_seeding =
        (params.flags & lt::torrent_flags::super_seeding) != lt::torrent_flags_t{};
    params.extensions.push_back([counters, &log = log, key = share_key, super_seeding](
                                    const lt::torrent_handle&, lt::client_data_t) {
        return make_counting_plugin(counters, log, key, super_seeding);
    });
    // After the counting plugin: a message the zone plugin hides is still counted.
    std::shared_ptr<ZonePeerFilter> zone_filter;
    if (config.zone.aware()) {
        zone_filter = std::make_shared<ZonePeerFilter>();
        params.extensions.push_back([zone_filter](const lt::torrent_handle&, lt::client_data_t) {
            return make_zone_plugin(zone_filter);
        });
    }
    std::error_code dir_error;
    if (!params.save_path.empty()) {
        std::filesystem::create_directories(params.save_path, dir_error);
        if (dir_error) {
            return make_error(
                Errc::io, what + ": save path " + params.save_path + ": " + dir_error.message());
        }
    }
    const bool seed_mode = static_cast<bool>(params.flags & lt::torrent_flags::seed_mode);
    // fallback: the web seeds wait for the gate (maybe_gate_web_seeds).
    std::vector<std::string> held_back;
    if (config.web_seed_use == WebSeedUse::fallback && !seed_mode) {
        held_back = hold_back_web_seeds(params);
        note_web_seed_addresses(held_back, *counters);
    }
    // Slices are fetched outside libtorrent, so its download rate limit would not
    // hold them back: with a limit set, libtorrent's own web seed serves instead.
    std::optional<SliceSource> slices;
    if (params.ti && !held_back.empty() && config.download_rate_limit == 0) {
        slices = slice_source(*params.ti, held_back);
    }
    // Hold mu across add_torrent so the alert thread can't see the new
    // handle's alerts before its entry exists, and set_tracker_key can't
    // change the key between this torrent's URLs and its entry.
    std::lock_guard lock(mu);
    const bool private_torrent = params.ti && params.ti->priv();
    add_tracker_key(params, tracker_key);
    lt::error_code ec;
    lt::torrent_handle h = session->add_torrent(std::move(params), ec);
    if (ec) {
        const auto code =
            ec == lt::errors::duplicate_torrent ? Errc::already_exists : Errc::invalid_argument;
        return make_error(code, what + ": " + ec.message());
    }
    Entry e;
    e.id = TorrentId{next_id++};
    e.handle = h;
    e.hashes = torrent::detail::from_lt(h.info_hashes());
    e.counters = counters;
    e.zone_filter = zone_filter;
    e.check_metadata = std::move(check_metadata);
    e.gated_web_seeds = std::move(held_back);
    e.slice_source = std::move(slices);
    e.resume_file = std::move(resume_file);
    e.private_torrent = private_torrent;
    if (seed_mode) {
        e.checked = true;
        e.finished = true;
    }
    const TorrentId id = e.id;
    log.debug("added ", what, " as torrent ", id.value, " (", e.hashes.best().hex(), ")");
    const bool save_now = !resume_path(e).empty();
    entries.emplace(id.value, std::move(e));
    if (save_now) request_resume_save(h, {});
    return id;
}

namespace {

// Bytes from the start of a single-file torrent (its one content file, at
// offset 0, maybe followed by padding) up to its first piece not verified; 0
// for other torrents.
std::int64_t verified_prefix(const lt::torrent_status& st, const lt::torrent_info& ti) {
    const auto content = torrent::detail::content_files(ti.files());
    const lt::file_index_t first(0);
    if (content.count != 1 || ti.files().pad_file_at(first)) return 0;
    if (st.is_seeding) return content.bytes;
    const int pieces = std::min(ti.num_pieces(), st.pieces.size());
    int first_missing = 0;
    while (first_missing < pieces && st.pieces.get_bit(lt::piece_index_t(first_missing)))
        ++first_missing;
    return std::min(content.bytes, std::int64_t{first_missing} * ti.piece_length());
}

}  // namespace

Result<TorrentStatus> Engine::Impl::status_of(const Entry& e) const {
    lt::torrent_status st =
        e.handle.status(lt::torrent_handle::query_name | lt::torrent_handle::query_save_path |
                        lt::torrent_handle::query_pieces);
    TorrentStatus out;
    out.id = e.id;
    out.info_hashes = torrent::detail::from_lt(st.info_hashes);
    out.name = st.name;
    out.has_metadata = st.has_metadata;
    out.save_path = st.save_path;
    out.total_size = st.has_metadata ? st.total : -1;
    if (st.has_metadata) {
        // The content's bytes (without v2 pad files); st.torrent_file is
        // filled only with query_torrent_file, so ask the handle.
        if (auto ti = e.handle.torrent_file()) {
            out.total_size = torrent::detail::content_files(ti->files()).bytes;
            out.verified_prefix = verified_prefix(st, *ti);
        }
    }
    out.total_wanted = st.total_wanted;
    out.total_done = st.total_wanted_done;
    out.download_rate = st.download_payload_rate;
    out.upload_rate = st.upload_payload_rate;
    out.total_payload_download = st.total_payload_download;
    out.total_payload_upload = st.total_payload_upload;
    out.bytes_from_peers = e.counters->from_peers.load();
    out.bytes_from_web_seeds = e.counters->from_web_seeds.load();
    out.hash_failures = e.hash_failures;
    out.zone = e.zone_view;
    out.web_seed_failures = e.counters->web_seed_failures.load();
    {
        std::lock_guard lock(e.counters->mu);
        out.web_seed_error = e.counters->last_web_seed_error;
        out.bytes_from_origin_peers = e.counters->from_origin_peers();
    }
    std::vector<lt::peer_info> peers;
    e.handle.get_peer_info(peers);
    for (const auto& p : peers) {
        if (p.connection_type == lt::peer_info::standard_bittorrent) {
            ++out.num_peers;
            if (p.flags & lt::peer_info::seed) ++out.num_seeds;
        } else {
            ++out.num_web_seeds;
        }
    }
    out.state = torrent_state_of(st.state);
    if (!e.error.empty() || st.errc) {
        out.state = TorrentState::error;
        out.error = !e.error.empty() ? e.error : st.errc.message();
    }
    return out;
}

Result<TorrentStatus> Engine::Impl::wait(TorrentId id, std::chrono::milliseconds timeout,
                                         std::stop_token stop, Until until) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::unique_lock lock(mu);
    while (true) {
        auto found = entry(id);
        if (!found) return std::move(found).error();
        const Entry& e = **found;
        if (!e.error.empty()) {
            return make_error(Errc::io, "torrent " + e.hashes.best().hex() + ": " + e.error);
        }
        const bool done = until == Until::finished ? e.finished : (e.checked || e.finished);
        if (done) {
            Entry copy = e;
            lock.unlock();
            return status_of(copy);
        }
        if (stop.stop_requested()) {
            return make_error(Errc::cancelled, "torrent " + e.hashes.best().hex() + ": cancelled");
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            return make_error(Errc::timeout, "torrent " + e.hashes.best().hex() +
                                                 ": not done within " +
                                                 std::to_string(timeout.count()) + " ms");
        }
        // Woken by the alert thread after each batch of alerts, or by stop.
        const std::uint64_t seen = generation;
        cv.wait_until(lock, stop, deadline, [&] { return generation != seen; });
    }
}

Result<TorrentId> Engine::add_download(const AddDownload& request) {
    lt::add_torrent_params params;
    std::string what;
    if (!request.torrent.empty() == !request.magnet_uri.empty()) {
        return make_error(Errc::invalid_argument,
                          "download: give exactly one of torrent or magnet");
    }
    if (!request.torrent.empty()) {
        auto ti = load_torrent(request.torrent, "torrent");
        if (!ti) return std::move(ti).error();
        params.ti = std::move(*ti);
        what = "torrent " + escape_control(params.ti->name());
        if (request.check_metadata) {
            const auto content = torrent::detail::content_files(params.ti->files());
            TorrentShape shape{params.ti->name(), content.count, content.bytes};
            if (auto ok = request.check_metadata(shape); !ok) return std::move(ok).error();
        }
        if (request.web_seed_allowed) {
            auto seeds = params.ti->web_seeds();
            std::erase_if(seeds, [&](const lt::web_seed_entry& w) {
                return !request.web_seed_allowed(w.url);
            });
            params.ti->set_web_seeds(std::move(seeds));
        }
    } else {
        lt::error_code ec;
        lt::parse_magnet_uri(request.magnet_uri, params, ec);
        if (ec) {
            return make_error(
                Errc::invalid_argument,
                "magnet link '" + request.magnet_uri.substr(0, 80) + "': " + ec.message());
        }
        what = "magnet " +
               escape_control(params.name.empty() ? request.magnet_uri.substr(0, 60) : params.name);
    }
    if (request.web_seed_allowed) {
        std::erase_if(params.url_seeds,
                      [&](const std::string& url) { return !request.web_seed_allowed(url); });
    }
    params.save_path = request.save_path.string();
    if (!request.content_name.empty()) {
        if (!params.ti) {
            return make_error(Errc::invalid_argument,
                              what + ": content_name needs the .torrent, not a magnet link");
        }
        if (auto ok = rename_single_file(params, request.content_name, what); !ok)
            return ok.error();
    }
    for (const auto& ws : request.web_seeds) {
        if (request.web_seed_allowed && !request.web_seed_allowed(ws)) continue;
        if (std::find(params.url_seeds.begin(), params.url_seeds.end(), ws) ==
            params.url_seeds.end()) {
            params.url_seeds.push_back(ws);
        }
    }
    for (const auto& tr : request.trackers)
        params.trackers.push_back(tr);
    const bool had_metadata = static_cast<bool>(params.ti);
    if (!request.resume_file.empty()) apply_resume_file(params, request.resume_file, impl_->log);
    rewrite_web_seeds(params, request.web_seed_url);
    if (!had_metadata && params.ti && request.check_metadata) {
        // A magnet whose metadata came from its resume file: check it now.
        const TorrentShape shape{params.ti->name(), params.ti->num_files(),
                                 params.ti->total_size()};
        if (auto ok = request.check_metadata(shape); !ok) return with_context(what, ok.error());
    }
    // A .torrent was checked above; a magnet's metadata is checked when it arrives.
    MetadataCheck later = params.ti ? MetadataCheck{} : request.check_metadata;
    return impl_->add(std::move(params), request.peers, what, std::move(later),
                      request.resume_file);
}

Result<TorrentId> Engine::add_seed(const AddSeed& request) {
    lt::add_torrent_params params;
    auto ti = load_torrent(request.torrent, "seed torrent");
    if (!ti) return std::move(ti).error();
    params.ti = std::move(*ti);
    const std::string what = "seed " + params.ti->name();
    if (!request.content_name.empty()) {
        if (auto ok = rename_single_file(params, request.content_name, what); !ok)
            return ok.error();
    }
    const auto content = request.save_path /
                         (request.content_name.empty() ? params.ti->name() : request.content_name);
    std::error_code ec;
    if (!std::filesystem::exists(content, ec)) {
        return make_error(Errc::not_found, what + ": " + content.string() + " does not exist");
    }
    params.save_path = request.save_path.string();
    if (!request.verify) params.flags |= lt::torrent_flags::seed_mode;
    if (request.super_seed) params.flags |= lt::torrent_flags::super_seeding;
    for (const auto& tr : request.trackers)
        params.trackers.push_back(tr);
    return impl_->add(std::move(params), request.peers, what);
}

namespace {

// The torrent's tracker URLs with `key` in place of any passkey they carry (none
// when key is ""), tiers kept; false when no URL changed. Waits for libtorrent's
// network thread: call without mu.
bool rekey_trackers(const lt::torrent_handle& handle, const std::string& key) {
    std::vector<lt::announce_entry> trackers;
    bool changed = false;
    for (const lt::announce_entry& old : handle.trackers()) {
        std::string url = without_passkey(old.url);
        if (!key.empty()) url = with_passkey(url, key);
        changed = changed || url != old.url;
        lt::announce_entry fresh(url);
        fresh.tier = old.tier;
        trackers.push_back(std::move(fresh));
    }
    if (changed) handle.replace_trackers(trackers);
    return changed;
}

}  // namespace

std::size_t Engine::set_tracker_key(const std::string& key) {
    std::vector<lt::torrent_handle> private_torrents;
    {
        std::lock_guard lock(impl_->mu);
        impl_->tracker_key = key;
        for (const auto& [_, e] : impl_->entries) {
            if (e.private_torrent) private_torrents.push_back(e.handle);
        }
    }
    std::size_t reannounced = 0;
    for (const lt::torrent_handle& handle : private_torrents) {
        if (!handle.is_valid() || !rekey_trackers(handle, key)) continue;
        handle.force_reannounce(0, -1, lt::torrent_handle::ignore_min_interval);
        ++reannounced;
    }
    return reannounced;
}

Status Engine::add_peer(TorrentId id, const PeerEndpoint& peer) {
    std::lock_guard lock(impl_->mu);
    auto entry = impl_->entry(id);
    if (!entry) return std::move(entry).error();
    (*entry)->handle.connect_peer(torrent::detail::to_lt(peer));
    return {};
}

Result<std::string> Engine::torrent_file(TorrentId id) const {
    lt::torrent_handle handle;
    {
        std::lock_guard lock(impl_->mu);
        auto entry = impl_->entry(id);
        if (!entry) return std::move(entry).error();
        handle = (*entry)->handle;
    }
    std::shared_ptr<lt::torrent_info> ti = handle.torrent_file_with_hashes();
    if (!ti || !ti->is_valid()) {
        return make_error(Errc::not_found,
                          "torrent " + std::to_string(id.value) + ": no metadata yet");
    }
    try {
        lt::create_torrent ct(*ti);
        const std::vector<char> buf = ct.generate_buf();
        return std::string(buf.begin(), buf.end());
    } catch (const std::exception& e) {
        return make_error(Errc::internal,
                          "torrent " + std::to_string(id.value) + ": .torrent: " + e.what());
    }
}

Result<TorrentStatus> Engine::status(TorrentId id) const {
    Impl::Entry copy;
    {
        std::lock_guard lock(impl_->mu);
        auto entry = impl_->entry(id);
        if (!entry) return std::move(entry).error();
        copy = **entry;
    }
    return impl_->status_of(copy);
}

std::vector<TorrentStatus> Engine::status_all() const {
    std::vector<Impl::Entry> copies;
    {
        std::lock_guard lock(impl_->mu);
        for (const auto& [_, e] : impl_->entries)
            copies.push_back(e);
    }
    std::vector<TorrentStatus> out;
    for (const auto& e : copies) {
        if (auto st = impl_->status_of(e)) out.push_back(std::move(st).value());
    }
    return out;
}

std::optional<TorrentId> Engine::find(const InfoHash& hash) const {
    std::lock_guard lock(impl_->mu);
    for (const auto& [_, e] : impl_->entries) {
        if ((e.hashes.v1 && *e.hashes.v1 == hash) ||
            (e.hashes.v2 && e.hashes.v2->truncated() == hash)) {
            return e.id;
        }
    }
    return std::nullopt;
}

Result<TorrentStatus> Engine::wait_finished(TorrentId id, std::chrono::milliseconds timeout,
                                            std::stop_token stop) {
    return impl_->wait(id, timeout, std::move(stop), Impl::Until::finished);
}

Result<TorrentStatus> Engine::wait_checked(TorrentId id, std::chrono::milliseconds timeout,
                                           std::stop_token stop) {
    return impl_->wait(id, timeout, std::move(stop), Impl::Until::checked);
}

Status Engine::remove(TorrentId id, bool delete_files) {
    Impl::Entry e;
    {
        std::lock_guard lock(impl_->mu);
        auto entry = impl_->entry(id);
        if (!entry) return std::move(entry).error();
        e = **entry;
        impl_->entries.erase(id.value);
    }
    if (!e.announced && !e.skipped_trackers.empty()) {
        std::string urls;
        for (const auto& u : e.skipped_trackers)
            urls += (urls.empty() ? "" : ", ") + redact_url_secrets(u);
        impl_->log.warn("tracker ", urls,
                        ": no announce got through: every listen address was "
                        "skipped as unable to reach it");
    }
    if (e.slices) e.slices->stop();
    impl_->session->remove_torrent(e.handle,
                                   delete_files ? lt::session::delete_files : lt::remove_flags_t{});
    {
        std::lock_guard lock(impl_->mu);
        ++impl_->generation;
    }
    impl_->cv.notify_all();
    EventCallback cb;
    {
        std::lock_guard lock(impl_->mu);
        cb = impl_->callback;
    }
    if (cb) cb(EngineEvent{EngineEvent::Kind::removed, e.id, e.hashes, {}});
    return {};
}

}  // namespace aciswarm::engine
