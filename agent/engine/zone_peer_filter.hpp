// Which peers a follower may download from (docs/zones.md, "Followers download only
// inside their zone"). The tracker lists a leader every peer outside its zone, other
// zones' followers too, so those leaders dial followers; a zone-blind client outside
// the zone (today's reply) may dial them as well. A follower keeps uploading to such
// peers but stays "not interested" in them: agent/engine's zone peer plugin
// (zone_peer_plugin.cpp) hides their BITFIELD, HAVE_ALL, HAVE, ALLOWED_FAST and
// SUGGEST messages from libtorrent, which then never asks them for a piece.
//
// "Its zone" is what the tracker's GET /zone answered a follower last: its zone's
// leaders and members (zone_role.hpp), matched by address alone, since a peer that
// dials in comes from another port than the one it announced. Nodes that share an
// address (NAT) count as one. Not a follower (role unknown, none or leader): every
// peer is allowed, as today.
//
// ZonePeerFilter is shared by one torrent's connections: written by the engine's zone
// thread, read on libtorrent's network thread, under its own mutex. ZoneConnectionRule
// is one connection's memory of what it let through, used on the network thread alone.
// Both are pure (no libtorrent) and unit-tested with fakes. Nothing survives kill -9.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <utility>

#include "agent/engine/zone_role.hpp"
#include "common/peer_endpoint.hpp"

namespace aciswarm::engine {

class ZonePeerFilter {
  public:
    // A /zone answer: the zone becomes its leaders and members (a follower's and a
    // leader's answer carry members); a follower may download from them alone, any
    // other role from everyone.
    void update(const ZoneView& view);
    // Whether a follower may download from the peer at this address (port ignored).
    bool allows(const PeerEndpoint& remote) const;
    // Whether the peer at this address is in the node's zone by the last answer, for
    // any role (a leader's piece priorities, zone_leader_pieces.hpp).
    bool in_zone(const PeerEndpoint& remote) const;
    bool follower() const;

    // Payload received over connections that began while the node was a follower
    // (the ones the plugin guards), by peer address ("10.1.0.2"): logged when the
    // torrent finishes, and the zone test's evidence that nothing came from outside.
    void count_follower_payload(const PeerEndpoint& remote, std::int64_t bytes);
    std::map<std::string, std::int64_t> follower_payload() const;

  private:
    // (is IPv6, bytes), normalized: IPv4-mapped IPv6 folded to IPv4.
    using Address = std::pair<bool, std::array<std::uint8_t, 16>>;
    static Address address_of(const PeerEndpoint& peer);

    mutable std::mutex mu_;
    bool follower_ = false;
    std::set<Address> zone_;  // leaders and members of the last answer
    std::map<std::string, std::int64_t> follower_payload_;
};

// One BitTorrent connection of a torrent with a ZonePeerFilter.
class ZoneConnectionRule {
  public:
    // An availability message (BITFIELD, HAVE_ALL, HAVE, ALLOWED_FAST, SUGGEST)
    // arrived; `allowed` is the filter's answer for the peer now. Returns true to
    // hide it from libtorrent.
    bool hide(bool allowed);
    // Once a second: true when the answer changed since availability went through or
    // was hidden (a follower's member list grew, or the node stopped being a
    // follower, or became one): libtorrent's view of the peer's pieces is then wrong
    // either way, and the connection is dropped so the next one starts afresh.
    bool stale(bool allowed) const;

  private:
    bool passed_ = false;
    bool hidden_ = false;
};

}  // namespace aciswarm::engine
