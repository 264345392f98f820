// Zones of the tracker (docs/zones.md): which zone a peer belongs to. A zone is a
// named set of address ranges (a rack, a data centre, an autonomous system) inside
// which traffic is cheap; the tracker elects leaders per (torrent, zone) and keeps
// followers' downloads inside their zone (tracker/zones/election.hpp,
// tracker/zones/swarm_zones.hpp).
//
// Where a zone comes from, one rule (docs/zones.md, "Which zone"):
//  - no CIDR configured (no --zone, no --zones file): the zone an agent announces
//    (zone=NAME) is its zone; a closed cluster trusts its agents.
//  - any CIDR configured: the most specific configured CIDR that contains the peer's
//    address names its zone; an announced zone= is ignored (a spoofed claim cannot
//    move a peer into another zone), and a peer outside every CIDR has no zone ("").
//
// Zones file (--zones=FILE), text, one row per line:
//   NAME=CIDR      e.g. "rack-a=10.1.0.0/16", "dc2=fd00:2::/32"
//   # comment, blank lines ignored; surrounding blanks trimmed; a NAME may repeat.
// The parsers are pure functions over string_view (fuzz target: tests/fuzz/zones).
//
// Thread-safety: ZoneName, Cidr and ZoneMap are values; a const ZoneMap may be read
// from any thread (the tracker swaps whole maps on SIGHUP). Nothing survives kill -9:
// the map is configuration, re-read at start.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/peer_endpoint.hpp"
#include "common/result.hpp"

namespace aciswarm::tracker::zones {

inline constexpr std::size_t kMaxZoneName = 32;

// A zone's name: 1..32 bytes of [A-Za-z0-9._-], or "" (the zone of peers without one).
// Fixed capacity, so an announce carries one without allocating.
class ZoneName {
  public:
    ZoneName() = default;
    // `what` names the input in the error ("zone", "--zone=...").
    static Result<ZoneName> parse(std::string_view text, std::string_view what = "zone");

    std::string_view view() const { return {bytes_.data(), size_}; }
    std::string str() const { return std::string(view()); }
    bool empty() const { return size_ == 0; }

    friend bool operator==(const ZoneName& a, const ZoneName& b) { return a.view() == b.view(); }
    friend std::strong_ordering operator<=>(const ZoneName& a, const ZoneName& b) {
        return a.view() <=> b.view();
    }

  private:
    std::array<char, kMaxZoneName> bytes_{};
    std::uint8_t size_ = 0;
};

// An address range, "10.1.0.0/16" or "fd00::/8". Host bits must be zero.
struct Cidr {
    std::array<std::uint8_t, 16> network{};  // IPv4: the first 4 bytes
    std::uint8_t prefix = 0;                 // bits
    bool v6 = false;

    static Result<Cidr> parse(std::string_view text);
    // Whether the (normalized) address lies in the range; families never mix.
    bool contains(const PeerEndpoint& address) const;
    std::string to_string() const;
    friend bool operator==(const Cidr&, const Cidr&) = default;
};

struct ZoneRow {
    ZoneName zone;
    Cidr cidr;
    friend bool operator==(const ZoneRow&, const ZoneRow&) = default;
};

// "NAME=CIDR" (the --zone option's value and a zones file's line).
Result<ZoneRow> parse_zone_row(std::string_view text);

// A zones file's text; errors name `file` and the line.
Result<std::vector<ZoneRow>> parse_zones_file(std::string_view text, std::string_view file);

// The outcome of resolving one announce's zone.
struct Resolution {
    ZoneName zone;               // "" : no zone (zone-blind)
    bool claim_ignored = false;  // a zone= was announced and did not decide the zone
};

class ZoneMap {
  public:
    ZoneMap() = default;
    // Fails when one CIDR is given to two different zones (the map would be ambiguous).
    static Result<ZoneMap> from_rows(std::vector<ZoneRow> rows);

    bool has_cidrs() const { return !rows_.empty(); }
    const std::vector<ZoneRow>& rows() const { return rows_; }

    // The zone of a peer at `address` (normalized) that announced `claimed` ("" if not).
    Resolution resolve(const PeerEndpoint& address, const ZoneName& claimed) const;

  private:
    std::vector<ZoneRow> rows_;  // most specific prefix first, then as given
};

}  // namespace aciswarm::tracker::zones
