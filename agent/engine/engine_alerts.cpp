// The alert thread: drains libtorrent's alerts, hands each to the handler of
// its kind, runs the periodic work (resume saves, stuck pieces, web seed
// gate), then wakes waiters and calls the EventCallback outside mu.
#include <libtorrent/torrent_info.hpp>
#include <libtorrent/torrent_status.hpp>

#include "agent/engine/engine_impl.hpp"
#include "agent/engine/tracker_retry.hpp"
#include "common/text.hpp"
#include "common/url.hpp"
#include "torrent/lt_convert.hpp"

namespace aciswarm::engine {

using namespace std::chrono_literals;

void Engine::Impl::run_alerts() {
    std::vector<lt::alert*> alerts;
    while (true) {
        {
            std::lock_guard lock(mu);
            if (stopping) return;
        }
        // Wakes as soon as an alert arrives; the timeout only paces the
        // periodic resume-data save and the stop check.
        session->wait_for_alert(250ms);
        session->pop_alerts(&alerts);
        std::vector<EngineEvent> events;
        for (lt::alert* a : alerts)
            handle_alert(a, events);
        maybe_save_resume();
        maybe_unstick();
        maybe_update_shares();
        maybe_update_leader_pieces();
        maybe_gate_web_seeds();
        {
            std::lock_guard lock(mu);
            ++generation;
        }
        cv.notify_all();
        EventCallback cb;
        {
            std::lock_guard lock(mu);
            cb = callback;
        }
        if (cb) {
            for (const auto& ev : events)
                cb(ev);
        }
    }
}

// One handler per alert kind; any other torrent alert updates its entry.
void Engine::Impl::handle_alert(lt::alert* a, std::vector<EngineEvent>& events) {
    log.debug("alert ", a->what(), ": ", redact_url_secrets(a->message()));
    switch (a->type()) {
        case lt::listen_succeeded_alert::alert_type:
            return on_listen_succeeded(*lt::alert_cast<lt::listen_succeeded_alert>(a));
        case lt::listen_failed_alert::alert_type:
            return on_listen_failed(*lt::alert_cast<lt::listen_failed_alert>(a));
        case lt::save_resume_data_alert::alert_type:
            return on_resume_data_saved(*lt::alert_cast<lt::save_resume_data_alert>(a));
        case lt::save_resume_data_failed_alert::alert_type:
            return on_resume_data_failed(*lt::alert_cast<lt::save_resume_data_failed_alert>(a));
        case lt::tracker_error_alert::alert_type:
            return on_tracker_error(*lt::alert_cast<lt::tracker_error_alert>(a));
        case lt::tracker_reply_alert::alert_type:
            return on_tracker_reply(*lt::alert_cast<lt::tracker_reply_alert>(a));
        case lt::url_seed_alert::alert_type:
            return on_web_seed_error(*lt::alert_cast<lt::url_seed_alert>(a), events);
        case lt::peer_ban_alert::alert_type:
            log.debug("banned ", a->message());
            return;
        case lt::file_error_alert::alert_type:
            return on_file_error(*lt::alert_cast<lt::file_error_alert>(a), events);
        default:
            break;
    }
    if (auto* ta = dynamic_cast<lt::torrent_alert*>(a)) return on_torrent_alert(*ta, events);
    if (a->category() & lt::alert_category::error)
        log.debug("libtorrent: ", redact_url_secrets(a->message()));
}

void Engine::Impl::on_listen_succeeded(const lt::listen_succeeded_alert& a) {
    if (a.socket_type != lt::socket_type_t::tcp) return;
    log.info("listening bittorrent ", endpoint_string(a.address, a.port));
    std::lock_guard lock(mu);
    listeners.push_back(
        torrent::detail::from_lt(lt::tcp::endpoint(a.address, static_cast<std::uint16_t>(a.port))));
}

void Engine::Impl::on_listen_failed(const lt::listen_failed_alert& a) {
    log.warn("bittorrent listen failed: ", a.message());
    if (a.socket_type != lt::socket_type_t::tcp) return;
    std::lock_guard lock(mu);
    ++listen_failures;
}

void Engine::Impl::on_tracker_error(const lt::tracker_error_alert& a) {
    if (a.error != lt::errors::announce_skipped) {
        log.warn("tracker: ", redact_url_secrets(a.message()));
        // A torrent the tracker's --dir rescan has not listed yet: ask again
        // soon rather than after libtorrent's back-off (tracker_retry.hpp).
        if (auto after = early_reannounce_after(a.failure_reason(), a.times_in_row)) {
            a.handle.force_reannounce(static_cast<int>(after->count()), -1,
                                      lt::torrent_handle::ignore_min_interval);
        }
        return;
    }
    // libtorrent skips announcing from a listen address that cannot reach the
    // tracker (e.g. [::] to an IPv4 tracker), once per listener and interval:
    // say it once per tracker, at debug; remove() warns when no announce got
    // through at all.
    std::lock_guard lock(mu);
    Entry* e = find_by_handle(a.handle);
    if (e != nullptr && e->skipped_trackers.insert(a.tracker_url()).second) {
        log.debug("tracker ", redact_url_secrets(a.tracker_url()), ": not announcing from ",
                  endpoint_string(a.local_endpoint.address(), a.local_endpoint.port()),
                  " (unreachable from there)");
    }
}

void Engine::Impl::on_tracker_reply(const lt::tracker_reply_alert& a) {
    std::lock_guard lock(mu);
    if (Entry* e = find_by_handle(a.handle)) e->announced = true;
}

void Engine::Impl::on_web_seed_error(const lt::url_seed_alert& a,
                                     std::vector<EngineEvent>& events) {
    // libtorrent 2.0.8's message() prints error.message() ("Success")
    // when the failure is only text (an HTTP status): use the text.
    const std::string why =
        a.error_message()[0] != '\0' ? std::string(a.error_message()) : a.error.message();
    const std::string message =
        "web seed " + escape_control(url_without_userinfo(a.server_url())) + ": " + why;
    log.warn(message);
    std::lock_guard lock(mu);
    if (Entry* e = find_by_handle(a.handle)) {
        event(events, EngineEvent::Kind::web_seed_failed, *e, message);
    }
}

// A torrent that cannot read or write its file (a seed whose blob does not
// match, oversized_file, EACCES) serves nothing: it is an error of that
// torrent, not a log line.
void Engine::Impl::on_file_error(const lt::file_error_alert& a, std::vector<EngineEvent>& events) {
    log.error("file: ", a.message());
    std::lock_guard lock(mu);
    if (Entry* e = find_by_handle(a.handle); e != nullptr && e->error.empty()) {
        e->error = a.error.message() + " (" + escape_control(a.filename()) + ")";
        event(events, EngineEvent::Kind::error, *e, e->error);
    }
}

// A magnet's metadata arrived: check its shape before pieces are requested.
void Engine::Impl::on_metadata_received(Entry& e, const lt::torrent_alert& a,
                                        std::vector<EngineEvent>& events) {
    e.hashes = torrent::detail::from_lt(a.handle.info_hashes());
    if (e.check_metadata) {
        if (auto ti = a.handle.torrent_file()) {
            const auto content = torrent::detail::content_files(ti->files());
            TorrentShape shape{ti->name(), content.count, content.bytes};
            if (auto ok = e.check_metadata(shape); !ok) {
                // Stop before pieces are requested; the waiter sees the error.
                a.handle.pause();
                e.error = ok.error().message;
                log.warn(a.torrent_name(), ": ", e.error);
                event(events, EngineEvent::Kind::error, e, e.error);
                return;
            }
        }
    }
    event(events, EngineEvent::Kind::metadata_received, e);
}

// Torrent alerts: update the entry. Status queries go to libtorrent's network
// thread; they are made before taking mu.
void Engine::Impl::on_torrent_alert(const lt::torrent_alert& a, std::vector<EngineEvent>& events) {
    const int type = a.type();
    std::optional<lt::torrent_status> st;
    if (type == lt::torrent_checked_alert::alert_type ||
        type == lt::state_changed_alert::alert_type ||
        type == lt::torrent_finished_alert::alert_type) {
        if (a.handle.is_valid()) st = a.handle.status({});
    }
    std::lock_guard lock(mu);
    Entry* e = find_by_handle(a.handle);
    if (e == nullptr) return;
    const bool was_finished = e->finished;
    if (st && st->is_finished && !st->errc && !e->finished && !e->flush_requested) {
        e->flush_requested = true;
        e->handle.flush_cache();
    }
    if (type == lt::cache_flushed_alert::alert_type && e->flush_requested) e->finished = true;
    if (e->finished && !was_finished && e->zone_filter) log_zone_sources(*e);
    switch (type) {
        case lt::metadata_received_alert::alert_type:
            on_metadata_received(*e, a, events);
            break;
        case lt::torrent_checked_alert::alert_type:
            e->checked = true;
            event(events, EngineEvent::Kind::checked, *e);
            break;
        case lt::hash_failed_alert::alert_type: {
            const auto piece =
                static_cast<int>(lt::alert_cast<lt::hash_failed_alert>(&a)->piece_index);
            ++e->hash_failures;
            if (e->slices) e->slices->note_hash_failure();
            log.warn(a.torrent_name(), ": piece ", piece, " failed its hash check");
            event(events, EngineEvent::Kind::hash_failed, *e, std::to_string(piece));
            break;
        }
        case lt::torrent_error_alert::alert_type: {
            const auto* err = lt::alert_cast<lt::torrent_error_alert>(&a);
            e->error = err->error.message() + (err->filename()[0] != '\0'
                                                   ? std::string(" (") + err->filename() + ")"
                                                   : std::string());
            log.error(a.torrent_name(), ": ", e->error);
            event(events, EngineEvent::Kind::error, *e, e->error);
            break;
        }
        default:
            break;
    }
    if (e->finished && !was_finished) {
        // A state without any checking left counts as checked too.
        e->checked = true;
        event(events, EngineEvent::Kind::finished, *e);
        if (!resume_path(*e).empty()) request_resume_save(e->handle, {});
    }
    if (st && !e->checked && st->state != lt::torrent_status::checking_files &&
        st->state != lt::torrent_status::checking_resume_data) {
        // state_changed out of checking without a checked alert (seed_mode).
        if (type == lt::state_changed_alert::alert_type) e->checked = true;
    }
}

}  // namespace aciswarm::engine
