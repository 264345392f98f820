// Test helpers for livesync's receiving side: keys and sealed packets as
// another instance would send them.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "tracker/livesync/auth.hpp"
#include "tracker/livesync/wire.hpp"

namespace aciswarm::livesync::test_packets {

// A 32-byte key of one repeated byte.
inline SyncKey key_of(char c) {
    std::vector<std::uint8_t> bytes(32, static_cast<std::uint8_t>(c));
    return *SyncKey::from_bytes(bytes);
}

// A BEACON (torrent count `count`) sealed by `sealer`.
inline std::vector<std::uint8_t> beacon_from(Sealer& sealer, std::uint64_t count = 1) {
    PacketBuilder b(PacketType::beacon, default_max_datagram, sealer.tagged());
    EXPECT_TRUE(b.set_beacon(Beacon{count}));
    return sealer.seal(std::move(b));
}

}  // namespace aciswarm::livesync::test_packets
