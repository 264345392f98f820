// The tracker core as livesync's SwarmView: a few lines mapping livesync's
// records onto tracker::Tracker's livesync hooks (tracker/core/tracker.hpp). It lives in
// tracker/app/ so that neither core nor livesync includes the other.
// Thread-safety: Tracker's methods may be called from any thread.
#pragma once

#include <algorithm>
#include <limits>

#include "tracker/core/tracker.hpp"
#include "tracker/livesync/swarm_view.hpp"

namespace aciswarm::tracker {

class TrackerSwarm final : public livesync::SwarmView {
  public:
    explicit TrackerSwarm(Tracker& tracker) : tracker_(tracker) {}

    bool apply_remote_peer(const livesync::PeerRecord& r) override {
        PeerChange c;
        c.info_hash = r.info_hash;
        c.peer = r.peer;
        c.seeding = r.seeding();
        c.completed_first_time = r.complete();
        c.stopped = r.stopped();
        c.zone_placed = r.zone.has_value();
        if (r.zone) c.zone = *r.zone;
        return tracker_.apply_remote_peer(c) == AnnounceStatus::ok;
    }
    std::uint64_t torrent_count() const override { return tracker_.torrent_count(); }
    void for_each_downloaded(
        const std::function<void(const livesync::TorrentDownloads&)>& fn) const override {
        tracker_.for_each_downloaded([&](const InfoHash& h, std::uint64_t downloaded) {
            fn(livesync::TorrentDownloads{h, downloaded, 0});
        });
    }
    std::uint64_t merge_downloaded(const InfoHash& h, std::uint64_t count) override {
        tracker_.merge_downloaded(h, count);
        return tracker_.scrape(h).downloaded;
    }

    static livesync::LocalPeerChange local_change(const PeerChange& c) {
        livesync::LocalPeerChange out{c.info_hash, c.peer,        c.seeding, c.completed_first_time,
                                      c.stopped,   c.is_new_peer, {}};
        if (c.zone_placed) out.zone = c.zone;
        return out;
    }

  private:
    Tracker& tracker_;
};

}  // namespace aciswarm::tracker
