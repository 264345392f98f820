// An in-memory SwarmView for livesync tests and benchmarks: peers per torrent,
// downloaded counts, and a condition variable so tests wait for a change
// instead of sleeping. Thread-safety: every method locks.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>

#include "tracker/livesync/swarm_view.hpp"

namespace aciswarm::livesync::test {

class FakeSwarm final : public SwarmView {
  public:
    struct Torrent {
        std::map<PeerEndpoint, bool> peers;  // -> seeding
        std::uint64_t downloaded = 0;
    };

    bool apply_remote_peer(const PeerRecord& r) override {
        {
            std::lock_guard lock(mutex_);
            auto& t = torrents_[r.info_hash];
            if (r.stopped()) {
                t.peers.erase(r.peer);
            } else {
                t.peers[r.peer] = r.seeding();
            }
            if (r.complete()) ++t.downloaded;
            ++applied_;
        }
        changed_.notify_all();
        return true;
    }
    std::uint64_t torrent_count() const override {
        std::lock_guard lock(mutex_);
        return torrents_.size();
    }
    void for_each_downloaded(
        const std::function<void(const TorrentDownloads&)>& fn) const override {
        std::lock_guard lock(mutex_);
        for (const auto& [h, t] : torrents_)
            fn(TorrentDownloads{h, t.downloaded, 0});
    }
    std::uint64_t merge_downloaded(const InfoHash& h, std::uint64_t count) override {
        std::uint64_t out = 0;
        {
            std::lock_guard lock(mutex_);
            auto& t = torrents_[h];
            t.downloaded = std::max(t.downloaded, count);
            out = t.downloaded;
        }
        changed_.notify_all();
        return out;
    }

    // Local bookkeeping for the announcing side (what the tracker core does).
    void set_downloaded(const InfoHash& h, std::uint64_t count) {
        std::lock_guard lock(mutex_);
        torrents_[h].downloaded = count;
    }

    // Waits until pred(torrents) holds; false on timeout.
    template <class Pred>
    bool wait_for(Pred pred, std::chrono::milliseconds timeout) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, timeout, [&] { return pred(torrents_); });
    }
    std::optional<bool> peer_seeding(const InfoHash& h, const PeerEndpoint& p) const {
        std::lock_guard lock(mutex_);
        auto t = torrents_.find(h);
        if (t == torrents_.end()) return std::nullopt;
        auto it = t->second.peers.find(p);
        if (it == t->second.peers.end()) return std::nullopt;
        return it->second;
    }
    std::uint64_t downloaded(const InfoHash& h) const {
        std::lock_guard lock(mutex_);
        auto t = torrents_.find(h);
        return t == torrents_.end() ? 0 : t->second.downloaded;
    }
    std::uint64_t applied() const {
        std::lock_guard lock(mutex_);
        return applied_;
    }

  private:
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::map<InfoHash, Torrent> torrents_;
    std::uint64_t applied_ = 0;
};

}  // namespace aciswarm::livesync::test
