// The instances this tracker hears from over livesync, for the /cluster page:
// one row per (instance id, source address) with its last packet time, the
// packets accepted by type, the peer records received, and the packets
// refused for a bad tag (auth failures), staleness or replay. Bookkeeping on
// the receiving side only: the wire format is unchanged.
//
// Rows are bounded (max_rows): a refused packet may add a row only while there
// is room (an instance with the wrong key shows up, but forged ids from a
// sender cannot push real instances out); an accepted packet from a new
// instance evicts the row heard from longest ago, preferring rows that never
// had a packet accepted. Packets refused before their header is read (not
// allowed, malformed) name no instance and only count in Counters.
//
// Thread-safety: note() from the livesync thread, rows() from any thread (HTTP
// workers); a mutex guards the rows. Nothing survives a restart.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <span>
#include <vector>

#include "common/clock.hpp"
#include "common/peer_endpoint.hpp"
#include "tracker/livesync/receiver.hpp"
#include "tracker/livesync/wire.hpp"

namespace aciswarm::livesync {

struct InstanceRow {
    InstanceId instance = 0;
    PeerEndpoint address;
    Clock::SteadyTime last_packet{};
    std::uint64_t packets = 0;  // accepted, all types
    std::uint64_t peer_packets = 0;
    std::uint64_t beacons = 0;
    std::uint64_t inquires = 0;
    std::uint64_t tells = 0;
    std::uint64_t peers_received = 0;  // records in accepted PEER4/PEER6 packets
    std::uint64_t auth_failures = 0;   // refused: bad or missing tag
    std::uint64_t stale = 0;           // refused: timestamp too far from ours
    std::uint64_t replayed = 0;        // refused: sequence seen before
};

class InstanceTable {
  public:
    explicit InstanceTable(const Clock& clock, std::size_t max_rows = 256);

    // One datagram and the filter's verdict on it (`datagram` is re-read for the
    // header of a refused packet).
    void note(const Received& received, std::span<const std::uint8_t> datagram,
              const PeerEndpoint& source);
    // Most recently heard first.
    std::vector<InstanceRow> rows() const;

  private:
    // The row for (instance, source); nullptr when there is no room for a new one.
    InstanceRow* row_for(InstanceId instance, const PeerEndpoint& source, bool may_evict);

    const Clock& clock_;
    const std::size_t max_rows_;
    mutable std::mutex mutex_;
    std::vector<InstanceRow> rows_;  // guarded by mutex_; small, searched linearly
};

}  // namespace aciswarm::livesync
