// Piece shares on the alert thread (piece_shares.hpp; docs/engine.md, "Piece
// shares"): who else downloads each torrent (connected peers that sent a share key
// and are not seeds), this node's share among them as libtorrent piece priorities,
// and the same share for the torrent's web seed slices.
#include <libtorrent/download_priority.hpp>
#include <libtorrent/peer_info.hpp>
#include <libtorrent/torrent_status.hpp>

#include "agent/engine/engine_impl.hpp"

namespace aciswarm::engine {
namespace {

using namespace std::chrono_literals;

// The share keys of a torrent's connected peers that are downloading it.
std::vector<std::uint64_t> downloader_keys(const lt::torrent_handle& handle,
                                           SourceCounters& counters) {
    std::vector<lt::peer_info> peers;
    handle.get_peer_info(peers);
    std::vector<std::uint64_t> keys;
    std::lock_guard lock(counters.mu);
    for (const auto& p : peers) {
        if (p.connection_type != lt::peer_info::standard_bittorrent) continue;
        if (p.flags & lt::peer_info::seed) continue;
        const auto it = counters.peer_bytes.find(p.ip);
        if (it != counters.peer_bytes.end() && it->second.share_key != 0)
            keys.push_back(it->second.share_key);
    }
    return keys;
}

// share at top priority, every other piece at the default; no share: all default.
void apply_priorities(const lt::torrent_handle& handle, int num_pieces,
                      std::optional<PieceRun> share) {
    std::vector<lt::download_priority_t> priorities(static_cast<std::size_t>(num_pieces),
                                                    lt::default_priority);
    if (share) {
        for (int i = share->first; i < share->first + share->count; ++i)
            priorities[static_cast<std::size_t>(i)] = lt::top_priority;
    }
    handle.prioritize_pieces(priorities);
}

std::string share_text(const PieceShares& shares, const PieceRun& share) {
    return std::to_string(shares.rank() + 1) + " of " + std::to_string(shares.members()) +
           " (pieces " + std::to_string(share.first) + "-" +
           std::to_string(share.first + share.count - 1) + ")";
}

}  // namespace

void Engine::Impl::maybe_update_shares() {
    if (!shares_on()) return;
    const auto now = clock.now();
    if (now - last_share_check < 500ms) return;
    last_share_check = now;
    struct Work {
        TorrentId id;
        lt::torrent_handle handle;
        std::shared_ptr<PieceShares> shares;  // null: none yet
        std::shared_ptr<SourceCounters> counters;
        std::shared_ptr<SliceFetcher> slices;
        std::string name;
    };
    std::vector<Work> work;
    {
        std::lock_guard lock(mu);
        for (auto& [_, e] : entries) {
            if (e.finished || !e.error.empty() || (e.shares && e.shares->released())) continue;
            work.push_back({e.id, e.handle, e.shares, e.counters, e.slices, e.hashes.best().hex()});
        }
    }
    // libtorrent calls outside mu: they wait for its network thread.
    for (auto& w : work) {
        // A torrent removed meanwhile makes its handle throw: nothing left to share.
        try {
            const lt::torrent_status st = w.handle.status(lt::torrent_handle::query_pieces);
            if (st.state != lt::torrent_status::downloading || !st.has_metadata) continue;
            const int num_pieces = st.pieces.size();
            if (!w.shares) {
                w.shares = std::make_shared<PieceShares>(share_key, num_pieces);
                std::lock_guard lock(mu);
                if (auto it = entries.find(w.id.value); it != entries.end())
                    it->second.shares = w.shares;
            }
            const auto before = w.shares->share();
            const auto action = w.shares->observe(
                downloader_keys(w.handle, *w.counters),
                [&](int i) { return i < num_pieces && st.pieces.get_bit(lt::piece_index_t(i)); });
            if (action == PieceShares::Action::apply) {
                apply_priorities(w.handle, num_pieces, w.shares->share());
                const std::string text = share_text(*w.shares, *w.shares->share());
                before ? log.debug(w.name, ": piece share now ", text)
                       : log.info(w.name, ": piece share ", text, " first");
            } else if (action == PieceShares::Action::release) {
                apply_priorities(w.handle, num_pieces, std::nullopt);
                if (before) {
                    log.info(w.name, ": piece share ", share_text(*w.shares, *before),
                             " complete; rarest first from here");
                }
            }
            // The slices keep a released share: with it they take other nodes' pieces
            // only once those stop coming (web_seed_slicer.hpp); without it they would
            // jump into the middle of any long run of missing pieces at once, which is
            // some other node's share still on its way (seen at 16 nodes: 1.5–2 F).
            if (w.slices)
                w.slices->set_share(action == PieceShares::Action::release ? before
                                                                           : w.shares->share());
        } catch (const std::exception& e) {
            log.debug(w.name, ": piece shares: ", e.what());
        }
    }
}

}  // namespace aciswarm::engine
