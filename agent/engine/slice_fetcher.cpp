#include "agent/engine/slice_fetcher.hpp"

#include <libtorrent/torrent_status.hpp>

#include <algorithm>
#include <cstring>
#include <exception>

#include "agent/engine/engine_impl.hpp"
#include "common/url.hpp"

namespace aciswarm::engine {
namespace {

// Pieces handed to libtorrent and not checked yet count as ours this long; a
// piece that failed its check is missing again after that.
constexpr auto pending_for = std::chrono::seconds(10);
// How long the thread waits when the slicer has nothing for it.
constexpr auto idle_wait = std::chrono::milliseconds(250);
// At most this much handed to libtorrent and not checked yet.
constexpr std::int64_t max_pending_bytes = 64 << 20;

}  // namespace

std::optional<SliceSource> slice_source(const lt::torrent_info& ti,
                                        const std::vector<std::string>& web_seeds) {
    if (ti.num_files() != 1 || ti.num_pieces() <= 0) return std::nullopt;
    for (const auto& url : web_seeds) {
        if (url.empty() || url.back() == '/') continue;
        return SliceSource{url, ti.piece_length(), ti.total_size(), ti.num_pieces()};
    }
    return std::nullopt;
}

SliceFetcher::SliceFetcher(lt::torrent_handle handle, Setup setup,
                           std::shared_ptr<SourceCounters> counters, Logger& log,
                           const Clock& clock)
    : handle_(std::move(handle)),
      setup_(std::move(setup)),
      counters_(std::move(counters)),
      log_(log),
      clock_(clock),
      thread_([this](std::stop_token stop) { run(stop); }) {}

void SliceFetcher::set_active(bool active) {
    {
        std::lock_guard lock(mu_);
        active_ = active;
    }
    cv_.notify_all();
}

void SliceFetcher::set_share(std::optional<PieceRun> share) {
    std::lock_guard lock(mu_);
    share_ = share;
}

void SliceFetcher::stop() {
    if (!thread_.joinable()) return;
    thread_.request_stop();
    thread_.join();
}

void SliceFetcher::wait(std::stop_token stop, std::chrono::milliseconds at_most) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, stop, at_most, [] { return false; });
}

std::vector<PieceState> SliceFetcher::snapshot(bool& finished) {
    const lt::torrent_status st = handle_.status(lt::torrent_handle::query_pieces);
    finished = st.is_finished || st.is_seeding;
    std::vector<int> availability;
    handle_.piece_availability(availability);
    const auto now = clock_.now();
    std::erase_if(pending_, [&](const auto& p) { return now - p.second > pending_for; });
    const int n = setup_.source.num_pieces;
    std::vector<PieceState> pieces(static_cast<std::size_t>(n), PieceState::missing);
    for (int i = 0; i < n; ++i) {
        const lt::piece_index_t index(i);
        const bool at_a_peer = i < static_cast<int>(availability.size()) && availability[i] > 0;
        if (i < st.pieces.size() && st.pieces.get_bit(index)) {
            pieces[i] = PieceState::ours;
            pending_.erase(i);
        } else if (pending_.count(i) != 0) {
            // Not checked here yet, so no peer can have it from us: a peer that has
            // it fetched it too (WebSeedSlicer: two walkers met).
            pieces[i] = at_a_peer ? PieceState::at_a_peer : PieceState::ours;
        } else if (at_a_peer) {
            pieces[i] = PieceState::at_a_peer;
        }
    }
    return pieces;
}

