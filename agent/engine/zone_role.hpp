// How an agent learns its zone role and its zone's leaders (docs/zones.md, "Learning
// the role"). libtorrent 2.0.8 drops tracker reply keys it does not know, so the `zone`
// key of the announce reply never reaches us. The agent asks the tracker instead:
// GET <tracker>/zone?<the announce URL's query>&info_hash=..&port=.. (the BEP 48 rule
// that derives /scrape from /announce), a read-only query that changes no peer, count
// or election, keyed like an announce when the tracker wants a passkey.
//
// Reply (bencoded; the announce reply's zone key alone):
//   d 4:zone d 7:leaders <compact IPv4, 6 bytes each> 8:leaders6 <compact IPv6, 18 each>
//              [7:members <compact IPv4> 8:members6 <compact IPv6>]  (followers, leaders)
//              4:name <zone, "" for none> 4:role <"leader" | "follower" | "none"> e e
// or d 14:failure reason <text> e.
//
// parse_zone_reply and zone_query_url are pure. ZoneRoleWatch is one torrent's view
// over time, driven by the engine's zone thread with the engine's clock (a ManualClock
// in unit tests); the query itself is a function the caller passes in (http::Client in
// the engine, a fake in tests). Nothing survives kill -9: the role is asked again.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/info_hash.hpp"
#include "common/peer_endpoint.hpp"
#include "common/result.hpp"

namespace aciswarm::engine {

// unknown: not asked yet, or no answer; none: the tracker gives this node today's
// reply (no zone, or its zone has no leader).
enum class ZoneRole { unknown, none, follower, leader };
const char* zone_role_name(ZoneRole role);

struct ZoneView {
    ZoneRole role = ZoneRole::unknown;
    std::string zone;                   // where the tracker placed the node; "" for none
    std::vector<PeerEndpoint> leaders;  // the zone's leaders, best first
    // A follower's or leader's: its zone's members (the leaders too, zone-blind members
    // too), the peers a follower may download from (zone_peer_filter.hpp) and whose
    // pieces a leader ranks its own by (zone_leader_pieces.hpp). Empty for role none.
    std::vector<PeerEndpoint> members;
    friend bool operator==(const ZoneView&, const ZoneView&) = default;
    // Role, zone and leaders: what the engine logs and re-announces for.
    bool same_role(const ZoneView& o) const {
        return role == o.role && zone == o.zone && leaders == o.leaders;
    }
};

// Parses a /zone reply (or an announce reply carrying the zone key). Errors: not
// bencode, no zone key, a failure reason (quoted), an unknown role, a leaders or
// members string whose length is not a multiple of the compact size.
Result<ZoneView> parse_zone_reply(std::string_view body);

// The /zone URL for an HTTP(S) announce URL whose last path segment starts with
// "announce" (BEP 48's rule for /scrape); its query (passkey, zone keys) is kept and
// info_hash (percent-encoded) and port are appended. Errors name the URL.
Result<std::string> zone_query_url(std::string_view announce_url, const InfoHash& info_hash,
                                   std::uint16_t port);

// One torrent's role as the tracker last told it. Owned by the engine's zone thread;
// read under the engine's lock.
class ZoneRoleWatch {
  public:
    // GET url -> body; errors are transport failures or non-200 statuses.
    using Query = std::function<Result<std::string>(const std::string& url)>;

    // The first `quick_asks` asks are one second apart: the tracker elects on the
    // first candidate's announce, which may land just after this node's first ask.
    explicit ZoneRoleWatch(std::chrono::milliseconds interval, int quick_asks = 10)
        : interval_(interval), quick_asks_(quick_asks) {}

    // Whether to ask now (at once the first time, then as the constructor says).
    bool due(Clock::SteadyTime now) const {
        const auto wait = asks_ < quick_asks_ ? std::chrono::milliseconds(1000) : interval_;
        return !asked_ || now - *asked_ >= wait;
    }
    // Asks the first URL of `urls` that answers, and records the answer. A failure
    // keeps the last view (a tracker restart does not turn a follower into a
    // zone-blind node for one interval) and sets error().
    void ask(Clock::SteadyTime now, const std::vector<std::string>& urls, const Query& query);

    // A seed needs its role for status only: the engine asks less often for finished torrents.
    void set_interval(std::chrono::milliseconds interval) { interval_ = interval; }

    const ZoneView& view() const { return view_; }
    const std::string& error() const { return error_; }
    // Bumped whenever view()'s role, zone or leaders change (not its members).
    std::uint64_t changes() const { return changes_; }

  private:
    std::chrono::milliseconds interval_;
    int quick_asks_;
    int asks_ = 0;
    std::optional<Clock::SteadyTime> asked_;
    ZoneView view_;
    std::string error_;
    std::uint64_t changes_ = 0;
};

}  // namespace aciswarm::engine
