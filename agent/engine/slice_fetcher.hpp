#pragma once
// One download's web seed slices (docs/engine.md, "Web seed slices"): a thread
// that fetches the pieces WebSeedSlicer picks with HTTP range requests on one
// keep-alive connection and hands them to libtorrent (add_piece), which checks
// them against the torrent's hashes like any peer's blocks. Started by the
// alert thread when a download's web seed gate opens, paused when it closes.
// Engine-internal (it includes libtorrent): owned by the engine entry (shared);
// its thread uses only the torrent handle (thread-safe), the counters' atomics
// and its own HTTP client, never the engine's mutex. Stopped (and joined)
// before its torrent is removed and before the session goes. Nothing of its
// own survives kill -9: verified pieces are in libtorrent's resume data.
#include <libtorrent/torrent_handle.hpp>
#include <libtorrent/torrent_info.hpp>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "agent/engine/web_seed_slicer.hpp"
#include "common/clock.hpp"
#include "common/log.hpp"
#include "http/client.hpp"

namespace aciswarm::engine {

struct SourceCounters;

// Where a single-file torrent's bytes are over HTTP: its web seed URL (BEP 19:
// the file's own URL) and its piece geometry.
struct SliceSource {
    std::string url;
    std::int64_t piece_length = 0;
    std::int64_t total_size = 0;
    int num_pieces = 0;
};

// The slice source of a torrent with these web seeds: one file, a URL that
// names it (not a folder URL ending in "/"). nullopt: only libtorrent's own
// web seed can use them.
std::optional<SliceSource> slice_source(const lt::torrent_info& ti,
                                        const std::vector<std::string>& web_seeds);

class SliceFetcher {
  public:
    struct Setup {
        SliceSource source;
        int request_bytes = 1 << 20;  // pieces per request: request_bytes / piece_length, ≥ 1
        std::uint64_t start_hint = 0;
        http::ClientOptions http;
    };
    SliceFetcher(lt::torrent_handle handle, Setup setup, std::shared_ptr<SourceCounters> counters,
                 Logger& log, const Clock& clock);
    ~SliceFetcher() { stop(); }
    SliceFetcher(const SliceFetcher&) = delete;
    SliceFetcher& operator=(const SliceFetcher&) = delete;

    // Fetch (true) or wait (false). Any thread.
    void set_active(bool active);
    // This node's piece share (piece_shares.hpp), fetched first; nullopt: none. Any thread.
    void set_share(std::optional<PieceRun> share);
    // Stops the thread and waits for it (an HTTP request in flight is aborted).
    void stop();
    // Payload bytes received so far (counted as they arrive); any thread.
    std::int64_t bytes() const { return bytes_.load(); }
    // A piece of the torrent failed its hash check (the alert thread). After
    // max_hash_failures the slices stop: libtorrent's own web seed, which bans a
    // source that sends corrupt pieces, takes over (the last-resort gate).
    void note_hash_failure() { ++hash_failures_; }
    static constexpr int max_hash_failures = 2;

  private:
    void run(std::stop_token stop);
    // This node's view of every piece: ours (or handed to libtorrent and not
    // checked yet), at a connected peer, or missing.
    std::vector<PieceState> snapshot(bool& finished);
    Status fetch(http::Client& client, const PieceRun& run, std::vector<char>& buffer,
                 std::stop_token stop);
    void wait(std::stop_token stop, std::chrono::milliseconds at_most);

    lt::torrent_handle handle_;
    Setup setup_;
    std::shared_ptr<SourceCounters> counters_;
    Logger& log_;
    const Clock& clock_;
    std::atomic<std::int64_t> bytes_{0};
    std::atomic<int> hash_failures_{0};
    // Pieces handed to libtorrent and not reported as ours yet, with when: a
    // piece that failed its check is missing again after a while. Thread only.
    std::map<int, Clock::SteadyTime> pending_;
    std::mutex mu_;
    std::condition_variable_any cv_;
    bool active_ = false;            // guarded by mu_
    std::optional<PieceRun> share_;  // guarded by mu_
    std::jthread thread_;            // last: starts after every other member
};

}  // namespace aciswarm::engine