Status SliceFetcher::fetch(http::Client& client, const PieceRun& run, std::vector<char>& buffer,
                           std::stop_token stop) {
    const auto& src = setup_.source;
    const std::int64_t begin = run.first * src.piece_length;
    const std::int64_t end = std::min(src.total_size, (run.first + run.count) * src.piece_length);
    const auto want = static_cast<std::size_t>(end - begin);
    buffer.resize(want);
    std::size_t got = 0;
    const std::string what = redact_url_secrets(src.url) + " bytes " + std::to_string(begin) + "-" +
                             std::to_string(end - 1);
    http::Request request;
    request.headers.push_back("Range: bytes=" + std::to_string(begin) + "-" +
                              std::to_string(end - 1));
    const http::SinkFn sink = [&](std::string_view bytes) -> Status {
        if (got + bytes.size() > want)
            return make_error(Errc::protocol, what + ": more bytes than asked for (Range ignored)");
        std::memcpy(buffer.data() + got, bytes.data(), bytes.size());
        got += bytes.size();
        bytes_ += static_cast<std::int64_t>(bytes.size());
        counters_->from_web_seeds += static_cast<std::int64_t>(bytes.size());
        return {};
    };
    auto done = client.download(src.url, sink, {}, stop, {}, request);
    if (!done) return std::move(done).error();
    if (got != want) {
        return make_error(Errc::protocol, what + ": got " + std::to_string(got) + " of " +
                                              std::to_string(want) + " bytes");
    }
    return {};
}

void SliceFetcher::run(std::stop_token stop) {
    const auto& src = setup_.source;
    const int max_run = static_cast<int>(std::max<std::int64_t>(
        1, setup_.request_bytes / std::max<std::int64_t>(1, src.piece_length)));
    WebSeedSlicer slicer(src.num_pieces, max_run, setup_.start_hint);
    http::Client client(setup_.http);
    std::vector<char> buffer;
    int failures = 0;
    try {
        while (!stop.stop_requested()) {
            {
                std::unique_lock lock(mu_);
                if (!cv_.wait(lock, stop, [&] { return active_; })) break;
            }
            if (hash_failures_.load() >= max_hash_failures) {
                log_.warn("web seed slices: ", hash_failures_.load(),
                          " pieces failed their hash check; the web seed is libtorrent's alone");
                break;
            }
            std::optional<PieceRun> share;
            {
                std::lock_guard lock(mu_);
                share = share_;
            }
            bool finished = false;
            const auto pieces = snapshot(finished);
            if (finished) break;
            if (static_cast<std::int64_t>(pending_.size()) * src.piece_length > max_pending_bytes) {
                wait(stop, std::chrono::milliseconds(20));
                continue;
            }
            const auto run = slicer.next(pieces, share);
            if (!run) {
                wait(stop, idle_wait);
                continue;
            }
            const auto asked = clock_.now();
            if (auto ok = fetch(client, *run, buffer, stop); !ok) {
                if (stop.stop_requested()) break;
                // As the plugin words libtorrent's web seed failures: "web seed URL: why".
                // Counted before the warning: a reader woken by it sees the failure.
                const std::string message = "web seed " + ok.error().message;
                ++counters_->web_seed_failures;
                {
                    std::lock_guard lock(counters_->mu);
                    counters_->last_web_seed_error = message;
                }
                log_.warn(message, " (slices)");
                if (++failures >= 3) {
                    log_.warn("web seed slices: giving up after ", failures,
                              " failures; the web seed is libtorrent's alone");
                    break;
                }
                wait(stop, std::chrono::seconds(1));
                continue;
            }
            failures = 0;
            const auto now = clock_.now();
            // Others' requests take about as long as this one: a run that does not
            // shrink for twice that is not being fetched (web_seed_slicer.hpp).
            slicer.set_stall_calls(static_cast<int>(2 * (now - asked) / idle_wait));
            for (int k = 0; k < run->count; ++k) {
                handle_.add_piece(lt::piece_index_t(run->first + k),
                                  buffer.data() + k * src.piece_length);
                pending_[run->first + k] = now;
            }
        }
    } catch (const std::exception& e) {
        // The torrent went away under the thread (removed): nothing left to fetch for.
        log_.debug("web seed slices: ", e.what());
    }
}

}  // namespace aciswarm::engine
