// The tracker core as livesync's SwarmView: a few lines mapping livesync's
// records onto tracker::Tracker's livesync hooks (tracker/core/tracker.hpp).
// Thread-safety: Tracker's methods may be called from any thread.
#pragma once

#include <algorithm>
#include <limits>

#include "tracker/core/tracker.hpp"
#include "tracker/livesync/swarm_view.hpp"

namespace aciswarm::livesync {

class TrackerSwarm final : public SwarmView {
  public:
    explicit TrackerSwarm(tracker::Tracker& tracker) : tracker_(tracker) {}

    bool apply_remote_peer(const PeerRecord& r) override {
        tracker::PeerChange c;
        c.info_hash = r.info_hash;
        c.peer = r.peer;
        c.seeding = r.seeding();
        c.completed_first_time = r.complete();
        c.stopped = r.stopped();
        return tracker_.apply_remote_peer(c) == tracker::AnnounceStatus::ok;
    }
    std::uint64_t torrent_count() const override { return tracker_.torrent_count(); }
    void for_each_downloaded(
        const std::function<void(const TorrentDownloads&)>& fn) const override {
        tracker_.for_each_downloaded([&](const InfoHash& h, std::uint32_t downloaded) {
            fn(TorrentDownloads{h, downloaded, 0});
        });
    }
    std::uint64_t merge_downloaded(const InfoHash& h, std::uint64_t count) override {
        tracker_.merge_downloaded(h, static_cast<std::uint32_t>(std::min<std::uint64_t>(
                                         count, std::numeric_limits<std::uint32_t>::max())));
        return tracker_.scrape(h).downloaded;
    }

    static LocalPeerChange local_change(const tracker::PeerChange& c) {
        return LocalPeerChange{c.info_hash, c.peer,       c.seeding, c.completed_first_time,
                               c.stopped,   c.is_new_peer};
    }

  private:
    tracker::Tracker& tracker_;
};

}  // namespace aciswarm::livesync
