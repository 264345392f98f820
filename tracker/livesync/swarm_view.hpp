// What livesync needs from the tracker core, so the library is tested with an
// in-memory fake and the tracker's adapter is a few lines.
// Thread-safety: the tracker's implementation is called from the livesync
// thread while announce threads run, so it must lock as the core does.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

#include "common/info_hash.hpp"
#include "common/peer_endpoint.hpp"
#include "tracker/livesync/wire.hpp"

namespace aciswarm::livesync {

// An accepted local announce, as the tracker core reports it.
struct LocalPeerChange {
    InfoHash info_hash;
    PeerEndpoint peer;
    bool seeding = false;
    bool completed_first_time = false;  // this announce counted a download
    bool stopped = false;
    bool is_new_peer = false;
    std::optional<tracker::zones::MemberInfo> zone;  // placed in a zone: sent as PEER4Z/6Z
};

struct TorrentDownloads {
    InfoHash info_hash;
    std::uint64_t downloaded = 0;
    std::uint32_t minutes_since_announce = 0;  // 0 when the core does not track it
};

class SwarmView {
  public:
    virtual ~SwarmView() = default;
    // Merge a peer another instance accepted: add/update it (seeding from the
    // SEEDING flag, its zone from a PEER4Z/PEER6Z record), count a download when
    // COMPLETE is set, remove it when STOPPED. Must not report the change back to
    // livesync (no rebroadcast). Returns whether it was applied (false: refused,
    // e.g. not tracked with --locked).
    virtual bool apply_remote_peer(const PeerRecord& record) = 0;
    virtual std::uint64_t torrent_count() const = 0;
    // Calls fn for every torrent with its downloaded count.
    virtual void for_each_downloaded(
        const std::function<void(const TorrentDownloads&)>& fn) const = 0;
    // Keep max(ours, count); returns the count held afterwards.
    virtual std::uint64_t merge_downloaded(const InfoHash& info_hash, std::uint64_t count) = 0;
};

}  // namespace aciswarm::livesync
